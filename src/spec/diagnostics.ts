// A located problem in a file, printed as `file:line:col: message` so editors and GitHub
// annotations can jump to it.

export type Severity = 'error' | 'warning'

export interface Diagnostic {
  file: string
  /** 1-based; 0 when the problem has no position (e.g. the file is missing). */
  line: number
  col: number
  severity: Severity
  message: string
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file
  return d.severity === 'warning' ? `${where}: warning: ${d.message}` : `${where}: ${d.message}`
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => a.line - b.line || a.col - b.col || a.message.localeCompare(b.message))
}
