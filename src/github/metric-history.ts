import { z } from 'zod'
import { formatNumber } from '../metrics/compare.js'
import type { RunRecord } from '../pipeline/run-record.js'
import { renderSparkline } from '../report/chart.js'
import { escapeHtml, escapeMarkdown } from '../report/escape.js'
import { decodePayload, encodePayload } from '../report/hidden-payload.js'

// The sticky PR comment remembers earlier pushes: a compact record in a hidden HTML comment at
// the end of the body, read back on the next push. Anyone with write access can edit the
// comment, so the record is data to display and nothing more: it is validated entry by entry
// (bad entries are dropped, garbage yields an empty history), every string in it is escaped or
// reduced to a safe shape (hex SHAs, integer run ids, re-formatted timestamps) when rendered,
// and no decision (gates, promotion) ever reads it.

/** Pushes kept in the comment; the oldest are dropped. */
export const MAX_HISTORY_ENTRIES = 20
/** Metrics tracked per push: the gated ones first, then others by name. */
export const MAX_HISTORY_METRICS = 8
/** Metric columns in the rendered table (the payload may hold more). */
const MAX_TABLE_METRICS = 6
/** Sparklines in the folded summary line. */
const MAX_SUMMARY_SPARKLINES = 3
const MAX_NAME_LENGTH = 100
/** A payload longer than this is not ours (ours stays under ~12 KB); it is ignored unread. */
const MAX_PAYLOAD_CHARS = 64 * 1024

const PAYLOAD_TAG = 'mlops-history:v1'

export interface HistoryEntry {
  /** Head commit, 7 to 40 lowercase hex digits (12 are stored). */
  sha: string
  /** Workflow run id. */
  runId: number
  /** ISO 8601 time the run finished. */
  at: string
  /** Gates passed and the run succeeded. */
  passed: boolean
  /** Metric name → value; only finite numbers. Built with Object.fromEntries, read with Object.hasOwn. */
  metrics: Record<string, number>
}

export interface MetricHistory {
  /** Metric names in display order (gated first, as of the latest push). */
  metrics: string[]
  /** Oldest first. */
  entries: HistoryEntry[]
}

export const EMPTY_HISTORY: MetricHistory = { metrics: [], entries: [] }

// ----- the stored form: columnar, so metric names are written once ----------------------------

const Sha = z.string().regex(/^[0-9a-f]{7,40}$/)
const Timestamp = z
  .string()
  .max(40)
  .refine((s) => Number.isFinite(Date.parse(s)))
const StoredEntry = z.object({
  s: Sha,
  r: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  t: Timestamp,
  ok: z.boolean(),
  x: z.array(z.number().nullable()).max(64),
})
const StoredHistory = z.object({
  v: z.literal(1),
  m: z.array(z.string().min(1).max(MAX_NAME_LENGTH)).max(64),
  // Validated one by one below, so one bad entry does not cost the whole history.
  e: z.array(z.unknown()).max(200),
})
type StoredEntry = z.infer<typeof StoredEntry>

/** The hidden HTML comment carrying `history`; '' for an empty history. */
export function encodeHistory(history: MetricHistory): string {
  if (history.entries.length === 0) return ''
  const names = history.metrics
  const stored = {
    v: 1,
    m: names,
    e: history.entries.map(
      (e): StoredEntry => ({
        s: e.sha,
        r: e.runId,
        t: e.at,
        ok: e.passed,
        // Ten significant digits: more than any report shows, without float noise (0.95119999…).
        x: names.map((name) => (Object.hasOwn(e.metrics, name) ? Number(e.metrics[name]!.toPrecision(10)) : null)),
      }),
    ),
  }
  return encodePayload(PAYLOAD_TAG, stored)
}

export interface DecodedHistory {
  history: MetricHistory
  /** Why (part of) the stored history was ignored; undefined when it read cleanly or was absent. */
  problem?: string
}

/**
 * The history stored in a comment body (the last payload in it). Never throws: a missing,
 * garbled or tampered payload yields what could be salvaged, with `problem` saying why.
 */
