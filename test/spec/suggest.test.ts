import { describe, expect, it } from 'vitest'
import { didYouMean, suggest } from '../../src/spec/suggest.js'

describe('suggest', () => {
  it('finds near misses, counting a swap of two letters as one edit', () => {
    expect(suggest('dep', ['deps', 'outs'])).toBe('deps')
    expect(suggest('trian', ['train', 'evaluate'])).toBe('train')
    expect(suggest('max_dorp', ['min', 'max', 'max_drop', 'max_rise'])).toBe('max_drop')
    expect(suggest('timeout_minutes', ['timeout-minutes', 'cache'])).toBe('timeout-minutes')
    expect(suggest('Stages', ['stage', 'stages'])).toBe('stages')
  })

  it('maps names other tools use to ours when ours is a candidate', () => {
    expect(suggest('float', ['string', 'number', 'integer'])).toBe('number')
    expect(suggest('int', ['string', 'number', 'integer'])).toBe('integer')
    expect(suggest('float', ['higher', 'lower'])).toBeUndefined()
  })

  it('suggests a short key for its spelled-out form', () => {
    expect(suggest('minimum', ['min', 'max', 'max_drop'])).toBe('min')
    expect(suggest('description', ['run', 'desc', 'needs'])).toBe('desc')
  })

  it('stays quiet when nothing is close', () => {
    expect(suggest('command', ['run', 'desc', 'needs', 'deps', 'outs'])).toBeUndefined()
    expect(didYouMean('zzz', ['train'])).toBe('')
    expect(didYouMean('trian', ['train'])).toBe('; did you mean "train"?')
  })
})
