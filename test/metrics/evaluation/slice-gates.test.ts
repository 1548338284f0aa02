import { describe, expect, it } from 'vitest'
import type { Evaluation } from '../../../src/metrics/evaluation/evaluation-result.js'
import { metricGates, sliceGates } from '../../../src/metrics/evaluation/slice-gates.js'
import { EvaluationSchema, GateSchema, type Spec } from '../../../src/spec/schema.js'

const evaluationSpec = EvaluationSchema.parse({ predictions: 'p.csv', label: 'y', prediction: 'p', slices: ['sex', 'island'], min_group: 30 })

function evaluation(positive?: string): Evaluation {
  return {
    file: 'p.csv',
    task: 'classification',
    rows: 200,
    minGroup: 30,
    classes: ['0', '1'],
    ...(positive ? { positive } : {}),
    overall: { accuracy: 0.9 },
    slices: [
      {
        name: 'sex',
        columns: ['sex'],
        groups: [
          { values: ['F'], rows: 100, metrics: { accuracy: 0.93 } },
          { values: ['M'], rows: 90, metrics: { accuracy: 0.86 } },
          { values: [null], rows: 10, metrics: { accuracy: 0.2 } }, // too small to gate
        ],
        fairness: { demographic_parity_difference: 0.12, equalized_odds_difference: 0.04 },
      },
      {
        name: 'island',
        columns: ['island'],
        groups: [
          { values: ['Biscoe'], rows: 120, metrics: { accuracy: 0.95 } },
          { values: ['Dream'], rows: 80, metrics: { accuracy: 0.8 } },
        ],
        fairness: { demographic_parity_difference: 0.5, equalized_odds_difference: 0.3 },
      },
    ],
  }
}

const specWith = (gates: Record<string, unknown>): Pick<Spec, 'gates' | 'evaluation'> => ({
  evaluation: evaluationSpec,
  gates: Object.fromEntries(Object.entries(gates).map(([k, v]) => [k, GateSchema.parse(v)])),
})

describe('slice gates', () => {
  it('checks every group of min_group rows or more, per slice, and names the worst', () => {
    const results = sliceGates(specWith({ accuracy: { min: 0.8, per_slice: { min: 0.85 } } }), evaluation())
    expect(results).toEqual([
      { metric: 'accuracy', rule: 'per_slice_min', threshold: 0.85, slice: 'sex', value: 0.86, status: 'pass', message: 'worst M 0.86 ≥ 0.85 (2 groups)' },
      { metric: 'accuracy', rule: 'per_slice_min', threshold: 0.85, slice: 'island', value: 0.8, status: 'fail', message: '1 of 2 groups under 0.85, worst Dream 0.8' },
    ])
  })

  it('fails max_gap when the best and worst group are too far apart', () => {
    const [sex, island] = sliceGates(specWith({ accuracy: { max_gap: 0.1 } }), evaluation())
    expect(sex).toMatchObject({ rule: 'max_gap', status: 'pass', message: 'F 0.93 − M 0.86 = 0.07 ≤ 0.1' })
    expect(sex!.value).toBeCloseTo(0.07, 12)
    expect(island).toMatchObject({ status: 'fail', message: 'Biscoe 0.95 − Dream 0.8 = 0.15 > 0.1' })
  })

  it('gates fairness metrics on the slices named, and needs the positive class', () => {
    const spec = specWith({ demographic_parity_difference: { max: 0.2, slices: ['sex'] } })
    expect(sliceGates(spec, evaluation('1'))).toEqual([
      { metric: 'demographic_parity_difference', rule: 'max', threshold: 0.2, slice: 'sex', value: 0.12, status: 'pass', message: '0.12 ≤ 0.2 (0 is parity)' },
    ])
    expect(sliceGates(spec, evaluation())[0]).toMatchObject({ status: 'fail', message: 'demographic_parity_difference needs evaluation.positive, the favourable class (classes: 0, 1)' })
    // evaluateGates leaves fairness metrics to the slice gates when the engine evaluates.
    expect(Object.keys(metricGates({ ...spec, gates: { ...spec.gates, accuracy: GateSchema.parse({ min: 0.5 }) } }))).toEqual(['accuracy'])
    expect(Object.keys(metricGates({ gates: spec.gates }))).toEqual(['demographic_parity_difference'])
  })

  it('skips a slice without a group large enough, and fails every slice gate when nothing was evaluated', () => {
    const small = evaluation()
    small.minGroup = 500
    expect(sliceGates(specWith({ accuracy: { per_slice: { min: 0.5 } } }), small)[0]).toMatchObject({ status: 'skipped', message: 'no group has 500 rows or more with a value of accuracy' })
    expect(sliceGates(specWith({ accuracy: { per_slice: { min: 0.5 } } }), undefined)).toEqual([
      { metric: 'accuracy', rule: 'per_slice_min', threshold: 0.5, status: 'fail', message: 'p.csv was not evaluated' },
    ])
  })

  it('fails a group the baseline was gated on and this run does not have', () => {
    const now = evaluation()
    now.slices[1]!.groups.pop() // Dream is gone
    const before = evaluation()
    before.slices[0]!.groups.push({ values: ['X'], rows: 5, metrics: {} }) // too small then: not a finding
    const results = sliceGates(specWith({ accuracy: { per_slice: { min: 0.5 } } }), now, { version: '1.2.0', evaluation: before })
    expect(results.at(-1)).toEqual({ metric: 'groups', rule: 'group_present', threshold: 30, value: 1, slice: 'island', status: 'fail', message: '1 group of v1.2.0 missing now: Dream (80 rows)' })
    expect(results.filter((r) => r.rule === 'group_present')).toHaveLength(1)
    // Without slice gates a missing group is shown in the report, not gated.
    expect(sliceGates(specWith({ accuracy: { min: 0.5 } }), now, { version: '1.2.0', evaluation: before })).toEqual([])
  })
})
