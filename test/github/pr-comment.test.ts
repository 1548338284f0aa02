import { describe, expect, it } from 'vitest'
import { appendHistory, decodeHistory, EMPTY_HISTORY, historyEntryFromRun, MAX_HISTORY_ENTRIES, type MetricHistory } from '../../src/github/metric-history.js'
import { artifactUrl, composePrComment } from '../../src/github/pr-comment.js'
import type { RunRecord } from '../../src/pipeline/run-record.js'
import { GITHUB_COMMENT_LIMIT, renderReportMarker, TRUNCATION_NOTE } from '../../src/report/render-report.js'
import { buildCheckResult, buildDataResult, buildGateVerdict, buildManifest, buildMetrics, buildPlotSeries, buildRunRecord } from '../builders.js'

const REPO_URL = 'https://github.com/octo/penguins'
const RUN_URL = 'https://github.com/octo/penguins/actions/runs/7001'

function gatedRun(accuracy: number, overrides: Parameters<typeof buildRunRecord>[0] = {}): RunRecord {
  const pass = accuracy >= 0.95
  return buildRunRecord({
    metrics: buildMetrics({ accuracy, f1_macro: accuracy - 0.02, log_loss: 0.2 }, { lower: ['log_loss'] }),
    gates: buildGateVerdict({
      baseline: { version: '0.1.0', stage: 'prod' },
      results: [
        { metric: 'accuracy', rule: 'min', threshold: 0.95, value: accuracy, status: pass ? 'pass' : 'fail', message: pass ? 'ok' : `${accuracy} is below the minimum 0.95` },
      ],
    }),
    ...overrides,
  })
}

function historyFor(...pushes: [RunRecord, string, number][]): MetricHistory {
  return pushes.reduce<MetricHistory>((h, [run, sha, runId]) => appendHistory(h, historyEntryFromRun(run, { sha, runId })), EMPTY_HISTORY)
}

