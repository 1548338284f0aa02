import type { HistoryEvent, VersionInfo } from './registry.js'

// Plain-text output of `mlops versions`: a table of the registered versions, then the history.

export interface FormatVersionsOptions {
  /** Metrics to show; default: the gated ones, else the first few by name. */
  metrics?: readonly string[]
}

const MAX_DEFAULT_METRICS = 4

export function formatVersions(
  model: string,
  versions: readonly VersionInfo[],
  history: readonly HistoryEvent[],
  options: FormatVersionsOptions = {},
): string {
  if (versions.length === 0 && history.length === 0) return `No versions of ${model} are registered yet.\n`
  const metrics = options.metrics ?? pickKeyMetrics(versions)
  const rows = versions.map((v) => [
    v.version,
    formatDate(v.createdAt),
    v.commit.slice(0, 7),
    v.stages.length ? v.stages.join(', ') : '-',
    formatMetrics(v, metrics),
  ])
  const count = `${versions.length} version${versions.length === 1 ? '' : 's'}`
  const lines = [`${model}: ${count}`, '']
  if (rows.length) lines.push(...renderTable(['VERSION', 'CREATED (UTC)', 'COMMIT', 'STAGES', 'METRICS'], rows), '')
  if (history.length) lines.push('History:', ...history.map(formatEvent))
  return `${lines.join('\n').trimEnd()}\n`
}

export function formatEvent(event: HistoryEvent): string {
  const version = event.version ?? `commit ${event.commit.slice(0, 7)}`
  const what = {
    registration: `registered ${version}`,
    deregistration: `deregistered ${version}`,
    assignment: `assigned ${version} to ${event.stage ?? '?'}`,
    unassignment: `unassigned ${version} from ${event.stage ?? '?'}`,
    deprecation: `deprecated ${event.model}`,
  }[event.kind]
  return `${formatDate(event.at)}  ${what} (${event.tag})${event.actor ? ` by ${event.actor}` : ''}`
}

function pickKeyMetrics(versions: readonly VersionInfo[]): string[] {
  const gated = new Set<string>()
  const all = new Set<string>()
  for (const v of versions) {
    for (const result of v.manifest?.gates.results ?? []) gated.add(result.metric)
    for (const name of Object.keys(v.manifest?.metrics ?? {})) all.add(name)
  }
  const chosen = gated.size ? [...gated] : [...all].sort()
  return chosen.slice(0, MAX_DEFAULT_METRICS)
}

function formatMetrics(version: VersionInfo, names: readonly string[]): string {
  const metrics = version.manifest?.metrics
  if (!metrics) return '(no manifest)'
  const parts = names.flatMap((name) => (metrics[name] ? [`${name}=${formatNumber(metrics[name].value)}`] : []))
  return parts.join(' ') || '-'
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value)
  if (Math.abs(value) >= 1000) return value.toFixed(0)
  return String(Number(value.toPrecision(4)))
}

function formatDate(iso: string): string {
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? '????-??-?? ??:??' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
}

function renderTable(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const render = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  return [render(header), ...rows.map(render)]
}
