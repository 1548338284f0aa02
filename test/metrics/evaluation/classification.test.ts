import { describe, expect, it } from 'vitest'
import { ClassificationTally, classificationMetrics, defaultPositive } from '../../../src/metrics/evaluation/classification.js'

// Expected values are hand-computed and agree with scikit-learn 1.2 (accuracy_score,
// balanced_accuracy_score, f1/precision/recall_score(average='macro', zero_division=0),
// log_loss, brier_score_loss) on the same rows.

function tally(classes: string[], truth: string[], predicted: string[], scores?: number[]): ClassificationTally {
  const t = new ClassificationTally()
  truth.forEach((y, i) => t.add(classes.indexOf(y), classes.indexOf(predicted[i]!), scores?.[i]))
  return t
}

describe('classification metrics', () => {
  it('computes accuracy and the macro averages over three classes', () => {
    const classes = ['a', 'b', 'c']
    const m = classificationMetrics(tally(classes, ['a', 'a', 'a', 'b', 'b', 'c'], ['a', 'a', 'b', 'b', 'c', 'c']), { classes, scored: false, perClass: true })
    // a: P 2/2 R 2/3 F1 0.8; b: P 1/2 R 1/2 F1 0.5; c: P 1/2 R 1/1 F1 2/3
    expect(m.accuracy).toBeCloseTo(4 / 6, 12)
    expect(m.f1_macro).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12)
    expect(m.precision_macro).toBeCloseTo(2 / 3, 12)
    expect(m.recall_macro).toBeCloseTo(0.7222222222222222, 12)
    expect(m.balanced_accuracy).toBeCloseTo(0.7222222222222222, 12)
    expect(m['per_class.a.f1']).toBeCloseTo(0.8, 12)
    expect(m['per_class.c.recall']).toBe(1)
    expect(m).not.toHaveProperty('selection_rate')
  })

  it('counts a class nobody predicted as precision 0 and one no row has as recall 0 (zero_division=0)', () => {
    const classes = ['a', 'b']
    const m = classificationMetrics(tally(classes, ['a', 'b'], ['a', 'a']), { classes, scored: false, perClass: false })
    expect(m.f1_macro).toBeCloseTo(1 / 3, 12)
    expect(m.precision_macro).toBe(0.25)
    expect(m.recall_macro).toBe(0.5)
    const three = ['a', 'b', 'c']
    const n = classificationMetrics(tally(three, ['a', 'a', 'b'], ['a', 'c', 'b']), { classes: three, scored: false, perClass: false })
    expect(n.f1_macro).toBeCloseTo(0.5555555555555555, 12)
    expect(n.recall_macro).toBe(0.5)
    // balanced accuracy averages recall over the classes the labels have: c is only predicted
    expect(n.balanced_accuracy).toBe(0.75)
  })

  it('leaves classes absent from a group out of its macro averages, as sklearn does on the subset', () => {
    const classes = ['a', 'b', 'c']
    const m = classificationMetrics(tally(classes, ['a', 'a'], ['a', 'a']), { classes, scored: false, perClass: false })
    expect(m.f1_macro).toBe(1)
    expect(m.balanced_accuracy).toBe(1)
  })

  it('adds the rates of the positive class and the score metrics', () => {
    const classes = ['0', '1']
    const truth = ['1', '0', '1', '1', '0']
    const predicted = ['1', '0', '1', '0', '1']
    const m = classificationMetrics(tally(classes, truth, predicted, [0.9, 0.2, 0.6, 0.4, 0.5]), { classes, positive: 1, scored: true, perClass: false })
    expect(m.selection_rate).toBe(3 / 5)
    expect(m.true_positive_rate).toBe(2 / 3)
    expect(m.false_positive_rate).toBe(1 / 2)
    expect(m.log_loss).toBeCloseTo(0.4897535206344254, 12)
    expect(m.brier_score).toBeCloseTo(0.164, 12)
  })

  it('gives undefined rates as null: no positives for TPR, no negatives for FPR', () => {
    const classes = ['0', '1']
    const m = classificationMetrics(tally(classes, ['1', '1'], ['1', '0']), { classes, positive: 1, scored: false, perClass: false })
    expect(m.true_positive_rate).toBe(0.5)
    expect(m.false_positive_rate).toBeNull()
    const n = classificationMetrics(tally(classes, ['0'], ['0']), { classes, positive: 1, scored: false, perClass: false })
    expect(n.true_positive_rate).toBeNull()
    expect(n.false_positive_rate).toBe(0)
  })

  it('keeps a certain wrong probability finite in the log loss', () => {
    const classes = ['0', '1']
    const m = classificationMetrics(tally(classes, ['1'], ['0'], [0]), { classes, positive: 1, scored: true, perClass: false })
    expect(m.log_loss).toBeCloseTo(-Math.log(1e-15), 6)
    expect(m.brier_score).toBe(1)
  })

  it('knows the favourable class of 0/1 and true/false labels only', () => {
    expect(defaultPositive(['0', '1'])).toBe('1')
    expect(defaultPositive(['1'])).toBe('1')
    expect(defaultPositive(['0'])).toBeUndefined()
    expect(defaultPositive(['False', 'True'])).toBe('True')
    expect(defaultPositive(['no', 'yes'])).toBeUndefined()
    expect(defaultPositive(['0', '1', '2'])).toBeUndefined()
  })
})
