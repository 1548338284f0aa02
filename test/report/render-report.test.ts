import { describe, expect, it } from 'vitest'
import { evaluateGates } from '../../src/metrics/gates.js'
import type { Metrics } from '../../src/metrics/result.js'
import type { RunRecord } from '../../src/pipeline/run-record.js'
import type { Manifest } from '../../src/registry/manifest.js'
import {
  GITHUB_COMMENT_LIMIT,
  TRUNCATION_NOTE,
  formatDuration,
  renderReport,
  renderReportMarker,
  renderVerdictLine,
} from '../../src/report/render-report.js'
import type { Spec } from '../../src/spec/schema.js'
import {
  buildCheckResult,
  buildDataResult,
  buildManifest,
  buildMetrics,
  buildPlotSeries,
  buildRunRecord,
  buildStageRecord,
} from '../builders.js'

// The penguin example: two gates, a dozen metrics, one data file, a learning curve.

const GATES: Spec['gates'] = { accuracy: { min: 0.9 }, f1_macro: { min: 0.85, max_drop: 0.02 } }
const METRICS_FILES = ['reports/metrics.json']
const LOWER = ['log_loss']

function penguinMetrics(overrides: Record<string, number> = {}): Metrics {
  const perClass: Record<string, number> = {}
  for (const [i, species] of ['Adelie', 'Chinstrap', 'Gentoo'].entries()) {
    for (const [j, name] of ['f1', 'precision', 'recall'].entries()) perClass[`per_class.${species}.${name}`] = 0.95 + i * 0.02 - j * 0.01
  }
  const values = { accuracy: 0.9855, f1_macro: 0.9843, log_loss: 0.0612, precision_macro: 0.9851, recall_macro: 0.9838, ...perClass, ...overrides }
  return buildMetrics(values, { lower: LOWER })
}

const BASELINE: Manifest = buildManifest({
  metrics: penguinMetrics({ accuracy: 0.971, f1_macro: 0.97, log_loss: 0.07, precision_macro: 0.9851 }),
  params: { seed: 42, 'train.learning_rate': 0.1, 'train.epochs': 200, 'prepare.test_fraction': 0.2 },
})

function learningCurve(epochs: number) {
  const points = Array.from({ length: epochs }, (_, i) => {
    const e = i + 1
    return [e, round(1.1 * Math.exp(-e / 12) + 0.05), round(1.15 * Math.exp(-e / 14) + 0.08)]
  })
  return buildPlotSeries({ title: 'Learning curve', points })
}

const STAGES = [
  buildStageRecord({ name: 'prepare', command: 'python3 src/prepare.py', status: 'cached', durationMs: undefined }),
  buildStageRecord({ name: 'train', durationMs: 61_300 }),
  buildStageRecord({ name: 'evaluate', command: 'python3 src/evaluate.py', durationMs: 820 }),
]

/** `baseline: null` makes a first run, with nothing promoted yet. */
function penguinRun(metrics: Metrics, overrides: Partial<RunRecord> = {}, baseline: Manifest | null = BASELINE): RunRecord {
  const gates = evaluateGates(GATES, metrics, baseline ? { version: baseline.version, stage: 'production', metrics: baseline.metrics } : undefined, METRICS_FILES)
  return buildRunRecord({
    params: { seed: 42, 'train.learning_rate': 0.05, 'train.epochs': 300, 'prepare.test_fraction': 0.2 },
    stages: STAGES,
    data: [buildDataResult({ checks: Array.from({ length: 14 }, () => buildCheckResult()) })],
    metrics,
    gates,
    plots: [learningCurve(60)],
    ...overrides,
  })
}

/** Every row of every table has as many cells as its header (GFM splits on unescaped pipes, even in code). */
function expectTablesWellFormed(md: string): void {
  let width: number | undefined
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) {
      width = undefined
      continue
    }
    const cells = line.split(/(?<!\\)\|/).length
    width ??= cells
    expect(cells, line).toBe(width)
  }
}

