import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { evaluatePredictions } from '../../../src/metrics/evaluation/evaluate-predictions.js'
import { EvaluationSchema, type EvaluationSpec } from '../../../src/spec/schema.js'

function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlops-eval-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text)
  return root
}

const spec = (input: Partial<Record<keyof EvaluationSpec, unknown>>): EvaluationSpec => EvaluationSchema.parse({ label: 'y', prediction: 'p', ...input })

describe('evaluating a predictions file', () => {
  it('computes overall and per-group metrics, crossed slices and the confusion matrix in one pass', async () => {
    const csv = ['g,h,y,p', 'a,x,1,1', 'a,x,1,0', 'a,y,0,0', 'b,y,1,1', 'b,y,0,1', 'b,x,0,0', ',x,1,1'].join('\n')
    const root = project({ 'pred.csv': `${csv}\n` })
    const { evaluation, errors } = await evaluatePredictions(root, spec({ predictions: 'pred.csv', slices: ['g', ['g', 'h']], min_group: 2 }))
    expect(errors).toEqual([])
    expect(evaluation!.rows).toBe(7)
    expect(evaluation!.classes).toEqual(['0', '1'])
    expect(evaluation!.positive).toBe('1') // 0/1 labels: 1 is the favourable class
    expect(evaluation!.confusion).toEqual([[2, 1], [1, 3]])
    expect(evaluation!.overall.accuracy).toBeCloseTo(5 / 7, 12)
    const [byG, byGH] = evaluation!.slices
    expect(byG!.name).toBe('g')
    expect(byG!.groups.map((g) => [g.values, g.rows, g.metrics.accuracy, g.metrics.selection_rate])).toEqual([
      [['a'], 3, 2 / 3, 1 / 3],
      [['b'], 3, 2 / 3, 2 / 3],
      [[null], 1, 1, 1],
    ])
    // Fairness over groups of min_group rows or more: a and b, not the empty one.
    expect(byG!.fairness.demographic_parity_difference).toBeCloseTo(1 / 3, 12)
    // a: TPR 1/2, FPR 0; b: TPR 1, FPR 1/2 → max(1/2, 1/2)
    expect(byG!.fairness.equalized_odds_difference).toBeCloseTo(0.5, 12)
    expect(byGH!.name).toBe('g × h')
    expect(byGH!.groups.find((g) => g.values[0] === 'b' && g.values[1] === 'y')!.rows).toBe(2)
  })

  it('reads JSON Lines and takes numbers and booleans as class text', async () => {
    const lines = [{ y: true, p: true, s: 0.9 }, { y: false, p: true, s: 0.6 }, { y: true, p: false, s: 0.3 }].map((r) => JSON.stringify(r)).join('\n')
    const root = project({ 'pred.jsonl': `${lines}\n` })
    const { evaluation, errors } = await evaluatePredictions(root, spec({ predictions: 'pred.jsonl', score: 's' }))
    expect(errors).toEqual([])
    expect(evaluation!.classes).toEqual(['false', 'true'])
    expect(evaluation!.positive).toBe('true')
    expect(evaluation!.overall.brier_score).toBeCloseTo((0.01 + 0.36 + 0.49) / 3, 12)
  })

  it('computes regression metrics per group', async () => {
    const root = project({ 'pred.csv': 'g,y,p\na,3,2.5\na,-0.5,0\nb,2,2\nb,7,8\n' })
    const { evaluation, errors } = await evaluatePredictions(root, spec({ predictions: 'pred.csv', task: 'regression', slices: ['g'], min_group: 1 }))
    expect(errors).toEqual([])
    expect(evaluation!.overall.r2).toBeCloseTo(0.9486081370449679, 12)
    expect(evaluation!.slices[0]!.groups.map((g) => g.metrics.mae)).toEqual([0.5, 0.5])
    expect(evaluation!.classes).toBeUndefined()
    expect(evaluation!.slices[0]!.fairness).toEqual({})
  })

  it('locates every bad row by file:line and column, leaves it out and reports it', async () => {
    const csv = ['y,p,s', '1,1,0.5', ',1,0.5', '1,,0.5', '1,0,1.5', '0,0', '1,0,x', '0,1,0.2'].join('\n')
    const root = project({ 'pred.csv': `${csv}\n` })
    const { evaluation, errors } = await evaluatePredictions(root, spec({ predictions: 'pred.csv', score: 's' }))
    expect(errors).toEqual([
      'pred.csv:6: the row has the wrong number of fields; 1 row left out of the evaluation (lines 6)',
      'pred.csv:3: column "y" is empty; 1 row left out of the evaluation (lines 3)',
      'pred.csv:4: column "p" is empty; 1 row left out of the evaluation (lines 4)',
      'pred.csv:5: column "s" is not a probability between 0 and 1; 2 rows left out of the evaluation (lines 5, 7)',
    ])
    expect(evaluation!.rows).toBe(2)
  })

  it('names a missing column with a suggestion, and a missing file', async () => {
    const root = project({ 'pred.csv': 'label,pred\n1,1\n' })
    expect((await evaluatePredictions(root, spec({ predictions: 'pred.csv', label: 'label', prediction: 'prediction' }))).errors).toEqual([
      'pred.csv: no column "prediction"; did you mean "pred"? (columns: label, pred)',
    ])
    expect((await evaluatePredictions(root, spec({ predictions: 'gone.csv' }))).errors).toEqual(['gone.csv: does not exist'])
    expect((await evaluatePredictions(project({ 'e.csv': 'y,p\n' }), spec({ predictions: 'e.csv' }))).errors).toEqual(['e.csv: no rows to evaluate'])
  })

  it('refuses non-numeric regression values and ID-like slices', async () => {
    const root = project({ 'pred.csv': 'y,p\n1,2\nabc,1\n' })
    const { errors } = await evaluatePredictions(root, spec({ predictions: 'pred.csv', task: 'regression' }))
    expect(errors).toEqual(['pred.csv:3: column "y" is not a number; 1 row left out of the evaluation (lines 3)'])
    const ids = ['id,y,p', ...Array.from({ length: 1001 }, (_, i) => `${i},1,1`)].join('\n')
    const many = await evaluatePredictions(project({ 'pred.csv': ids }), spec({ predictions: 'pred.csv', slices: ['id'] }))
    expect(many.errors).toEqual(['pred.csv: slice "id" has more than 1,000 groups; slice by a column with fewer distinct values'])
    expect(many.evaluation).toBeUndefined()
  })

  it('asks for the positive class where the labels do not say it, and checks a given one', async () => {
    const root = project({ 'pred.csv': 'y,p,s\ncat,dog,0.4\ndog,dog,0.9\n' })
    const none = await evaluatePredictions(root, spec({ predictions: 'pred.csv', score: 's' }))
    expect(none.errors).toEqual(['pred.csv: evaluation.score needs evaluation.positive, the class whose probability the score is (classes: cat, dog)'])
    expect(none.evaluation!.positive).toBeUndefined()
    const wrong = await evaluatePredictions(root, spec({ predictions: 'pred.csv', positive: 'bird' }))
    expect(wrong.errors).toEqual(['pred.csv: evaluation.positive "bird" is neither a label nor a prediction (classes: cat, dog)'])
    const dog = await evaluatePredictions(root, spec({ predictions: 'pred.csv', score: 's', positive: 'dog' }))
    expect(dog.errors).toEqual([])
    expect(dog.evaluation!.overall.brier_score).toBeCloseTo((0.16 + 0.01) / 2, 12)
  })
})
