import type { CheckResult, DataResult } from './result.js'

const SHOWN_EXAMPLES = 5
const EXAMPLE_CHARS = 60

/**
 * Plain-text summary for the terminal: one line for the entry, then one
 * indented line per failing check and one per example, as file:line[:position]
 * with the column, so an editor can jump to each defect.
 */
export function formatDataResult(result: DataResult): string {
  const failing = result.checks.filter((check) => !check.passed)
  const mark = result.passed ? '✓' : '✗'
  const lines = [`${mark} ${result.name} ${result.path}: ${summarize(result, failing.length)}`]
  for (const check of failing) {
    lines.push(`    [${check.check}] ${check.message}`)
    for (const example of check.examples.slice(0, SHOWN_EXAMPLES)) lines.push(`      ${describeExample(result.path, check, example)}`)
    const more = check.failed - Math.min(check.examples.length, SHOWN_EXAMPLES)
    if (check.examples.length > 0 && more > 0) lines.push(`      … ${more.toLocaleString('en-US')} more`)
  }
  return lines.join('\n')
}

function summarize(result: DataResult, failed: number): string {
  const readable = !result.checks.some((check) => check.check === 'read' && !check.passed && check.total <= 1)
  if (!readable && result.rows === 0) return 'could not be read'
  const rows = `${result.rows.toLocaleString('en-US')} ${result.rows === 1 ? 'row' : 'rows'}${result.parts ? ` in ${result.parts} ${result.parts === 1 ? 'part' : 'parts'}` : ''}`
  const total = result.checks.length
  if (failed === 0) return `${rows}, ${total} ${total === 1 ? 'check' : 'checks'} passed`
  return `${rows}, ${failed} of ${total} ${total === 1 ? 'check' : 'checks'} failed`
}

function describeExample(path: string, check: CheckResult, example: CheckResult['examples'][number]): string {
  const where = `${example.file ?? path}:${example.line}${example.position === undefined ? '' : `:${example.position}`}`
  const column = example.column ?? check.column
  const parts = [where, ...(column === undefined ? [] : [`column ${JSON.stringify(column)}`]), quote(example.value)]
  if (example.detail) parts.push(`(${example.detail})`)
  return parts.join('  ')
}

/** JSON quoting makes empty cells, spaces and control characters visible. */
function quote(value: string): string {
  return JSON.stringify(value.length > EXAMPLE_CHARS ? `${value.slice(0, EXAMPLE_CHARS)}…` : value)
}