/** The Markdown outside code spans and fences, where HTML and mentions would be live. */
function outsideCode(md: string): string {
  return md.replace(/(`+)[\s\S]*?\1/g, '')
}

function round(n: number): number {
  return Math.round(n * 1e4) / 1e4
}

describe('renderReport goldens', () => {
  it('passing run with a baseline', async () => {
    const md = renderReport({ run: penguinRun(penguinMetrics()), baseline: BASELINE })
    expectTablesWellFormed(md)
    await expect(md).toMatchFileSnapshot('../golden/report-pass.md')
  })

  it('run failing two gates', async () => {
    const metrics = penguinMetrics({ accuracy: 0.8712, f1_macro: 0.941, log_loss: 0.1934 })
    const baseline = buildManifest({ ...BASELINE, metrics: penguinMetrics({ f1_macro: 0.972 }) })
    const md = renderReport({ run: penguinRun(metrics, {}, baseline), baseline })
    expect(md.split('\n')[3]).toMatch(/^❌ \*\*2 of 3 gates fail:\*\* accuracy \(min 0\.9\), f1\\_macro \(max drop 0\.02\)$/)
    expectTablesWellFormed(md)
    await expect(md).toMatchFileSnapshot('../golden/report-fail-gates.md')
  })

  it('first run: no baseline, a failed stage and failing data checks', async () => {
    const run = penguinRun({}, {
      status: 'failed',
      stages: [
        buildStageRecord({ name: 'prepare', durationMs: 410 }),
        buildStageRecord({ name: 'train', status: 'failed', exitCode: 1, durationMs: 2_250, reason: undefined }),
        buildStageRecord({ name: 'evaluate', status: 'blocked', durationMs: undefined, exitCode: null, reason: 'needs train, which failed' }),
      ],
      data: [
        buildDataResult({
          checks: [
            buildCheckResult({ check: 'rows', column: undefined, passed: true, failed: 0, total: 344, message: '344 rows (min 300)' }),
            buildCheckResult({
              check: 'values',
              column: 'species',
              passed: false,
              failed: 6,
              total: 344,
              message: '6 values are not one of Adelie, Chinstrap, Gentoo',
              examples: [
                { line: 12, value: 'adelie' },
                { line: 40, value: '</details><img src=x onerror=alert(1)>' },
                { line: 41, value: '@octocat' },
                { line: 42, value: 'ADELIE' },
                { line: 43, value: 'gentoo ' },
                { line: 99, value: 'never shown' },
              ],
            }),
            buildCheckResult({
              check: 'max',
              column: 'body_mass_g',
              passed: false,
              failed: 1,
              total: 342,
              message: '1 value above 7000',
              examples: [{ line: 77, value: '| 99999 |' }],
            }),
          ],
        }),
      ],
      metricErrors: [{ file: 'reports/metrics.json', message: 'reports/metrics.json: file not found (did the stage write it?)' }],
      plots: [],
    }, null)
    const md = renderReport({ run })
    expect(outsideCode(md)).not.toMatch(/<img|@octocat/)
    expect(md).toContain('`data/penguins.csv:43`')
    expect(md).not.toContain('never shown')
    expectTablesWellFormed(md)
    await expect(md).toMatchFileSnapshot('../golden/report-first-run-failed.md')
  })

  it('huge run truncated under maxLength', async () => {
    const many: Record<string, number> = {}
    for (let i = 0; i < 2000; i++) many[`per_feature.f${String(i).padStart(4, '0')}.importance`] = round(1 / (i + 1))
    const metrics = penguinMetrics(many)
    const failing = Array.from({ length: 40 }, (_, i) =>
      buildCheckResult({ check: 'min', column: `col_${i}`, passed: false, failed: 5, total: 1000, message: `5 values below 0`, examples: [{ line: i + 2, value: '-1' }] }),
    )
    const run = penguinRun(metrics, {
      data: [buildDataResult({ checks: failing })],
      plots: Array.from({ length: 3 }, () => learningCurve(200)),
    })
    const md = renderReport({ run, baseline: BASELINE })
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT)
    expect(md).toContain(TRUNCATION_NOTE)
    expect(md).not.toContain('```mermaid')
    expect(md).toContain('| accuracy |')
    expectTablesWellFormed(md)
    await expect(md).toMatchFileSnapshot('../golden/report-truncated.md')
  })
})

