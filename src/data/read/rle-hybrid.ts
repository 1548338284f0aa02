// Parquet's RLE / bit-packed hybrid encoding (definition levels and
// dictionary indexes), decoded into a typed array. hyparquet has a decoder,
// but it repeats a run as long as the run's header says, so one garbled
// header in a page costs seconds of writes past the end; here every run is
// cut to the values the page holds and every byte read is bounds-checked.

/** Widths past this would overflow the 32-bit bit buffer; no real dictionary needs them (2^24 entries). */
export const MAX_HYBRID_WIDTH = 24

/**
 * Decodes `count` values of `width` bits from bytes[start, end) into
 * out[at, at + count); returns the offset after the last run read. Throws on
 * input that ends early.
 */
export function decodeHybrid(bytes: Uint8Array, start: number, end: number, width: number, out: Int32Array | Uint8Array, at: number, count: number): number {
  if (width > MAX_HYBRID_WIDTH) throw new Error(`RLE bit width ${width} is not supported`)
  const limit = Math.min(end, bytes.length)
  const mask = (1 << width) - 1
  const valueBytes = (width + 7) >> 3
  let pos = start
  let seen = 0
  while (seen < count) {
    // ULEB128 run header: low bit 1 = bit-packed groups of 8, 0 = one repeated value.
    let header = 0
    let scale = 1
    for (;;) {
      if (pos >= limit) throw new Error(`RLE data ends after ${seen} of ${count} values`)
      const byte = bytes[pos++]!
      header += (byte & 0x7f) * scale
      if (byte < 0x80) break
      scale *= 128
      if (scale > 2 ** 35) throw new Error('RLE run header is malformed')
    }
    const left = count - seen
    if (header % 2 === 1) {
      const groups = Math.floor(header / 2)
      const runEnd = pos + groups * width
      if (runEnd > limit) throw new Error(`RLE bit-packed run of ${groups * 8} values overruns its page`)
      const take = Math.min(groups * 8, left)
      let data = 0
      let bits = 0
      let p = pos
      for (let i = 0; i < take; i++) {
        while (bits < width) {
          data |= bytes[p++]! << bits
          bits += 8
        }
        out[at + seen + i] = data & mask
        data >>>= width
        bits -= width
      }
      seen += take
      pos = runEnd
    } else {
      if (pos + valueBytes > limit) throw new Error(`RLE data ends after ${seen} of ${count} values`)
      let value = 0
      for (let b = 0; b < valueBytes; b++) value |= bytes[pos++]! << (8 * b)
      const take = Math.min(Math.floor(header / 2), left)
      out.fill(value, at + seen, at + seen + take)
      seen += take
    }
  }
  return pos
}