export function decodeHistory(body: string | undefined): DecodedHistory {
  const decoded = decodePayload(PAYLOAD_TAG, body, MAX_PAYLOAD_CHARS)
  if (decoded === undefined) return { history: EMPTY_HISTORY }
  if ('problem' in decoded) return { history: EMPTY_HISTORY, problem: `the stored metric history is ${decoded.problem === 'too-large' ? 'too large' : 'not readable'}; starting a new one` }
  const parsed = StoredHistory.safeParse(decoded.value)
  if (!parsed.success) return { history: EMPTY_HISTORY, problem: 'the stored metric history is not valid; starting a new one' }
  const names = parsed.data.m
  if (new Set(names).size !== names.length) return { history: EMPTY_HISTORY, problem: 'the stored metric history names a metric twice; starting a new one' }
  const entries: HistoryEntry[] = []
  let dropped = 0
  for (const item of parsed.data.e) {
    const entry = StoredEntry.safeParse(item)
    if (!entry.success || entry.data.x.length > names.length) {
      dropped++
      continue
    }
    const pairs = entry.data.x.flatMap((value, i) => (value !== null && Number.isFinite(value) ? [[names[i]!, value] as const] : []))
    entries.push({ sha: entry.data.s, runId: entry.data.r, at: entry.data.t, passed: entry.data.ok, metrics: Object.fromEntries(pairs) })
  }
  const history = { metrics: [...names], entries: entries.slice(-MAX_HISTORY_ENTRIES) }
  return dropped > 0 ? { history, problem: `${dropped} entr${dropped === 1 ? 'y' : 'ies'} of the stored metric history ${dropped === 1 ? 'was' : 'were'} not valid and ${dropped === 1 ? 'was' : 'were'} dropped` } : { history }
}

