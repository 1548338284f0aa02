import type { Spec } from '../spec/schema.js'
import { directionOf } from './direction.js'
import type { Metrics } from './result.js'

/**
 * Values mlops computed itself (the evaluation's overall metrics, the staging check's
 * latencies) as run metrics attributed to `file`; undefined (null) values are left out.
 */
export function computedMetrics(values: Record<string, number | null>, file: string, overrides: Spec['metrics'] = {}): Metrics {
  const metrics: Metrics = {}
  for (const [name, value] of Object.entries(values)) {
    if (value !== null) metrics[name] = { value, file, direction: directionOf(name, overrides) }
  }
  return metrics
}
