import { describe, expect, it } from 'vitest'
import { ownString } from '../../../src/data/read/own-string.js'

describe('ownString', () => {
  it('gives back the same text for short, long, non-ASCII and empty strings', () => {
    const chunk = `${'x'.repeat(1000)}a long cell of free text, with commas${'y'.repeat(1000)}ünïcødé ✓ ${'z'.repeat(20)}`
    for (const [from, to] of [[0, 0], [1000, 1005], [1000, 1037], [2037, 2055], [0, chunk.length]] as const) {
      const cell = chunk.slice(from, to)
      const own = ownString(cell)
      expect(own).toBe(cell)
      expect(own.length).toBe(to - from)
    }
  })
})
