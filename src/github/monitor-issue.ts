import { z } from 'zod'
import { monitorVerdict } from '../monitor/format-monitor.js'
import type { MonitorResult } from '../monitor/run-monitor.js'
import type { PlotSeries } from '../pipeline/run-record.js'
import { renderMermaidLineChart } from '../report/chart.js'
import { escapeMarkdown } from '../report/escape.js'
import { GITHUB_COMMENT_LIMIT } from '../report/render-report.js'
import { decodePayload, encodePayload } from '../report/hidden-payload.js'
import { renderDatasetDrift } from '../report/render-drift.js'
import { renderGateLine } from '../report/render-slices.js'
import type { GitHubClient } from './octokit.js'
import { sameLogin } from './token-identity.js'

// One issue per model for what the scheduled monitoring finds. Drift or degraded metrics open
// the issue, or update it in place (found again by its hidden marker, and only if the token's
// own identity wrote it); a clean run comments on an open issue and closes it. The trend over
// the runs lives in a hidden block of the body itself, so no database is needed.

export const MONITOR_LABEL = 'mlops-monitor'
const HISTORY_RUNS = 30

export interface MonitorIssueTarget {
  owner: string
  repo: string
  model: string
  /** Login the token writes as (resolveTokenIdentity). */
  author: string
}

/** One monitoring run as the trend remembers it. */
export const HistoryEntry = z.object({
  at: z.string(),
  version: z.string(),
  /** Largest share of drifted columns over the datasets; null when no drift was computed. */
  driftShare: z.number().nullable(),
  /** Values of the gated metrics this run computed. */
  metrics: z.record(z.string(), z.number()),
})
export type HistoryEntry = z.infer<typeof HistoryEntry>

export interface MonitorIssueResult {
  action: 'created' | 'updated' | 'closed' | 'none'
  number?: number
  url?: string
}

export const monitorMarker = (model: string) => `<!-- mlops-monitor model=${model.replace(/[^A-Za-z0-9._-]/g, '_')} -->`
const HISTORY_TAG = 'mlops-monitor-history:v1'
/** Thirty entries stay far under this; a longer payload is not ours. */
const MAX_HISTORY_CHARS = 64 * 1024

export async function reportMonitorIssue(github: GitHubClient, target: MonitorIssueTarget, result: MonitorResult, options: { runUrl?: string; now?: Date } = {}): Promise<MonitorIssueResult> {
  const marker = monitorMarker(target.model)
  const existing = await findMonitorIssue(github, target, marker)
  const history = [...(existing ? readHistory(existing.body) : []), historyEntry(result, options.now ?? new Date())].slice(-HISTORY_RUNS)
  const found = result.drifted || result.degraded || result.problems.length > 0
  const body = renderIssueBody(marker, result, history, options.runUrl)
  const { owner, repo } = target
  if (found) {
    if (existing) {
      const { data } = await github.rest.issues.update({ owner, repo, issue_number: existing.number, body })
      return { action: 'updated', number: data.number, url: data.html_url }
    }
    const { data } = await github.rest.issues.create({ owner, repo, title: issueTitle(result), body, labels: [MONITOR_LABEL] })
    return { action: 'created', number: data.number, url: data.html_url }
  }
  if (!existing) return { action: 'none' }
  const when = options.runUrl ? `[this run](${options.runUrl})` : 'this run'
  await github.rest.issues.createComment({ owner, repo, issue_number: existing.number, body: `✅ No drift and no degradation against v${escapeMarkdown(result.version, { maxLength: 40 })} in ${when}; closing.` })
  const { data } = await github.rest.issues.update({ owner, repo, issue_number: existing.number, body, state: 'closed', state_reason: 'completed' })
  return { action: 'closed', number: data.number, url: data.html_url }
}

async function findMonitorIssue(github: GitHubClient, target: MonitorIssueTarget, marker: string): Promise<{ number: number; body: string } | undefined> {
  const pages = github.paginate.iterator(github.rest.issues.listForRepo, { owner: target.owner, repo: target.repo, state: 'open', labels: MONITOR_LABEL, per_page: 100 })
  for await (const { data } of pages) {
    for (const issue of data) {
      // Anybody can paste the marker; only the token's own issue is ours to edit.
      if (issue.pull_request || !sameLogin(issue.user?.login, target.author)) continue
      if (issue.body?.includes(marker)) return { number: issue.number, body: issue.body }
    }
  }
  return undefined
}

