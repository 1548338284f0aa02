// Strings from a run (metric and column names, data values, params, paths, stage output) go into
// a PR comment; they must not break a table, inject HTML, link somewhere, or ping anyone.

const ZWJ = '\u200D'
// Bidi overrides can make a cell read differently from what it contains ("Trojan Source").
const INVISIBLE_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g
const LINE_BREAKS = /\r\n?|[\n\u2028\u2029]/g
const CONTROLS = /[\u0000-\u001F\u007F]/g

export interface EscapeOptions {
  maxLength?: number
}

export function toOneLine(text: string, maxLength?: number): string {
  const line = String(text).replace(LINE_BREAKS, ' ').replace(CONTROLS, ' ').replace(INVISIBLE_CONTROLS, '')
  return maxLength !== undefined ? shorten(line, maxLength) : line
}

/** Text for Markdown prose and table cells: renders as the literal characters it contains. */
export function escapeMarkdown(text: string, options: EscapeOptions = {}): string {
  const escaped = toOneLine(text, options.maxLength)
    .trim()
    .replace(/[\\`*_~[\]|$#]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
  return defuseReferences(escapeBlockStart(escaped))
}

/** A whole code span. In a table `|` splits cells even inside code, hence `\|`; pass `table: false` in prose. */
export function escapeCode(text: string, options: EscapeOptions & { table?: boolean } = {}): string {
  let body = toOneLine(text, options.maxLength)
  if (options.table ?? true) body = body.replace(/\|/g, '\\|')
  if (body === '') return '` `'
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longestRun + 1)
  // A space on both sides is stripped by the renderer; it keeps edge backticks off the fence.
  const pad = body.startsWith('`') || body.endsWith('`') || /^ .* $/.test(body) ? ' ' : ''
  return `${fence}${pad}${body}${pad}${fence}`
}

/** Text inside raw HTML (`<summary>`, attributes), where Markdown escapes would show literally. */
export function escapeHtml(text: string, options: EscapeOptions = {}): string {
  const escaped = toOneLine(text, options.maxLength)
    .trim()
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
  return defuseReferences(escaped)
}

/** Cuts to `maxLength` characters including the "…", never splitting a surrogate pair. */
export function shorten(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text
  if (maxLength <= 1) return '…'.slice(0, Math.max(0, maxLength))
  let end = maxLength - 1
  const code = text.charCodeAt(end - 1)
  if (code >= 0xd800 && code <= 0xdbff) end -= 1
  return `${text.slice(0, end)}…`
}

/** Line-start markers that would turn the text into a list, rule or heading in prose ("-0.5" is fine). */
function escapeBlockStart(text: string): string {
  return text.replace(/^([-+])(?=\s|$|-)/, '\\$1').replace(/^=/, '\\=').replace(/^(\d+)([.)])(?=\s|$)/, '$1\\$2')
}

/** GitHub links @user and #123 in the rendered text, past any escaping; a zero-width joiner stops it. */
function defuseReferences(text: string): string {
  return text.replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWJ}`).replace(/(?<!&)#(?=\d)/g, `#${ZWJ}`)
}
