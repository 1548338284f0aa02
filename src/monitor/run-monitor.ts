import { type DriftReport } from '../data/drift/compare-profiles.js'
import { driftFromStored } from '../data/drift/drift-settings.js'
import type { ScanProgress } from '../data/scan/progress.js'
import { validateData } from '../data/validate-data.js'
import { evaluatePredictions } from '../metrics/evaluation/evaluate-predictions.js'
import { computedMetrics } from '../metrics/computed-metrics.js'
import type { Evaluation } from '../metrics/evaluation/evaluation-result.js'
import { metricGates, sliceGates } from '../metrics/evaluation/slice-gates.js'
import { evaluateGates } from '../metrics/gates.js'
import { readMetrics } from '../metrics/read-metrics.js'
import type { GateResult, Metrics } from '../metrics/result.js'
import type { Manifest } from '../registry/manifest.js'
import type { Spec } from '../spec/schema.js'

// The monitoring check, knowing nothing of GitHub: new data against the profile stored with
// the production version (drift from the two profiles alone), and labelled production
// predictions against the version's gates and the metrics its release recorded. A scheduled
// workflow and `mlops monitor` both run it.

export interface MonitorOptions {
  root: string
  spec: Spec
  /** The version in production and a reader of the profiles stored with it. */
  production: Manifest
  readProfile: (data: string) => Promise<unknown>
  /** Data files to check instead of the spec's paths, by data name; only these are checked when given. */
  paths?: Record<string, string>
  /** A labelled predictions file (relative to root) to evaluate with the spec's evaluation settings. */
  predictions?: string
  /** Or a metrics file (JSON, YAML, CSV, TSV) a user's scoring job wrote from production data. */
  metricsFile?: string
  threads?: number
  onProgress?: (data: string) => (progress: ScanProgress) => void
}

export interface DatasetCheck {
  name: string
  path: string
  rows: number
  drift?: DriftReport
  /** Why there is no drift: the version stored no profile, or it could not be read. */
  skipped?: string
}

export interface MonitorResult {
  model: string
  version: string
  datasets: DatasetCheck[]
  performance?: { file: string; evaluation?: Evaluation; metrics: Metrics; gates: GateResult[] }
  /** Located problems reading the inputs: they make the check fail, like drift. */
  problems: string[]
  drifted: boolean
  degraded: boolean
}

export async function runMonitor(options: MonitorOptions): Promise<MonitorResult> {
  const { spec, production, root } = options
  const names = options.paths ? Object.keys(options.paths) : Object.keys(spec.data)
  const datasets: DatasetCheck[] = []
  const problems: string[] = []
  for (const name of names) {
    const entry = { ...spec.data[name]!, ...(options.paths?.[name] ? { path: options.paths[name] } : {}) }
    const { result, profile } = await validateData(root, name, entry, { threads: options.threads, onProgress: options.onProgress?.(name) })
    const check: DatasetCheck = { name, path: entry.path, rows: result.rows }
    datasets.push(check)
    if (!profile) {
      problems.push(`${entry.path}: cannot be profiled: ${result.checks.find((c) => !c.passed)?.message ?? 'unreadable'}`)
      continue
    }
    let stored: unknown
    try {
      stored = await options.readProfile(name)
    } catch (error) {
      check.skipped = `cannot read the profile of v${production.version}: ${(error as Error).message}`
      continue
    }
    if (stored === undefined) {
      check.skipped = `v${production.version} has no stored profile of "${name}"`
      continue
    }
    try {
      check.drift = driftFromStored(entry, stored, profile)
    } catch (error) {
      check.skipped = `the profile of v${production.version} is unreadable: ${(error as Error).message}`
    }
  }
  const performance =
    options.predictions !== undefined ? await checkPredictions(options, options.predictions, problems) : options.metricsFile !== undefined ? await checkMetricsFile(options, options.metricsFile, problems) : undefined
  return {
    model: spec.model.name,
    version: production.version,
    datasets,
    ...(performance ? { performance } : {}),
    problems,
    drifted: datasets.some((d) => d.drift?.drifted),
    degraded: performance?.gates.some((g) => g.status === 'fail') ?? false,
  }
}

/**
 * Production predictions with labels, or the metrics file of a user's scoring job, gated as a
 * pull request is: floors (min/max) and the change from the metrics the version's release
 * recorded (max_drop/max_rise), per slice too for predictions. Gates on metrics the file does
 * not give (a training stage's, the staging check's) are left out.
 */
async function checkPredictions(options: MonitorOptions, file: string, problems: string[]): Promise<Performance> {
  const { spec, production, root } = options
  const { evaluation, errors } = await evaluatePredictions(root, { ...spec.evaluation!, predictions: file })
  problems.push(...errors)
  const metrics = evaluation ? computedMetrics(evaluation.overall, evaluation.file, spec.metrics) : {}
  return { file, ...(evaluation ? { evaluation } : {}), metrics, gates: [...metricFloors(options, metrics, file), ...sliceGates(spec, evaluation, production)] }
}

async function checkMetricsFile(options: MonitorOptions, file: string, problems: string[]): Promise<Performance> {
  const { metrics, errors } = await readMetrics(options.root, [file], options.spec.metrics)
  problems.push(...errors.map((e) => e.message))
  return { file, metrics, gates: metricFloors(options, metrics, file) }
}

type Performance = NonNullable<MonitorResult['performance']>

/** The spec's metric gates on the metrics this file gave, against what the production version recorded. */
function metricFloors(options: MonitorOptions, metrics: Metrics, file: string): GateResult[] {
  const { spec, production } = options
  const present = Object.fromEntries(Object.entries(metricGates(spec)).filter(([metric]) => Object.hasOwn(metrics, metric)))
  const stage = spec.promote?.stage ?? 'production'
  return evaluateGates(present, metrics, { version: production.version, stage, metrics: production.metrics }, [file], stage).results
}
