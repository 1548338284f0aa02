import type { MetricDirection, Spec } from '../spec/schema.js'

// Which way is "better" for a metric, guessed from its name so most projects need no
// `metrics:` section in mlops.yml. The guess only colours the report (better/worse);
// gates apply their rules literally and never depend on it.

const LOWER_IS_BETTER = new Set([
  'loss', 'losses', 'logloss', 'nll', 'entropy', 'crossentropy',
  'error', 'errors', 'err', 'eer', 'ece', 'mce',
  'rmse', 'mse', 'mae', 'mape', 'smape', 'rmsle', 'msle', 'medae', 'mad',
  'wer', 'cer', 'ter', 'fpr', 'fnr', 'far', 'frr', 'fdr', 'miss',
  'brier', 'hamming', 'perplexity', 'ppl', 'kl', 'kld', 'divergence', 'fid', 'distance',
  'latency', 'time', 'duration', 'runtime', 'elapsed', 'seconds', 'secs', 'sec', 'ms',
  'size', 'bytes', 'kb', 'mb', 'gb', 'memory', 'mem', 'cost', 'regret', 'drift',
])

const HIGHER_IS_BETTER = new Set([
  'accuracy', 'acc', 'f1', 'f2', 'fbeta', 'fscore', 'auc', 'auroc', 'auprc', 'roc', 'ap',
  'precision', 'recall', 'r2', 'rsquared', 'map', 'mrr', 'ndcg', 'hits', 'hit',
  'iou', 'miou', 'dice', 'bleu', 'rouge', 'meteor', 'chrf', 'bertscore',
  'throughput', 'qps', 'fps', 'tpr', 'tnr', 'specificity', 'sensitivity',
  'kappa', 'mcc', 'coverage', 'success',
])

// Phrases whose words would mislead one by one ("samples_per_second" is a rate, not a time).
const PHRASES: [RegExp, MetricDirection][] = [
  [/(?:^|_)per_(?:s|sec|second|seconds|min|minute|hour)$/, 'higher'],
  [/(?:^|_)false_(?:positive|negative|alarm|acceptance|rejection)s?(?:_|$)/, 'lower'],
  [/(?:^|_)true_(?:positive|negative)s?(?:_|$)/, 'higher'],
  [/(?:^|_)log_loss(?:_|$)/, 'lower'],
  [/(?:^|_)cross_entropy(?:_|$)/, 'lower'],
]

/** Splits one dotted segment into lowercase words: "valLoss@5" → ["val", "loss", "5"]. */
function splitWords(segment: string): string[] {
  return segment
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '')
}

function lookUpWord(word: string): MetricDirection | undefined {
  for (const candidate of [word, word.replace(/\d+$/, '')]) {
    if (LOWER_IS_BETTER.has(candidate)) return 'lower'
    if (HIGHER_IS_BETTER.has(candidate)) return 'higher'
  }
  return undefined
}

/**
 * Guesses whether higher or lower values of a metric are better. The last dotted segment
 * decides first (`per_class.Adelie.f1` is an F1), and within a segment the last known word
 * (`val_loss`, `f1_macro`); unknown names count as higher-is-better.
 */
export function inferDirection(name: string): MetricDirection {
  const segments = name.split('.').reverse()
  for (const segment of segments) {
    const words = splitWords(segment)
    const joined = words.join('_')
    for (const [pattern, direction] of PHRASES) {
      if (pattern.test(joined)) return direction
    }
    for (const word of words.reverse()) {
      const direction = lookUpWord(word)
      if (direction !== undefined) return direction
    }
  }
  return 'higher'
}

/** The direction of a metric: the spec's `metrics.<name>.direction` if set, else the guess. */
export function directionOf(name: string, overrides: Spec['metrics'] = {}): MetricDirection {
  const override = Object.hasOwn(overrides, name) ? overrides[name] : undefined
  return override?.direction ?? inferDirection(name)
}