function historyEntry(result: MonitorResult, now: Date): HistoryEntry {
  const shares = result.datasets.flatMap((d) => (d.drift ? [d.drift.share] : []))
  const metrics: Record<string, number> = {}
  for (const gate of result.performance?.gates ?? []) {
    if (gate.slice === undefined && gate.value !== undefined) metrics[gate.metric] = gate.value
  }
  return { at: now.toISOString(), version: result.version, driftShare: shares.length > 0 ? Math.max(...shares) : null, metrics }
}

/** The runs recorded in an issue body; an edited or missing block starts the trend afresh. */
export function readHistory(body: string): HistoryEntry[] {
  const decoded = decodePayload(HISTORY_TAG, body, MAX_HISTORY_CHARS)
  const parsed = decoded && 'value' in decoded ? z.array(HistoryEntry).safeParse(decoded.value) : undefined
  return parsed?.success ? parsed.data : []
}

function issueTitle(result: MonitorResult): string {
  const what = [result.drifted ? 'data drift' : '', result.degraded ? 'degraded metrics' : '', !result.drifted && !result.degraded ? 'unreadable monitoring input' : ''].filter(Boolean).join(' and ')
  return `${result.model} v${result.version}: ${what}`.slice(0, 200)
}

export function renderIssueBody(marker: string, result: MonitorResult, history: HistoryEntry[], runUrl?: string): string {
  const parts = [marker, `## Monitoring: ${escapeMarkdown(result.model, { maxLength: 80 })} v${escapeMarkdown(result.version, { maxLength: 40 })}`, escapeMarkdown(monitorVerdict(result), { maxLength: 300 })]
  if (runUrl) parts.push(`<sub>last checked by [this run](${runUrl}) · ${history.at(-1)?.at ?? ''}</sub>`)
  for (const d of result.datasets) {
    parts.push(d.drift ? renderDatasetDrift(d.name, { version: result.version, report: d.drift }) : `**${escapeMarkdown(d.name, { maxLength: 60 })}**: drift not computed: ${escapeMarkdown(d.skipped ?? 'the data could not be read', { maxLength: 200 })}`)
  }
  const gates = result.performance?.gates ?? []
  if (gates.length > 0) {
    parts.push(`### Performance on ${escapeMarkdown(result.performance!.file, { maxLength: 120 })}`)
    parts.push(gates.map((g) => renderGateLine(g, { withSlice: true })).join('\n'))
  }
  if (result.problems.length > 0) parts.push(result.problems.map((p) => `- ⚠️ ${escapeMarkdown(p, { maxLength: 300 })}`).join('\n'))
  const chart = renderTrend(history)
  if (chart) parts.push('### Trend', chart)
  parts.push(encodePayload(HISTORY_TAG, history))
  const body = parts.join('\n\n')
  // The history block goes last and must survive: cut the tables instead.
  return body.length <= GITHUB_COMMENT_LIMIT ? body : [parts.slice(0, 3).join('\n\n'), '_Tables left out to fit GitHub’s limit; see the workflow log._', parts.at(-1)].join('\n\n')
}

/** Drift share and the gated metrics over the recorded runs, as the report charts its plots. */
function renderTrend(history: HistoryEntry[]): string {
  if (history.length < 2) return ''
  const metrics = [...new Set(history.flatMap((h) => Object.keys(h.metrics)))].slice(0, 4)
  const series: PlotSeries = {
    stage: 'monitor',
    file: '',
    title: 'drift share and metrics by run',
    x: 'run',
    y: ['drift share', ...metrics],
    points: history.map((h, i) => [i + 1, h.driftShare, ...metrics.map((m) => h.metrics[m] ?? null)]),
  }
  return renderMermaidLineChart(series)
}

/**
 * Starts the training workflow so a retraining pull request appears: `workflow_dispatch` with
 * the model and the reason as inputs (the workflow must declare both). Needs `actions: write`.
 */
export async function dispatchRetraining(github: GitHubClient, target: { owner: string; repo: string; workflow: string; ref: string }, model: string, reason: string): Promise<void> {
  await github.rest.actions.createWorkflowDispatch({ owner: target.owner, repo: target.repo, workflow_id: target.workflow, ref: target.ref, inputs: { model, reason: reason.slice(0, 1000) } })
}
