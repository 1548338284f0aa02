import * as core from '@actions/core'
import type { DataResult } from '../data/result.js'
import type { Diagnostic } from '../spec/diagnostics.js'

// Spec and data errors as annotations at their file and line. GitHub keeps at most 10 of a
// kind per step, so the tenth summarises the rest.

const MAX_ANNOTATIONS = 10

export function annotateDiagnostics(diagnostics: Diagnostic[]): void {
  for (const severity of ['error', 'warning'] as const) {
    const list = diagnostics.filter((d) => d.severity === severity)
    const emit = severity === 'error' ? core.error : core.warning
    const shown = list.length > MAX_ANNOTATIONS ? list.slice(0, MAX_ANNOTATIONS - 1) : list
    for (const d of shown) emit(d.message, { file: d.file, startLine: d.line || undefined, startColumn: d.col || undefined, title: 'mlops.yml' })
    if (shown.length < list.length) emit(`${list.length - shown.length} more ${severity}s in ${list[0]!.file}; run "mlops validate" to see them all`)
  }
}

/** One annotation per failed data file, on the file itself, listing its failing checks. */
export function annotateData(results: DataResult[], fileFor: (path: string) => string): void {
  const failed = results.filter((r) => !r.passed)
  for (const result of failed.slice(0, MAX_ANNOTATIONS)) {
    const checks = result.checks.filter((c) => !c.passed)
    // On the first example's file (a part file when the path is a glob), at its line.
    const first = checks.flatMap((c) => c.examples)[0]
    core.error(checks.map((c) => c.message).join('\n'), { file: fileFor(first?.file ?? result.path), startLine: first?.line, title: `data check "${result.name}" failed` })
  }
}
