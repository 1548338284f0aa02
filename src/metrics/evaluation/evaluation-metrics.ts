import type { Spec } from '../../spec/schema.js'
import { directionOf } from '../direction.js'
import type { Metrics } from '../result.js'
import type { Evaluation } from './evaluation-result.js'

/** The evaluation's overall values as run metrics (undefined ones left out), read from the predictions file. */
export function evaluationMetrics(evaluation: Evaluation, overrides: Spec['metrics'] = {}): Metrics {
  const metrics: Metrics = {}
  for (const [name, value] of Object.entries(evaluation.overall)) {
    if (value !== null) metrics[name] = { value, file: evaluation.file, direction: directionOf(name, overrides) }
  }
  return metrics
}