describe('renderReport structure', () => {
  const run = penguinRun(penguinMetrics())

  it('starts with the marker, the heading and the verdict', () => {
    const lines = renderReport({ run, baseline: BASELINE, title: 'Model report' }).split('\n')
    expect(lines.slice(0, 4)).toEqual(['<!-- mlops-report model=penguin-classifier -->', '## Model report', '', '✅ **All 3 gates pass**'])
  })

  it('orders sections: metrics, data, params, plots, stages', () => {
    const md = renderReport({ run, baseline: BASELINE })
    const positions = ['### Metrics', '### Data', '### Params that differ', '### Plots', '<details><summary>Stages:'].map((h) => md.indexOf(h))
    expect(positions.every((p) => p > 0)).toBe(true)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
  })

  it('lists gated metrics first, then the rest alphabetically', () => {
    const md = renderReport({ run: penguinRun(buildMetrics({ zeta: 1, f1_macro: 0.9, alpha: 2, accuracy: 0.95 }), {}, null) })
    const names = [...md.matchAll(/^\| ([a-z0-9_\\]+) \|/gm)].map((m) => m[1])
    expect(names.slice(0, 4)).toEqual(['accuracy', 'f1\\_macro', 'alpha', 'zeta'])
  })

  it('shows deltas as signed numbers with an arrow and a word', () => {
    const md = renderReport({ run, baseline: BASELINE })
    expect(md).toContain('| accuracy | 0.9855 | 0.971 | +0.0145 ▲ better | ✅ min 0.9 |')
    expect(md).toContain('| log\\_loss | 0.0612 | 0.07 | \u22120.0088 ▼ better |')
  })

  it('omits the baseline columns and says why when there is no baseline', () => {
    const md = renderReport({ run: penguinRun(penguinMetrics(), {}, null) })
    expect(md).toContain('| Metric | This run | Gate |')
    expect(md).toContain('_No baseline yet: no model version has been promoted')
    expect(md).not.toContain('### Params that differ')
  })

  it('never exceeds maxLength, dropping detail step by step', () => {
    const big = penguinRun(penguinMetrics(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`m${i}`, i]))), {
      plots: Array.from({ length: 5 }, () => learningCurve(200)),
    })
    const full = renderReport({ run: big, baseline: BASELINE, maxLength: Number.MAX_SAFE_INTEGER })
    expect(full).toContain('```mermaid')
    expect(full).not.toContain(TRUNCATION_NOTE)
    let previous = full.length
    for (const maxLength of [full.length - 1, 12_000, 8_000, 3_000, 1_500, 600, 200, 50, 10, 0]) {
      const md = renderReport({ run: big, baseline: BASELINE, maxLength })
      expect(md.length).toBeLessThanOrEqual(maxLength)
      expect(md.length).toBeLessThanOrEqual(previous)
      previous = md.length
      if (maxLength >= 1_500) expect(md).toContain('✅ **All 3 gates pass**')
    }
    const noCharts = renderReport({ run: big, baseline: BASELINE, maxLength: full.length - 1 })
    expect(noCharts).not.toContain('```mermaid')
    expect(noCharts).toContain('| Series | First |')
    expect(noCharts.endsWith(`${TRUNCATION_NOTE}\n`)).toBe(true)
  })

  it('fits a default GitHub comment', () => {
    const metrics = penguinMetrics(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`m${i}`, i])))
    expect(renderReport({ run: penguinRun(metrics), baseline: BASELINE }).length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT)
  })

  it('escapes untrusted names everywhere', () => {
    const hostile = '<script>@octocat|x</script>'
    const md = renderReport({
      run: penguinRun(buildMetrics({ [hostile]: 1 }), {
        model: { name: 'evil --> <b>' },
        params: { [hostile]: '`rm -rf`|' },
        stages: [buildStageRecord({ name: hostile, status: 'failed', reason: hostile })],
        plots: [buildPlotSeries({ stage: hostile, y: [hostile], points: [[1, 1], [2, 2]] })],
      }),
      baseline: BASELINE,
    })
    expect(outsideCode(md)).not.toMatch(/<script|<b>|@octocat/)
    expectTablesWellFormed(md)
    expect(md.split('\n')[0]).toBe('<!-- mlops-report model=evil_--___b_ -->')
    expect(md).toContain('| &lt;script&gt;@\u200Doctocat\\|x&lt;/script&gt; |')
  })
})

