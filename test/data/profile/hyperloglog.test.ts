import { describe, expect, it } from 'vitest'
import { HASH, hashNumber, hashString, HyperLogLog } from '../../../src/data/profile/hyperloglog.js'

const STATED_ERROR = 1.04 / Math.sqrt(2 ** 14)

function sketchOf(from: number, to: number, prefix = 'id-'): HyperLogLog {
  const sketch = new HyperLogLog()
  for (let i = from; i < to; i++) sketch.add(`${prefix}${i}`)
  return sketch
}

function relativeError(estimate: number, truth: number): number {
  return Math.abs(estimate / truth - 1)
}

describe('HyperLogLog', () => {
  it('states 1.04 / sqrt(2^p) ≈ 0.81% at the default p = 14', () => {
    expect(new HyperLogLog().standardError).toBeCloseTo(0.0081, 4)
    expect(new HyperLogLog().p).toBe(14)
    expect(() => new HyperLogLog(3)).toThrow(/precision/)
  })

  it('estimates 0 for nothing and is near-exact for a handful of values', () => {
    expect(new HyperLogLog().estimate()).toBe(0)
    expect(Math.round(sketchOf(0, 10).estimate())).toBe(10)
  })

  it.each([1_000, 100_000, 1_000_000])('estimates %i distinct values within 3× the stated error', (n) => {
    expect(relativeError(sketchOf(0, n).estimate(), n)).toBeLessThanOrEqual(3 * STATED_ERROR)
  })

  it('is accurate where raw HLL hands over from linear counting (~2.5m)', () => {
    for (const n of [20_000, 41_000, 60_000]) {
      expect(relativeError(sketchOf(0, n, `x${n}-`).estimate(), n), String(n)).toBeLessThanOrEqual(3 * STATED_ERROR)
    }
  })

  it('ignores repeats', () => {
    const sketch = new HyperLogLog()
    for (let round = 0; round < 3; round++) for (let i = 0; i < 5_000; i++) sketch.add(`v${i}`)
    expect(relativeError(sketch.estimate(), 5_000)).toBeLessThanOrEqual(3 * STATED_ERROR)
  })

  it('merges overlapping sets into exactly the sketch of their union', () => {
    const a = sketchOf(0, 600_000)
    const b = sketchOf(400_000, 1_000_000)
    const union = sketchOf(0, 1_000_000)
    const merged = a.clone().merge(b)
    expect(merged.registers).toEqual(union.registers)
    expect(relativeError(merged.estimate(), 1_000_000)).toBeLessThanOrEqual(3 * STATED_ERROR)
    expect(relativeError(a.estimate(), 600_000)).toBeLessThanOrEqual(3 * STATED_ERROR)
    expect(() => a.merge(new HyperLogLog(12))).toThrow(/precision 14 and 12/)
  })

  it('counts numbers by value, with -0 as 0 and apart from their text', () => {
    const sketch = new HyperLogLog()
    for (let i = 0; i < 50_000; i++) sketch.addNumber(i / 4)
    sketch.addNumber(-0)
    expect(relativeError(sketch.estimate(), 50_000)).toBeLessThanOrEqual(3 * STATED_ERROR)
    const zero = new HyperLogLog()
    zero.addNumber(0)
    zero.addNumber(-0)
    expect(Math.round(zero.estimate())).toBe(1)
    zero.add('0')
    expect(Math.round(zero.estimate())).toBe(2)
  })

  it('adds the same through hashString/hashNumber and addHash', () => {
    const direct = sketchOf(0, 2_000)
    const viaHash = new HyperLogLog()
    for (let i = 0; i < 2_000; i++) {
      hashString(`id-${i}`)
      viaHash.addHash(HASH[0]!, HASH[1]!)
    }
    expect(viaHash.registers).toEqual(direct.registers)
    hashNumber(1.5)
    viaHash.addHash(HASH[0]!, HASH[1]!)
    direct.addNumber(1.5)
    expect(viaHash.registers).toEqual(direct.registers)
  })

  it('hashes non-ASCII text by code unit', () => {
    const sketch = new HyperLogLog()
    for (const value of ['é', 'e\u0301', '😀', '😁', '日本', '日本']) sketch.add(value)
    expect(Math.round(sketch.estimate())).toBe(5)
  })

  it('serialises registers as 6-bit packed base64 and round-trips', () => {
    const sketch = sketchOf(0, 30_000)
    const json = JSON.parse(JSON.stringify(sketch))
    expect(json.registers).toHaveLength((2 ** 14 * 6) / 8 / 3 * 4)
    const restored = HyperLogLog.fromJSON(json)
    expect(restored.registers).toEqual(sketch.registers)
    expect(restored.estimate()).toBe(sketch.estimate())
    expect(() => HyperLogLog.fromJSON({ p: 12, registers: json.registers })).toThrow(/do not fit precision 12/)
    expect(() => HyperLogLog.fromJSON({ p: 14 })).toThrow()
  })
})
