import { z } from 'zod'

// What a data validation produces; stored in the run record and rendered by the report.

export const CheckName = z.enum(['rows', 'presence', 'type', 'nullable', 'values', 'min', 'max', 'unique', 'pattern', 'strict_columns', 'read'])

export const ExampleRow = z.object({
  /** 1-based line in the file (header is line 1 for CSV). */
  line: z.number().int(),
  value: z.string(),
})

export const CheckResult = z.object({
  check: CheckName,
  /** Column the check is about; absent for file-level checks (rows, read). */
  column: z.string().optional(),
  passed: z.boolean(),
  /** Rows that failed this check; `total` is the number of rows it was applied to. */
  failed: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  message: z.string(),
  examples: z.array(ExampleRow).default([]),
})

export const ColumnProfile = z.object({
  count: z.number().int(),
  nulls: z.number().int(),
  min: z.number().optional(),
  max: z.number().optional(),
  mean: z.number().optional(),
  distinct: z.number().int().optional(),
})

export const DataResult = z.object({
  name: z.string(),
  path: z.string(),
  format: z.string(),
  sha256: z.string().optional(),
  rows: z.number().int().nonnegative(),
  passed: z.boolean(),
  checks: z.array(CheckResult),
  profile: z.record(z.string(), ColumnProfile).default({}),
})

export type CheckResult = z.infer<typeof CheckResult>
export type DataResult = z.infer<typeof DataResult>
export type ColumnProfile = z.infer<typeof ColumnProfile>
