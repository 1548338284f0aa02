import type { CheckResult, DataResult } from './result.js'

const SHOWN_EXAMPLES = 3
const EXAMPLE_CHARS = 40

/**
 * Plain-text summary for the terminal: one line for the entry, then one
 * indented line per failing check with up to three example cells.
 */
export function formatDataResult(result: DataResult): string {
  const failing = result.checks.filter((check) => !check.passed)
  const mark = result.passed ? '✓' : '✗'
  const title = `${mark} ${result.name} ${result.path}`
  const lines = [`${title}: ${summarize(result, failing.length)}`]
  for (const check of failing) lines.push(`    ${describeFailure(check)}`)
  return lines.join('\n')
}

function summarize(result: DataResult, failed: number): string {
  if (result.checks.some((check) => check.check === 'read' && !check.passed)) return 'could not be read'
  const rows = `${result.rows.toLocaleString('en-US')} ${result.rows === 1 ? 'row' : 'rows'}`
  const total = result.checks.length
  if (failed === 0) return `${rows}, ${total} ${total === 1 ? 'check' : 'checks'} passed`
  return `${rows}, ${failed} of ${total} ${total === 1 ? 'check' : 'checks'} failed`
}

function describeFailure(check: CheckResult): string {
  const examples = check.examples.slice(0, SHOWN_EXAMPLES).map((e) => `line ${e.line}: ${quote(e.value)}`)
  const more = check.failed > SHOWN_EXAMPLES && examples.length === SHOWN_EXAMPLES ? ', …' : ''
  return examples.length === 0 ? `[${check.check}] ${check.message}` : `[${check.check}] ${check.message} (${examples.join(', ')}${more})`
}

/** JSON quoting makes empty cells, spaces and control characters visible. */
function quote(value: string): string {
  const shown = value.length > EXAMPLE_CHARS ? `${value.slice(0, EXAMPLE_CHARS)}…` : value
  return JSON.stringify(shown)
}
