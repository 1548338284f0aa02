import type { ColumnSpec } from '../../spec/schema.js'
import type { ColumnProfile } from '../profile/column-profile.js'
import type { CheckName, CheckResult } from '../result.js'
import { formatNumber, formatShare } from './check-text.js'

// Expectations on a whole column (Great Expectations' expect_column_mean_to_be_between
// and kin), judged from the column's profile once every row is in. Quantiles come
// from the KLL sketch, so a bound within ~1% in rank of the true quantile may be
// judged either way.

interface Bounds {
  min?: number | undefined
  max?: number | undefined
}

export function aggregateChecks(column: string, spec: ColumnSpec, profile: ColumnProfile): CheckResult[] {
  const results: CheckResult[] = []
  const numbers = profile.numeric.count
  if (spec.null_fraction) {
    const share = profile.count === 0 ? 0 : profile.nulls / profile.count
    const description = `${formatShare(profile.nulls, profile.count)} of rows are empty`
    results.push(judge('null_fraction', column, share, { max: spec.null_fraction.max }, description, 'null fraction'))
  }
  if (spec.mean) results.push(numeric('mean', column, numbers > 0 ? profile.numeric.mean : undefined, spec.mean, 'mean'))
  if (spec.stddev) results.push(numeric('stddev', column, profile.numeric.stddev(), spec.stddev, 'standard deviation'))
  for (const [key, bounds] of Object.entries(spec.quantiles ?? {})) {
    const q = Number(key)
    const value = numbers > 0 ? profile.quantiles.quantile(q) : undefined
    results.push(numeric('quantile', column, value, bounds, `quantile ${key}`))
  }
  return results
}

function numeric(check: CheckName, column: string, value: number | undefined, bounds: Bounds, what: string): CheckResult {
  if (value === undefined) {
    const expected = compact(bounds)
    return { check, column, passed: false, failed: 1, total: 1, fraction: 1, expected, message: `${column}: no numbers to compute the ${what} of`, examples: [] }
  }
  return judge(check, column, value, bounds, `${what} is ${formatNumber(value)}`, what)
}

function judge(check: CheckName, column: string, value: number, bounds: Bounds, description: string, what: string): CheckResult {
  const passed = value >= (bounds.min ?? -Infinity) && value <= (bounds.max ?? Infinity)
  const expected = compact(bounds)
  const message = `${column}: ${description}${passed ? ', ' : '; '}expected ${describeBounds(bounds, what === 'null fraction')}`
  return { check, column, passed, failed: passed ? 0 : 1, total: 1, fraction: passed ? 0 : 1, observed: value, expected, message, examples: [] }
}

function compact({ min, max }: Bounds): { min?: number; max?: number } {
  return { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) }
}

function describeBounds({ min, max }: Bounds, percent: boolean): string {
  const show = (x: number) => (percent ? `${Number((x * 100).toPrecision(6))}%` : formatNumber(x))
  if (min !== undefined && max !== undefined) return `between ${show(min)} and ${show(max)}`
  return min !== undefined ? `at least ${show(min)}` : `at most ${show(max!)}`
}
