import { z } from 'zod'
import { Direction } from '../spec/schema.js'

// Metric values and gate verdicts as stored in the run record and the registry manifest.

export const MetricValue = z.object({
  value: z.number(),
  /** File the value was read from, relative to the spec directory. */
  file: z.string(),
  direction: Direction,
})

export const Metrics = z.record(z.string(), MetricValue)

/**
 * drift_share: a data entry's drift gate, its threshold the share of drifted columns at which the dataset drifts.
 * per_slice_min/max, max_gap, group_present: gates on the groups of an evaluation slice (slice-gates.ts).
 */
export const GateRule = z.enum(['min', 'max', 'max_drop', 'max_rise', 'drift_share', 'per_slice_min', 'per_slice_max', 'max_gap', 'group_present'])

export const GateResult = z.object({
  metric: z.string(),
  rule: GateRule,
  threshold: z.number(),
  /** The run's value; absent when the metric was not produced. */
  value: z.number().optional(),
  baseline: z.number().optional(),
  status: z.enum(['pass', 'fail', 'skipped']),
  message: z.string(),
  /** The evaluation slice a slice gate or fairness gate is about, e.g. "island × sex". */
  slice: z.string().optional(),
})

export const GateVerdict = z.object({
  passed: z.boolean(),
  results: z.array(GateResult),
  /** Version the relative gates compared against, if any. */
  baseline: z.object({ version: z.string(), stage: z.string() }).optional(),
})

export type MetricValue = z.infer<typeof MetricValue>
export type Metrics = z.infer<typeof Metrics>
export type GateResult = z.infer<typeof GateResult>
export type GateVerdict = z.infer<typeof GateVerdict>