/** The metrics of a run worth tracking across pushes: gated ones first, then the rest by name. */
export function keyMetricNames(run: RunRecord): string[] {
  const gated = [...new Set(run.gates.results.map((r) => r.metric))]
  const others = Object.keys(run.metrics)
    .filter((name) => !gated.includes(name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return [...gated, ...others].filter((name) => name.length <= MAX_NAME_LENGTH).slice(0, MAX_HISTORY_METRICS)
}

/** This push's entry: the run's key metrics and verdict. */
export function historyEntryFromRun(run: RunRecord, push: { sha: string; runId: number }): HistoryEntry {
  const pairs = keyMetricNames(run).flatMap((name) => {
    const value = Object.hasOwn(run.metrics, name) ? run.metrics[name]?.value : undefined
    return value !== undefined && Number.isFinite(value) ? [[name, value] as const] : []
  })
  const finished = Date.parse(run.finishedAt)
  return {
    sha: normalizeSha(push.sha),
    runId: push.runId,
    at: new Date(Number.isFinite(finished) ? finished : Date.now()).toISOString(),
    passed: run.status === 'succeeded' && run.gates.passed,
    metrics: Object.fromEntries(pairs),
  }
}

/**
 * `history` plus `entry`: an earlier entry for the same commit or the same workflow run (a
 * re-run) is replaced, the oldest entries beyond the cap are dropped, and the metric list
 * becomes this push's key metrics followed by older ones still present, capped.
 */
export function appendHistory(history: MetricHistory, entry: HistoryEntry, currentMetrics: string[] = Object.keys(entry.metrics)): MetricHistory {
  const kept = history.entries.filter((e) => e.runId !== entry.runId && !sameCommit(e.sha, entry.sha))
  const entries = [...kept, entry].slice(-MAX_HISTORY_ENTRIES)
  const used = new Set(entries.flatMap((e) => Object.keys(e.metrics)))
  const order = [...new Set([...currentMetrics, ...history.metrics])].filter((name) => used.has(name))
  const metrics = order.slice(0, MAX_HISTORY_METRICS)
  const keep = new Set(metrics)
  return {
    metrics,
    entries: entries.map((e) => ({ ...e, metrics: Object.fromEntries(Object.entries(e.metrics).filter(([name]) => keep.has(name))) })),
  }
}

/** The last `count` entries, for when the comment must shrink. */
export function lastEntries(history: MetricHistory, count: number): MetricHistory {
  return { metrics: history.metrics, entries: count <= 0 ? [] : history.entries.slice(-count) }
}

export interface HistoryRenderOptions {
  /** `${serverUrl}/${owner}/${repo}`, for commit and run links; built from trusted values only. */
  repoUrl: string
  /** Table rows to show, newest last (default all). 0 keeps only the summary line's sparklines. */
  maxRows?: number
}

/**
 * A folded "Metric history (N pushes)" section: the summary shows a sparkline per tracked metric,
 * the table one row per push (newest last) and a trend row. '' until there are two pushes to
 * compare (the report above already shows the only one).
 */
export function renderHistory(history: MetricHistory, options: HistoryRenderOptions): string {
  const { entries } = history
  if (entries.length < 2) return ''
  const names = history.metrics.slice(0, MAX_TABLE_METRICS)
  const series = names.map((name) => entries.flatMap((e) => (Object.hasOwn(e.metrics, name) ? [e.metrics[name]!] : [])))
  const sparks = names
    .slice(0, MAX_SUMMARY_SPARKLINES)
    .map((name, i) => `${escapeHtml(name, { maxLength: 40 })} ${renderSparkline(series[i]!)}`.trimEnd())
  const label = `Metric history (${entries.length} push${entries.length === 1 ? '' : 'es'})`
  const summary = [label, ...sparks].join(' · ')
  const rows = Math.min(entries.length, options.maxRows ?? entries.length)
  if (rows <= 0) return `<details><summary>${summary}</summary>\n\n_Table omitted to fit GitHub's comment limit._\n\n</details>`
  const shown = entries.slice(-rows)
  const firstNumber = entries.length - rows + 1
  const header = ['Push', 'Commit', 'Run', 'Finished (UTC)', 'Gates', ...names.map((n) => escapeMarkdown(n, { maxLength: 40 }))]
  const rule = ['---:', '---', '---', '---', ':---:', ...names.map(() => '---:')]
  const body = shown.map((e, i) => {
    const latest = i === shown.length - 1
    const cells = [
      `${firstNumber + i}${latest ? ' (this)' : ''}`,
      `[\`${e.sha.slice(0, 7)}\`](${options.repoUrl}/commit/${e.sha})`,
      `[${e.runId}](${options.repoUrl}/actions/runs/${e.runId})`,
      formatTimestamp(e.at),
      e.passed ? '✅' : '❌',
      ...names.map((name) => (Object.hasOwn(e.metrics, name) ? formatNumber(e.metrics[name]!) : '—')),
    ]
    return latest ? cells.map((c, k) => (k === 0 || k >= 5 ? `**${c}**` : c)) : cells
  })
  const trend = ['Trend', '', '', '', '', ...series.map((values) => renderSparkline(values) || '—')]
  const table = [header, rule, ...body, trend].map((cells) => `| ${cells.join(' | ')} |`).join('\n')
  const omitted = rows < entries.length ? `\n\n_${entries.length - rows} older push${entries.length - rows === 1 ? '' : 'es'} not shown; the trend row covers all of them._` : ''
  const hidden = history.metrics.length > names.length ? `\n\n_${history.metrics.length - names.length} more tracked metric${history.metrics.length - names.length === 1 ? '' : 's'} not shown._` : ''
  return `<details><summary>${summary}</summary>\n\n${table}${omitted}${hidden}\n\n</details>`
}

/** "2025-06-01 12:01" from a validated timestamp; the stored text itself is never shown. */
function formatTimestamp(at: string): string {
  const ms = Date.parse(at)
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '—'
}

function normalizeSha(sha: string): string {
  const hex = sha.toLowerCase()
  if (!/^[0-9a-f]{7,40}$/.test(hex)) throw new Error(`not a commit SHA: "${sha.slice(0, 50)}"`)
  return hex.slice(0, 12)
}

function sameCommit(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length)
  return a.slice(0, n) === b.slice(0, n)
}
