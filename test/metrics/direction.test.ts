import { describe, expect, it } from 'vitest'
import { directionOf, inferDirection } from '../../src/metrics/direction.js'

describe('inferDirection', () => {
  it.each([
    'loss', 'val_loss', 'valLoss', 'log_loss', 'logloss', 'train-loss', 'mean_absolute_error', 'error_rate',
    'rmse', 'mse', 'mae', 'mape', 'latency_ms', 'p95_latency', 'train_time', 'duration', 'perplexity',
    'wer', 'cer', 'fpr', 'fnr', 'false_positive_rate', 'brier', 'brier_score', 'model_size_mb', 'top5_error',
    'eval.loss', 'loss.eval',
  ])('%s is lower-is-better', (name) => {
    expect(inferDirection(name)).toBe('lower')
  })

  it.each([
    'accuracy', 'acc', 'val_accuracy', 'f1', 'f1_macro', 'f1_score', 'auc', 'roc_auc', 'pr_auc', 'precision',
    'recall', 'r2', 'r2_score', 'map', 'map@10', 'ndcg@5', 'iou', 'mIoU', 'dice', 'bleu', 'bleu4', 'rouge1',
    'rougeL', 'throughput', 'samples_per_second', 'tpr', 'true_positive_rate', 'specificity', 'sensitivity',
    'per_class.Adelie.f1', 'per_class.Adelie.precision',
  ])('%s is higher-is-better', (name) => {
    expect(inferDirection(name)).toBe('higher')
  })

  it('defaults to higher for unknown names', () => {
    expect(inferDirection('widgets')).toBe('higher')
    expect(inferDirection('')).toBe('higher')
  })

  it('lets the last dotted segment decide before earlier ones', () => {
    expect(inferDirection('loss_curve.accuracy')).toBe('higher')
    expect(inferDirection('accuracy_run.time')).toBe('lower')
  })

  it('falls back to earlier segments when the last one is unknown', () => {
    expect(inferDirection('loss.train')).toBe('lower')
    expect(inferDirection('per_class.recall.Adelie')).toBe('higher')
  })
})

describe('directionOf', () => {
  it('uses the spec override over the guess', () => {
    expect(directionOf('loss', { loss: { direction: 'higher' } })).toBe('higher')
    expect(directionOf('widgets', { widgets: { direction: 'lower' } })).toBe('lower')
  })

  it('guesses when there is no override for the metric', () => {
    expect(directionOf('val_loss', { accuracy: { direction: 'lower' } })).toBe('lower')
    expect(directionOf('val_loss')).toBe('lower')
  })

  it('does not mistake Object.prototype members for overrides', () => {
    expect(directionOf('constructor', {})).toBe('higher')
    expect(directionOf('toString_loss', {})).toBe('lower')
  })
})
