import { describe, expect, it } from 'vitest'
import { evaluateGates, type GateBaseline } from '../../src/metrics/gates.js'
import { GateVerdict } from '../../src/metrics/result.js'
import { buildMetrics } from '../builders.js'

const FILES = ['reports/metrics.json']

function baselineWith(values: Record<string, number>): GateBaseline {
  return { version: '0.1.0', stage: 'production', metrics: buildMetrics(values) }
}

describe('evaluateGates: absolute rules', () => {
  it('passes min and max within bounds, with short messages', () => {
    const verdict = evaluateGates({ accuracy: { min: 0.9 }, log_loss: { max: 0.2 } }, buildMetrics({ accuracy: 0.9712, log_loss: 0.08 }), undefined, FILES)
    expect(GateVerdict.parse(verdict)).toEqual(verdict)
    expect(verdict).toEqual({
      passed: true,
      results: [
        { metric: 'accuracy', rule: 'min', threshold: 0.9, value: 0.9712, status: 'pass', message: '0.9712 ≥ 0.9' },
        { metric: 'log_loss', rule: 'max', threshold: 0.2, value: 0.08, status: 'pass', message: '0.08 ≤ 0.2' },
      ],
    })
  })

  it('fails min and max outside bounds', () => {
    const verdict = evaluateGates({ accuracy: { min: 0.9, max: 0.95 } }, buildMetrics({ accuracy: 0.8712 }), undefined, FILES)
    expect(verdict.passed).toBe(false)
    expect(verdict.results.map((r) => [r.rule, r.status, r.message])).toEqual([
      ['min', 'fail', '0.8712 < 0.9'],
      ['max', 'pass', '0.8712 ≤ 0.95'],
    ])
    const over = evaluateGates({ accuracy: { max: 0.95 } }, buildMetrics({ accuracy: 0.99 }), undefined, FILES)
    expect(over.results[0]).toMatchObject({ status: 'fail', message: '0.99 > 0.95' })
  })

  it('treats values equal to the bound, up to float noise, as passing', () => {
    const noisy = 0.1 + 0.2 + 0.6 // 0.9000000000000001
    const below = 0.3 * 3 // 0.8999999999999999
    const verdict = evaluateGates({ a: { min: 0.9, max: 0.9 }, b: { min: 0.9 } }, buildMetrics({ a: noisy, b: below }), undefined, FILES)
    expect(verdict.results.map((r) => r.status)).toEqual(['pass', 'pass', 'pass'])
  })

  it('fails a gate whose metric was not produced, naming the metric and the files read', () => {
    const verdict = evaluateGates({ f1_macro: { min: 0.85, max_drop: 0.02 } }, buildMetrics({ accuracy: 0.9 }), baselineWith({ f1_macro: 0.9 }), FILES)
    expect(verdict.passed).toBe(false)
    expect(verdict.results).toEqual([
      { metric: 'f1_macro', rule: 'min', threshold: 0.85, status: 'fail', message: 'metric "f1_macro" was not produced; read reports/metrics.json' },
      { metric: 'f1_macro', rule: 'max_drop', threshold: 0.02, status: 'fail', message: 'metric "f1_macro" was not produced; read reports/metrics.json' },
    ])
  })

  it('says so when no metrics files were read at all', () => {
    const verdict = evaluateGates({ accuracy: { min: 0.9 } }, {}, undefined, [])
    expect(verdict.results[0]?.message).toBe('metric "accuracy" was not produced; no metrics files were read')
  })

  it('passes with no gates', () => {
    expect(evaluateGates({}, buildMetrics({ accuracy: 0.5 }), undefined, FILES)).toEqual({ passed: true, results: [] })
  })
})

