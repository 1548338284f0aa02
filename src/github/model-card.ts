import { formatNumber } from '../metrics/compare.js'
import type { Manifest } from '../registry/manifest.js'
import { renderTable } from '../report/markdown.js'
import { escapeCode, escapeMarkdown } from '../report/escape.js'

// The model card attached to a release: what the version is, where it came from and how it
// measured, from the manifest alone. Only facts the manifest records are stated — no template
// sections waiting to be filled in. Every string from the run is escaped: the card is Markdown
// that GitHub renders, and names or paths must not link, ping or break a table.

export interface ModelCardInput {
  manifest: Manifest
  /** The spec's model.description, when the manifest has none. */
  description?: string
  /** GITHUB_SERVER_URL, for commit and pull-request links; default https://github.com. */
  serverUrl?: string
}

/** How the version came to be, from its manifest's source lineage. */
export type ModelOrigin = 'reviewed' | 'retrained' | 'registered'

export function modelOrigin(manifest: Manifest): ModelOrigin {
  if (!manifest.source) return 'registered'
  return manifest.source.reviewedRunUrl ? 'reviewed' : 'retrained'
}

const ORIGIN_TEXT: Record<ModelOrigin, string> = {
  reviewed: 'the model files reviewed in the pull request, promoted unchanged (checked by sha256)',
  retrained: 'retrained when the pull request was merged, because the reviewed files were no longer available; these exact files were not reviewed',
  registered: 'registered from a local run',
}

export function renderModelCard(input: ModelCardInput): string {
  const m = input.manifest
  const server = (input.serverUrl ?? 'https://github.com').replace(/\/+$/, '')
  const source = m.source
  const repoUrl = source?.repository && /^[\w.-]+\/[\w.-]+$/.test(source.repository) ? `${server}/${source.repository}` : undefined
  const text = (s: string) => escapeMarkdown(s, { maxLength: 300 })
  const code = (s: string) => escapeCode(s, { maxLength: 200 })
  const sections: string[] = []

  const description = m.description ?? input.description
  sections.push(`# ${text(m.model)} v${text(m.version)}` + (description ? `\n\n${escapeMarkdown(description, { maxLength: 2000 })}` : ''))

  sections.push(
    `## Version\n\n${renderTable(
      ['', ''],
      [
        ['Version', code(m.version)],
        ['Tag', code(m.tag)],
        ['Registered', `${text(m.createdAt)} by ${text(m.createdBy)}`],
        ['Run', code(m.runId)],
      ],
    )}`,
  )

  const lineage: string[] = []
  const commitText = code(m.commit.slice(0, 12))
  lineage.push(`- Commit: ${repoUrl && /^[0-9a-f]{7,64}$/.test(m.commit) ? `[${commitText}](${repoUrl}/commit/${m.commit})` : commitText}`)
  if (source?.repository) lineage.push(`- Repository: ${text(source.repository)}`)
  if (source?.pullRequest !== undefined) {
    const label = `pull request ${source.pullRequest}`
    lineage.push(`- Merged from: ${repoUrl ? `[${label}](${repoUrl}/pull/${source.pullRequest})` : label}`)
  }
  if (source) lineage.push(`- Approved by: ${source.approvers.length ? source.approvers.map(text).join(', ') : 'no approving review'}`)
  lineage.push(`- Model files: ${ORIGIN_TEXT[modelOrigin(m)]}`)
  if (source?.reviewedRunUrl) lineage.push(`- Reviewed run: ${link('workflow run', source.reviewedRunUrl)}`)
  if (source?.workflowRunUrl) lineage.push(`- Promoted by: ${link('workflow run', source.workflowRunUrl)}`)
  sections.push(`## Lineage\n\n${lineage.join('\n')}`)

  if (m.data.length) {
    const rows = m.data.map((d) => [text(d.name), code(d.path), String(d.rows), d.sha256 ? code(d.sha256) : '—'])
    sections.push(`## Data\n\n${renderTable(['Name', 'Path', 'Rows', 'sha256'], rows, [2])}`)
  }

  const metrics = Object.entries(m.metrics).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (metrics.length) {
    const rows = metrics.map(([name, v]) => [text(name), formatNumber(v.value), v.direction === 'higher' ? 'higher' : 'lower'])
    sections.push(`## Metrics\n\n${renderTable(['Metric', 'Value', 'Better'], rows, [1])}`)
  }

  if (m.gates.results.length) {
    const rows = m.gates.results.map((r) => [
      text(r.metric),
      r.rule,
      formatNumber(r.threshold),
      r.value === undefined ? '—' : formatNumber(r.value),
      r.baseline === undefined ? '—' : formatNumber(r.baseline),
      r.status,
    ])
    const baseline = m.gates.baseline ? `\n\nRelative gates compared with v${text(m.gates.baseline.version)} (${text(m.gates.baseline.stage)}).` : ''
    sections.push(`## Gates\n\n${renderTable(['Metric', 'Rule', 'Threshold', 'Value', 'Baseline', 'Status'], rows, [2, 3, 4])}${baseline}`)
  }

  const params = Object.entries(m.params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (params.length) {
    const rows = params.map(([name, value]) => [code(name), code(value === null ? 'null' : String(value))])
    sections.push(`## Parameters\n\n${renderTable(['Parameter', 'Value'], rows)}`)
  }

  const files = m.artifacts.map((a) => [code(a.path), String(a.size), code(a.sha256)])
  sections.push(`## Files\n\n${renderTable(['Path', 'Bytes', 'sha256'], files, [1])}`)

  return `${sections.join('\n\n')}\n`
}

/** A Markdown link to an http(s) URL from the manifest; anything else is shown as text. */
function link(label: string, url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') return `[${label}](${parsed.href.replace(/[()\s]/g, encodeURIComponent)})`
  } catch {
    // not a URL
  }
  return escapeCode(url, { maxLength: 200 })
}
