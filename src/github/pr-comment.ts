import type { RunRecord } from '../pipeline/run-record.js'
import type { Manifest } from '../registry/manifest.js'
import { escapeCode } from '../report/escape.js'
import { cutToLength } from '../report/markdown.js'
import { GITHUB_COMMENT_LIMIT, renderReport, renderReportMarker, TRUNCATION_NOTE } from '../report/render-report.js'
import { encodeHistory, lastEntries, renderHistory, type MetricHistory } from './metric-history.js'

// The sticky pull-request comment for one model, composed without touching the network:
//
//   <!-- mlops-report model=… -->   (first line of the report; how the next push finds it)
//   the report (verdict first)
//   links: workflow run, review bundle artifact, commit
//   <details> metric history of earlier pushes </details>
//   <!-- mlops-history:v1:… -->     (hidden, machine-readable history)
//
// GitHub rejects comments over 65,536 characters, so the parts share that budget: the report
// gets all of it but the links, the stored history and a one-line history summary; the
// history table then takes what is left (fewer rows, then none); and a last resort cuts the
// body with a note. Composing never fails for size.

export interface PrCommentLinks {
  /** The workflow run that produced the report (a trusted URL: from the runner or the API). */
  runUrl?: string
  /** The review bundle artifact (artifactUrl()). */
  artifact?: { name: string; url?: string }
  /** The head commit the report is for. */
  headSha?: string
}

export interface PrCommentInput {
  run: RunRecord
  baseline?: Manifest
  title?: string
  /** The history including this push (appendHistory). */
  history: MetricHistory
  /** `${serverUrl}/${owner}/${repo}`: history links. */
  repoUrl: string
  links?: PrCommentLinks
  /** Default GitHub's limit, 65,536. */
  maxLength?: number
}

export interface PrComment {
  body: string
  marker: string
  /** Pushes in the visible history table (0 when only its summary line or nothing fit). */
  historyRows: number
  /** Pushes kept in the hidden history payload. */
  historyStored: number
  /** The report itself was shortened (it says so in the body). */
  reportTruncated: boolean
}

const SEPARATOR = '\n\n'
/** History table sizes tried, largest first; 0 is the summary line alone. */
const HISTORY_ROW_STEPS = [Infinity, 10, 5, 0]

/** The web page of a workflow artifact (where it can be downloaded). */
export function artifactUrl(serverUrl: string, owner: string, repo: string, runId: number, artifactId: number): string {
  return `${serverUrl.replace(/\/+$/, '')}/${owner}/${repo}/actions/runs/${runId}/artifacts/${artifactId}`
}

export function composePrComment(input: PrCommentInput): PrComment {
  const limit = input.maxLength ?? GITHUB_COMMENT_LIMIT
  const marker = renderReportMarker(input.run.model.name)
  const links = renderLinks(input.links ?? {})

  // The stored history is small by construction (20 pushes × 8 metrics, under 10 KB); only a
  // tiny maxLength makes it worth halving.
  let stored = input.history
  let payload = encodeHistory(stored)
  while (payload.length > limit / 4 && stored.entries.length > 1) {
    stored = lastEntries(stored, Math.floor(stored.entries.length / 2))
    payload = encodeHistory(stored)
  }
  if (payload.length > limit / 4) {
    stored = lastEntries(stored, 0)
    payload = ''
  }

  const fixed = (report: string, history: string) => [report.trimEnd(), links, history, payload].filter((p) => p !== '')
  const lengthOf = (parts: string[]) => parts.reduce((sum, p) => sum + p.length, 0) + SEPARATOR.length * (parts.length - 1) + 1

  // The table shows what is stored, so the two never disagree.
  const summaryOnly = renderHistory(stored, { repoUrl: input.repoUrl, maxRows: 0 })
  const reserve = lengthOf(fixed('x', summaryOnly)) - 1
  let report = renderReport({ run: input.run, baseline: input.baseline, title: input.title, maxLength: Math.max(0, limit - reserve) })
  if (!report.startsWith(marker)) report = `${marker}\n${report}`

  let history = ''
  let historyRows = 0
  for (const rows of HISTORY_ROW_STEPS) {
    const candidate = renderHistory(stored, { repoUrl: input.repoUrl, maxRows: rows })
    if (lengthOf(fixed(report, candidate)) <= limit) {
      history = candidate
      historyRows = candidate === '' ? 0 : Math.min(rows, stored.entries.length)
      break
    }
  }

  let body = `${fixed(report, history).join(SEPARATOR)}\n`
  let reportTruncated = report.includes(TRUNCATION_NOTE)
  if (body.length > limit) {
    // Only reachable with a tiny maxLength: keep whole lines from the top, then the note.
    body = cutToLength(body, limit)
    reportTruncated = true
  }
  return { body, marker, historyRows, historyStored: body.includes(payload) ? stored.entries.length : 0, reportTruncated }
}

function renderLinks(links: PrCommentLinks): string {
  const parts: string[] = []
  const run = safeUrl(links.runUrl)
  if (run) parts.push(`[Workflow run](${run})`)
  if (links.artifact) {
    const name = escapeCode(links.artifact.name, { table: false, maxLength: 120 })
    const url = safeUrl(links.artifact.url)
    parts.push(`${url ? `[Review bundle](${url})` : 'Review bundle'} ${name}, what a merge promotes`)
  }
  if (links.headSha && /^[0-9a-f]{7,40}$/i.test(links.headSha)) parts.push(`for commit \`${links.headSha.slice(0, 7).toLowerCase()}\``)
  return parts.length > 0 ? `<sub>${parts.join(' · ')}</sub>` : ''
}

/** An http(s) URL made safe for a Markdown link target, or undefined. */
function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined
    return parsed.href.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/ /g, '%20')
  } catch {
    return undefined
  }
}

