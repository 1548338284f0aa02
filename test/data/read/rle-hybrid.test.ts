import { describe, expect, it } from 'vitest'
import { decodeHybrid } from '../../../src/data/read/rle-hybrid.js'

// Parquet's RLE / bit-packed hybrid: runs encoded by hand from the format's
// description (Encodings.md), then the cases a garbled page produces.

/** Bit-packs `values` LSB first at `width` bits, padded to groups of 8, behind its run header. */
function bitPacked(values: number[], width: number): number[] {
  const groups = Math.ceil(values.length / 8)
  const bytes = new Array<number>(groups * width).fill(0)
  values.forEach((value, i) => {
    for (let b = 0; b < width; b++) if (value & (1 << b)) bytes[(i * width + b) >> 3]! |= 1 << ((i * width + b) & 7)
  })
  return [...varint((groups << 1) | 1), ...bytes]
}

function rle(value: number, count: number, width: number): number[] {
  const bytes = []
  for (let b = 0; b < (width + 7) >> 3; b++) bytes.push((value >> (8 * b)) & 0xff)
  return [...varint(count * 2), ...bytes]
}

function varint(n: number): number[] {
  const out = []
  while (n >= 0x80) {
    out.push((n % 128) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

function decode(bytes: number[], width: number, count: number): number[] {
  const out = new Int32Array(count)
  decodeHybrid(Uint8Array.from(bytes), 0, bytes.length, width, out, 0, count)
  return Array.from(out)
}

describe('decodeHybrid', () => {
  it('decodes bit-packed runs at every width up to 24 bits, and repeated runs', () => {
    for (let width = 1; width <= 24; width++) {
      // Only the last run may end inside a group of 8; the padding of a run before another is values.
      const values = Array.from({ length: 24 }, (_, i) => (i * 2654435761) % 2 ** width)
      expect(decode([...bitPacked(values, width), ...rle(2 ** width - 1, 300, width)], width, 324)).toEqual([...values, ...new Array<number>(300).fill(2 ** width - 1)])
    }
  })

  it('stops at the values asked for: the padding of the last group and an over-long run are cut', () => {
    expect(decode(bitPacked([1, 0, 1], 1), 1, 3)).toEqual([1, 0, 1])
    // A run header claiming 2^30 values ends at once instead of writing past the end for seconds.
    const started = performance.now()
    expect(decode(rle(5, 2 ** 30, 3), 3, 4)).toEqual([5, 5, 5, 5])
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('writes at an offset and returns where it stopped', () => {
    const bytes = Uint8Array.from([...rle(1, 2, 1), ...rle(0, 1, 1), 0xee])
    const out = new Uint8Array(5).fill(9)
    expect(decodeHybrid(bytes, 0, bytes.length, 1, out, 2, 3)).toBe(4)
    expect(Array.from(out)).toEqual([9, 9, 1, 1, 0])
  })

  it('throws on input that ends early or cannot be decoded', () => {
    expect(() => decode(rle(1, 4, 1), 1, 5)).toThrow(/ends after 4 of 5 values/)
    expect(() => decode(bitPacked([1, 2, 3, 4, 5, 6, 7, 8, 9], 4).slice(0, 4), 4, 9)).toThrow(/overruns its page/)
    expect(() => decode([0x80, 0x80], 2, 1)).toThrow(/ends after 0 of 1/)
    expect(() => decode([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 2, 1)).toThrow(/malformed/)
    expect(() => decode([0], 25, 1)).toThrow(/width 25 is not supported/)
  })
})