describe('renderVerdictLine', () => {
  it('says all gates pass, noting skipped relative gates', () => {
    expect(renderVerdictLine(penguinRun(penguinMetrics(), {}, null))).toBe('✅ **All 3 gates pass** (1 skipped: no baseline yet)')
  })

  it('lists failing gates grouped by metric, with missing metrics', () => {
    const run = penguinRun(buildMetrics({ accuracy: 0.5 }))
    expect(renderVerdictLine(run)).toBe('❌ **3 of 3 gates fail:** accuracy (min 0.9), f1\\_macro (not produced)')
  })

  it('adds failed stages and data checks after the gates', () => {
    const run = penguinRun(penguinMetrics(), {
      status: 'failed',
      stages: [buildStageRecord({ status: 'failed', exitCode: 1 }), buildStageRecord({ name: 'slow', status: 'timed-out', reason: 'no output for 360 minutes' })],
      data: [buildDataResult({ checks: [buildCheckResult({ passed: false, failed: 1 })] })],
    })
    expect(renderVerdictLine(run)).toBe(
      '❌ Stage `train` failed: exit code 1 · Stage `slow` timed out: no output for 360 minutes · Data checks failed: `penguins` · all 3 gates pass',
    )
  })

  it('handles runs without gates', () => {
    expect(renderVerdictLine(buildRunRecord())).toBe('✅ **Run succeeded** (no gates configured)')
    expect(renderVerdictLine(buildRunRecord({ status: 'failed' }))).toBe('❌ **Run failed**')
    const unreadable = buildRunRecord({ status: 'failed', metricErrors: [{ file: 'p.csv', message: 'p.csv:5: column "pred" is empty; 1 row left out of the evaluation (lines 5)' }, { file: 'm.json', message: 'm.json: not JSON' }] })
    expect(renderVerdictLine(unreadable)).toBe('❌ 2 metrics problems: p.csv:5: column "pred" is empty; 1 row left out of the evaluation (lines 5)')
  })

  it('renders plain text for terminals', () => {
    const run = penguinRun(buildMetrics({ accuracy: 0.5 }), { stages: [buildStageRecord({ status: 'failed', signal: 'SIGKILL', exitCode: null })] })
    expect(renderVerdictLine(run, { format: 'text' })).toBe(
      '❌ 3 of 3 gates fail: accuracy (min 0.9), f1_macro (not produced) · Stage "train" failed: killed by SIGKILL',
    )
  })
})

describe('renderReportMarker and formatDuration', () => {
  it('makes a marker that cannot close the HTML comment early', () => {
    expect(renderReportMarker('penguin-classifier')).toBe('<!-- mlops-report model=penguin-classifier -->')
    expect(renderReportMarker('a --> b')).toBe('<!-- mlops-report model=a_--__b -->')
  })

  it.each([
    [820, '820ms'],
    [12_400, '12.4s'],
    [65_000, '1m 05s'],
    [7_380_000, '2h 03m'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})
