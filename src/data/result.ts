import { z } from 'zod'
import { DriftReport } from './drift/compare-profiles.js'

// What a data validation produces; stored in the run record and rendered by the report.

export const CheckName = z.enum([
  'read', 'rows', 'presence', 'strict', 'duplicates',
  'type', 'nullable', 'values', 'min', 'max', 'length', 'pattern', 'unique',
  'mean', 'stddev', 'quantile', 'null_fraction',
])
export type CheckName = z.infer<typeof CheckName>

export const ExampleRow = z.object({
  /** The part file the row is in, when the dataset's path is a glob of part files. */
  file: z.string().optional(),
  /** 1-based line in the file (header is line 1 for CSV); the row number for Parquet. */
  line: z.number().int(),
  /** The offending cell (or record) as text; '' for an empty cell. */
  value: z.string(),
  /** Set when the check spans columns (read defects, duplicate rows). */
  column: z.string().optional(),
  /** 1-based character position in the line, for read defects. */
  position: z.number().int().optional(),
  /** What is wrong with this example, when the check's message does not say (read defects). */
  detail: z.string().optional(),
})
export type ExampleRow = z.infer<typeof ExampleRow>

export const CheckResult = z.object({
  check: CheckName,
  /** Column the check is about; absent for table-level checks (rows, read, strict, duplicates). */
  column: z.string().optional(),
  passed: z.boolean(),
  /** Rows (or columns, for strict) that failed; `total` is how many the check was applied to. */
  failed: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** failed / total, 0 when total is 0. */
  fraction: z.number().min(0).max(1).default(0),
  /** The measured value of an aggregate check (mean, stddev, quantile, null_fraction, rows). */
  observed: z.number().optional(),
  /** The bounds an aggregate check compared with. */
  expected: z.object({ min: z.number().optional(), max: z.number().optional() }).optional(),
  message: z.string(),
  /** Up to five failing rows, in file order. */
  examples: z.array(ExampleRow).default([]),
})
export type CheckResult = z.infer<typeof CheckResult>

/** A per-column summary for reports; the full, mergeable profile is stored beside the run record. */
export const ColumnSummary = z.object({
  /** Non-null values. */
  count: z.number().int(),
  nulls: z.number().int(),
  /** The most common type among non-null values. */
  type: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  mean: z.number().optional(),
  std: z.number().optional(),
  /** Distinct non-null values (HyperLogLog estimate, ≈0.8% error). */
  distinct: z.number().int().optional(),
})
export type ColumnSummary = z.infer<typeof ColumnSummary>

export const DataResult = z.object({
  name: z.string(),
  path: z.string(),
  format: z.string(),
  /** Of the file, or, when `path` is a glob of part files, of their hashes and paths. */
  sha256: z.string().optional(),
  /** How many part files `path` matched, when it is a glob. */
  parts: z.number().int().positive().optional(),
  rows: z.number().int().nonnegative(),
  passed: z.boolean(),
  checks: z.array(CheckResult),
  profile: z.record(z.string(), ColumnSummary).default({}),
  /** The full, mergeable profile in the run's folder (profiles/<name>.json), and its hash. */
  profileFile: z.object({ path: z.string(), sha256: z.string() }).optional(),
  /** Drift against the profile stored with the baseline version, when it has one. */
  drift: z.object({ version: z.string(), report: DriftReport }).optional(),
})
export type DataResult = z.infer<typeof DataResult>
