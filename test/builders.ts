import type { z } from 'zod'
import type { RunContext } from '../src/github/context.js'
import { CheckResult, DataResult } from '../src/data/result.js'
import { GateVerdict, Metrics } from '../src/metrics/result.js'
import { PlotSeries, RunRecord, StageRecord } from '../src/pipeline/run-record.js'
import { Manifest } from '../src/registry/manifest.js'
import { SpecSchema, type Spec, type SpecInput } from '../src/spec/schema.js'

// Schema-valid test objects with readable defaults. Every builder parses its result with the
// zod schema, so a test can never pass on data the real code would reject. Overrides replace
// top-level fields (no deep merge): pass the whole nested object you want to change.

const SHA = 'a'.repeat(64)

/** `{ accuracy: 0.97 }` → Metrics, read from `file`; directions default to higher-is-better. */
export function buildMetrics(
  values: Record<string, number>,
  options: { file?: string; lower?: string[] } = {},
): Metrics {
  const file = options.file ?? 'reports/metrics.json'
  const entries = Object.entries(values).map(([name, value]) => [
    name,
    { value, file, direction: options.lower?.includes(name) ? 'lower' : 'higher' },
  ])
  return Metrics.parse(Object.fromEntries(entries))
}

export function buildStageRecord(overrides: Partial<z.input<typeof StageRecord>> = {}): StageRecord {
  return StageRecord.parse({
    name: 'train',
    command: 'python3 src/train.py',
    status: 'succeeded',
    startedAt: '2025-06-01T12:00:01.000Z',
    finishedAt: '2025-06-01T12:00:13.400Z',
    durationMs: 12_400,
    exitCode: 0,
    signal: null,
    hash: 'b'.repeat(64),
    deps: { 'data/train.csv': SHA },
    outs: { 'models/model.json': SHA },
    params: {},
    ...overrides,
  })
}

export function buildCheckResult(overrides: Partial<z.input<typeof CheckResult>> = {}): CheckResult {
  return CheckResult.parse({
    check: 'type',
    column: 'body_mass_g',
    passed: true,
    failed: 0,
    total: 342,
    message: 'all values are integers',
    examples: [],
    ...overrides,
  })
}

export function buildDataResult(overrides: Partial<z.input<typeof DataResult>> = {}): DataResult {
  const checks = overrides.checks?.map((c) => CheckResult.parse(c)) ?? [buildCheckResult()]
  return DataResult.parse({
    name: 'penguins',
    path: 'data/penguins.csv',
    format: 'csv',
    sha256: SHA,
    rows: 344,
    passed: checks.every((c) => c.passed),
    profile: {},
    ...overrides,
    checks,
  })
}

export function buildGateVerdict(overrides: Partial<z.input<typeof GateVerdict>> = {}): GateVerdict {
  const results = overrides.results ?? []
  return GateVerdict.parse({ passed: results.every((r) => r.status !== 'fail'), ...overrides, results })
}

/** A learning curve: `points` rows of [epoch, loss, val_loss] unless overridden. */
export function buildPlotSeries(overrides: Partial<z.input<typeof PlotSeries>> = {}): PlotSeries {
  const points = Array.from({ length: 10 }, (_, i) => [i + 1, round(1 / (i + 1.5)), round(1.1 / (i + 1.4))])
  return PlotSeries.parse({
    stage: 'train',
    file: 'reports/history.csv',
    x: 'epoch',
    y: ['loss', 'val_loss'],
    points,
    ...overrides,
  })
}

/** A finished, successful run of the penguin example with no gates, data or plots. */
export function buildRunRecord(overrides: Partial<z.input<typeof RunRecord>> = {}): RunRecord {
  return RunRecord.parse({
    schema: 1,
    id: '20250601-120000-3f2c1d0',
    model: { name: 'penguin-classifier' },
    spec: { path: 'mlops.yml', sha256: SHA },
    git: { commit: '3f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e', branch: 'feature/tune-lr', dirty: false },
    startedAt: '2025-06-01T12:00:00.000Z',
    finishedAt: '2025-06-01T12:01:12.000Z',
    status: 'succeeded',
    params: { seed: 42, 'train.learning_rate': 0.1, 'train.epochs': 200 },
    stages: [buildStageRecord()],
    data: [],
    metrics: buildMetrics({ accuracy: 0.9712 }),
    metricErrors: [],
    gates: buildGateVerdict(),
    plots: [],
    artifacts: [{ path: 'models/model.json', sha256: SHA, size: 2048 }],
    ...overrides,
  })
}

/** Version 0.1.0 of the penguin model, registered from an earlier run. */
export function buildManifest(overrides: Partial<z.input<typeof Manifest>> = {}): Manifest {
  return Manifest.parse({
    schema: 1,
    model: 'penguin-classifier',
    version: '0.1.0',
    tag: 'penguin-classifier@v0.1.0',
    commit: 'c'.repeat(40),
    runId: '20250520-090000-cccccc',
    createdAt: '2025-05-20T09:05:00.000Z',
    createdBy: 'octo-bot',
    artifacts: [{ path: 'models/model.json', sha256: SHA, size: 2048 }],
    metrics: buildMetrics({ accuracy: 0.96 }),
    params: { seed: 42, 'train.learning_rate': 0.1, 'train.epochs': 200 },
    data: [{ name: 'penguins', path: 'data/penguins.csv', sha256: SHA, rows: 344 }],
    gates: buildGateVerdict(),
    ...overrides,
  })
}

/** A parsed mlops.yml (defaults applied) from the smallest valid input plus overrides. */
export function buildSpec(overrides: Partial<SpecInput> = {}): Spec {
  return SpecSchema.parse({
    version: 1,
    model: { name: 'penguin-classifier', artifacts: ['models/model.json'] },
    stages: { train: { run: 'python3 src/train.py', metrics: ['reports/metrics.json'] } },
    ...overrides,
  })
}

function round(n: number): number {
  return Math.round(n * 1e4) / 1e4
}

/** A workflow run context (GitHub front end); a same-repository pull request by default. */
export function buildRunContext(overrides: Partial<RunContext> = {}): RunContext {
  return {
    eventName: 'pull_request',
    event: { pull_request: { number: 1, head: { sha: 'a'.repeat(40), ref: 'x', repo: { full_name: 'octo/penguins' } }, base: { ref: 'main', repo: { full_name: 'octo/penguins' } }, labels: [] } },
    owner: 'octo',
    repo: 'penguins',
    sha: 'b'.repeat(40),
    ref: 'refs/pull/1/merge',
    runId: 1,
    runAttempt: 1,
    actor: 'octocat',
    apiUrl: 'https://api.github.com',
    serverUrl: 'https://github.com',
    workspace: '/w',
    runUrl: 'https://github.com/octo/penguins/actions/runs/1',
    ...overrides,
  }
}
