// Wording shared by every check message, so counts and shares read the same everywhere.

export function formatCount(count: number): string {
  return count.toLocaleString('en-US')
}

export function formatShare(part: number, total: number): string {
  const percent = total === 0 ? 0 : (100 * part) / total
  if (percent > 0 && percent < 0.1) return '<0.1%'
  if (percent < 100 && percent > 99.9) return '>99.9%'
  return `${percent.toFixed(1)}%`
}

/** Failures `mostly` tolerates; toPrecision absorbs float noise such as 10 * (1 - 0.9) = 0.9999999999999998. */
export function allowedFailures(total: number, mostly: number): number {
  return Math.floor(Number((total * (1 - mostly)).toPrecision(12)))
}

const LISTED = 10

/** "[a, b, … 3 more]" */
export function listValues(values: ReadonlyArray<string | number | boolean>, listed = LISTED): string {
  const shown = values.slice(0, listed).map(String).join(', ')
  return values.length > listed ? `[${shown}, … ${values.length - listed} more]` : `[${shown}]`
}

/** Significant digits without float noise: 0.30000000000000004 → 0.3, 1234567.891 → 1234567.89. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x)
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return formatCount(x)
  return Number(x.toPrecision(6)).toLocaleString('en-US', { maximumFractionDigits: 6 })
}