describe('evaluateGates: rules relative to the baseline', () => {
  it('fails max_drop when the metric fell by more than allowed', () => {
    const verdict = evaluateGates({ f1: { max_drop: 0.02 } }, buildMetrics({ f1: 0.941 }), baselineWith({ f1: 0.972 }), FILES)
    expect(verdict).toEqual({
      passed: false,
      baseline: { version: '0.1.0', stage: 'production' },
      results: [
        { metric: 'f1', rule: 'max_drop', threshold: 0.02, value: 0.941, baseline: 0.972, status: 'fail', message: 'dropped 0.031 from 0.972 (max 0.02)' },
      ],
    })
  })

  it('passes max_drop for a small drop, a rise, or no change', () => {
    const gates = { a: { max_drop: 0.02 }, b: { max_drop: 0.02 }, c: { max_drop: 0.02 } }
    const verdict = evaluateGates(gates, buildMetrics({ a: 0.962, b: 0.99, c: 0.97 }), baselineWith({ a: 0.972, b: 0.972, c: 0.97 }), FILES)
    expect(verdict.results.map((r) => [r.status, r.message])).toEqual([
      ['pass', 'dropped 0.01 from 0.972 (max 0.02)'],
      ['pass', 'rose 0.018 from 0.972'],
      ['pass', 'unchanged from 0.97'],
    ])
  })

  it('does not fail a drop of exactly max_drop despite float noise (0.92 → 0.90)', () => {
    expect(0.92 - 0.9).toBeGreaterThan(0.02)
    const verdict = evaluateGates({ f1: { max_drop: 0.02 } }, buildMetrics({ f1: 0.9 }), baselineWith({ f1: 0.92 }), FILES)
    expect(verdict.results[0]).toMatchObject({ status: 'pass', message: 'dropped 0.02 from 0.92 (max 0.02)' })
  })

  it('applies max_rise literally, whatever the metric direction', () => {
    const gates = { log_loss: { max_rise: 0.01 }, accuracy: { max_rise: 0.01 } }
    const metrics = buildMetrics({ log_loss: 0.1, accuracy: 0.99 }, { lower: ['log_loss'] })
    const verdict = evaluateGates(gates, metrics, baselineWith({ log_loss: 0.07, accuracy: 0.95 }), FILES)
    expect(verdict.results.map((r) => [r.metric, r.status, r.message])).toEqual([
      ['log_loss', 'fail', 'rose 0.03 from 0.07 (max 0.01)'],
      ['accuracy', 'fail', 'rose 0.04 from 0.95 (max 0.01)'],
    ])
    const fell = evaluateGates({ log_loss: { max_rise: 0.01 } }, metrics, baselineWith({ log_loss: 0.2 }), FILES)
    expect(fell.results[0]).toMatchObject({ status: 'pass', message: 'dropped 0.1 from 0.2' })
  })

  it('skips relative rules without a baseline, naming the stage, and still checks absolute ones', () => {
    const verdict = evaluateGates({ f1: { min: 0.95, max_drop: 0.02 } }, buildMetrics({ f1: 0.9 }), undefined, FILES)
    expect(verdict.passed).toBe(false)
    expect(verdict.results.map((r) => [r.rule, r.status, r.message])).toEqual([
      ['min', 'fail', '0.9 < 0.95'],
      ['max_drop', 'skipped', "no baseline yet (no version in stage 'production')"],
    ])
    expect(verdict).not.toHaveProperty('baseline')
    const staging = evaluateGates({ f1: { max_rise: 1 } }, buildMetrics({ f1: 0.9 }), undefined, FILES, 'staging')
    expect(staging.results[0]?.message).toBe("no baseline yet (no version in stage 'staging')")
    expect(staging.passed).toBe(true)
  })

  it('skips relative rules when the baseline lacks the metric', () => {
    const verdict = evaluateGates({ f1: { max_drop: 0.02 } }, buildMetrics({ f1: 0.9 }), baselineWith({ accuracy: 0.9 }), FILES)
    expect(verdict.passed).toBe(true)
    expect(verdict.results[0]).toEqual({
      metric: 'f1',
      rule: 'max_drop',
      threshold: 0.02,
      value: 0.9,
      status: 'skipped',
      message: 'baseline v0.1.0 has no f1',
    })
  })

  it('evaluates rules in the order min, max, max_drop, max_rise', () => {
    const gates = { m: { max_rise: 1, max_drop: 1, max: 1, min: 0 } }
    const verdict = evaluateGates(gates, buildMetrics({ m: 0.5 }), baselineWith({ m: 0.5 }), FILES)
    expect(verdict.results.map((r) => r.rule)).toEqual(['min', 'max', 'max_drop', 'max_rise'])
  })
})
