import { z } from 'zod'

// What the engine's own evaluation of a predictions file records: in the run record for the
// report and the gates, and in the manifest so the next pull request compares per group.

/** Metric name → value; null where the metric is undefined for the rows (recall of a class no row has). */
export const GroupMetrics = z.record(z.string(), z.number().nullable())

export const EvaluationGroup = z.object({
  /** One value per slice column; null for an empty cell. */
  values: z.array(z.string().nullable()),
  rows: z.number().int().nonnegative(),
  metrics: GroupMetrics,
})

export const EvaluationSlice = z.object({
  /** The slice's columns joined with " × ", e.g. "island × sex". */
  name: z.string(),
  columns: z.array(z.string()),
  /** Every group met, largest first. */
  groups: z.array(EvaluationGroup),
  /** Fairness metrics over the groups with at least min_group rows; null where undefined. */
  fairness: GroupMetrics,
})

export const Evaluation = z.object({
  file: z.string(),
  task: z.enum(['classification', 'regression']),
  rows: z.number().int().nonnegative(),
  minGroup: z.number().int().positive(),
  /** Classification: every class met in labels or predictions, sorted, and the favourable one if known. */
  classes: z.array(z.string()).optional(),
  positive: z.string().optional(),
  /** confusion[t][p]: rows of true class t predicted as class p, in `classes` order. */
  confusion: z.array(z.array(z.number().int().nonnegative())).optional(),
  overall: GroupMetrics,
  slices: z.array(EvaluationSlice),
})

export type Evaluation = z.infer<typeof Evaluation>
export type EvaluationSlice = z.infer<typeof EvaluationSlice>
export type EvaluationGroup = z.infer<typeof EvaluationGroup>
export type GroupMetrics = z.infer<typeof GroupMetrics>

/** Stable identity of a group across runs (its values), for comparing with the baseline. */
export const groupKey = (values: ReadonlyArray<string | null>): string => JSON.stringify(values)

/** The group's values for display: "Biscoe × FEMALE"; an empty cell is "(empty)". */
export const groupLabel = (values: ReadonlyArray<string | null>): string => values.map((v) => v ?? '(empty)').join(' × ')