describe('composePrComment', () => {
  it('puts the marker first, then the report, links, folded history and the hidden payload (golden)', async () => {
    const earlier = gatedRun(0.93, { finishedAt: '2025-06-01T11:00:00.000Z' })
    const run = gatedRun(0.9712)
    const history = historyFor([earlier, '1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 7000], [run, '3f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e', 7001])
    const comment = composePrComment({
      run,
      baseline: buildManifest({ metrics: buildMetrics({ accuracy: 0.96, f1_macro: 0.95, log_loss: 0.25 }, { lower: ['log_loss'] }) }),
      history,
      repoUrl: REPO_URL,
      links: {
        runUrl: RUN_URL,
        headSha: '3f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e',
        artifact: { name: 'mlops-penguin-classifier', url: artifactUrl('https://github.com/', 'octo', 'penguins', 7001, 1000042) },
      },
    })
    expect(comment.body.startsWith(`${renderReportMarker('penguin-classifier')}\n## penguin-classifier\n\n✅ **The gate passes**`)).toBe(true)
    expect(comment).toMatchObject({ historyRows: 2, historyStored: 2, reportTruncated: false })
    expect(comment.body).toContain('[Review bundle](https://github.com/octo/penguins/actions/runs/7001/artifacts/1000042) `mlops-penguin-classifier`')
    expect(comment.body).toMatch(/<!-- mlops-history:v1:[\w-]+ -->\n$/)
    const stored = decodeHistory(comment.body).history
    expect(stored.metrics).toEqual(['accuracy', 'f1_macro', 'log_loss'])
    expect(stored.entries.map((e) => [e.sha, e.runId, e.passed, e.metrics])).toEqual([
      ['1111111aaaaa', 7000, false, { accuracy: 0.93, f1_macro: 0.91, log_loss: 0.2 }],
      ['3f2c1d0e9b8a', 7001, true, { accuracy: 0.9712, f1_macro: 0.9512, log_loss: 0.2 }], // stored at 10 significant digits
    ])
    await expect(comment.body).toMatchFileSnapshot('../golden/pr-comment-two-pushes.md')
  })

  it('names the failed gate in the verdict', () => {
    const run = gatedRun(0.91)
    const comment = composePrComment({ run, history: historyFor([run, 'abcdef1234567', 1]), repoUrl: REPO_URL })
    expect(comment.body.split('\n')[3]).toBe('❌ **1 of 1 gate fails:** accuracy (min 0.95)')
  })

  it('keeps a huge report under GitHub\'s limit, with the history payload intact', () => {
    const longName = (i: number) => `metric_${String(i).padStart(4, '0')}_${'x'.repeat(80)}`
    const metrics = buildMetrics(Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [longName(i), i / 1500])))
    const failing = Array.from({ length: 40 }, (_, i) =>
      buildCheckResult({ check: 'values', column: `col_${i}_${'y'.repeat(50)}`, passed: false, failed: 5, message: 'z'.repeat(190), examples: [{ line: 2, value: 'v'.repeat(39) }] }),
    )
    const run = buildRunRecord({
      metrics,
      data: [buildDataResult({ checks: failing })],
      plots: Array.from({ length: 20 }, (_, i) => buildPlotSeries({ title: `plot ${i}`, points: Array.from({ length: 200 }, (_, k) => [k, k / 200, k / 300]) })),
      gates: buildGateVerdict({
        results: Array.from({ length: 8 }, (_, i) => ({ metric: longName(i), rule: 'min' as const, threshold: 2, value: i / 1500, status: 'fail' as const, message: 'below' })),
      }),
    })
    let history: MetricHistory = EMPTY_HISTORY
    for (let n = 0; n < 25; n++) history = appendHistory(history, historyEntryFromRun(run, { sha: `${String(n).padStart(7, '0')}abc`, runId: 9000 + n }))
    const comment = composePrComment({ run, history, repoUrl: REPO_URL, links: { runUrl: RUN_URL } })
    expect(comment.body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT)
    expect(comment.body.startsWith(renderReportMarker('penguin-classifier'))).toBe(true)
    expect(comment.body).toContain('❌ **8 of 8 gates fail:**')
    expect(comment.historyStored).toBe(MAX_HISTORY_ENTRIES)
    expect(decodeHistory(comment.body).history.entries).toHaveLength(MAX_HISTORY_ENTRIES)
    expect(comment.body).toContain('Metric history (20 pushes)')
    expect(comment.reportTruncated).toBe(true)
    expect(comment.body).toContain(TRUNCATION_NOTE)
  })

  it('shrinks the history table before it shortens the report', () => {
    const plots = Array.from({ length: 6 }, (_, i) => buildPlotSeries({ title: `curve ${i}`, points: Array.from({ length: 60 }, (_, k) => [k, 1 / (k + 1), 1.1 / (k + 1)]) }))
    const run = gatedRun(0.97, { plots })
    let history: MetricHistory = EMPTY_HISTORY
    for (let n = 0; n < 20; n++) history = appendHistory(history, historyEntryFromRun(run, { sha: `${String(n).padStart(7, '0')}abc`, runId: 9000 + n }))
    const roomy = composePrComment({ run, history, repoUrl: REPO_URL, links: { runUrl: RUN_URL } })
    expect(roomy).toMatchObject({ historyRows: 20, reportTruncated: false })
    expect(roomy.body).toContain('```mermaid')

    const tight = composePrComment({ run, history, repoUrl: REPO_URL, links: { runUrl: RUN_URL }, maxLength: roomy.body.length - 1 })
    expect(tight).toMatchObject({ historyRows: 10, historyStored: 20, reportTruncated: false })
    expect(tight.body).toContain('```mermaid')
    expect(tight.body).toContain('_10 older pushes not shown; the trend row covers all of them._')

    const tighter = composePrComment({ run, history, repoUrl: REPO_URL, links: { runUrl: RUN_URL }, maxLength: roomy.body.length - 3000 })
    expect(tighter.historyRows).toBeLessThan(10)
    expect(tighter.body.length).toBeLessThanOrEqual(roomy.body.length - 3000)
  })

  it('cuts with a note rather than failing when even the minimal report does not fit', () => {
    const run = gatedRun(0.9)
    const comment = composePrComment({ run, history: historyFor([run, 'abcdef1234567', 1]), repoUrl: REPO_URL, maxLength: 400 })
    expect(comment.body.length).toBeLessThanOrEqual(400)
    expect(comment.body.startsWith(renderReportMarker('penguin-classifier'))).toBe(true)
    expect(comment.body).toContain(TRUNCATION_NOTE)
    expect(comment.reportTruncated).toBe(true)
  })

  it('drops links that are not http(s) and SHAs that are not hex', () => {
    const run = gatedRun(0.97)
    const comment = composePrComment({
      run,
      history: EMPTY_HISTORY,
      repoUrl: REPO_URL,
      links: { runUrl: 'javascript:alert(1)', headSha: '`@octocat`', artifact: { name: 'mlops-x`](javascript:alert(1))', url: 'https://github.com/a(b)c' } },
    })
    // The only `](javascript:` left is inside the artifact name's code span, where it is inert text.
    expect(comment.body.replace(/``[^`]*(?:`[^`]+)*``/g, '')).not.toContain('](javascript:')
    expect(comment.body).not.toContain('Workflow run')
    expect(comment.body).not.toContain('for commit')
    expect(comment.body).toContain('[Review bundle](https://github.com/a%28b%29c) ``mlops-x`](javascript:alert(1))``')
    expect(comment.body).not.toContain('mlops-history')
    expect(comment.historyStored).toBe(0)
  })
})
