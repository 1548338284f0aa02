import { stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { ScanProgress } from '../data/scan/progress.js'
import type { DataResult } from '../data/result.js'
import { driftGates } from '../metrics/drift-gates.js'
import { evaluatePredictions } from '../metrics/evaluation/evaluate-predictions.js'
import { computedMetrics } from '../metrics/computed-metrics.js'
import type { Evaluation } from '../metrics/evaluation/evaluation-result.js'
import { metricGates, sliceGates } from '../metrics/evaluation/slice-gates.js'
import { evaluateGates, withGates } from '../metrics/gates.js'
import { type MetricsReadError, readMetrics } from '../metrics/read-metrics.js'
import { readPlot } from '../metrics/read-plot.js'
import { runStagingCheck } from '../serve/staging-check.js'
import type { Metrics } from '../metrics/result.js'
import type { Manifest } from '../registry/manifest.js'
import type { Select, Spec } from '../spec/schema.js'
import type { ScannedData } from '../data/validate-data.js'
import { type BaselineProfiles, checkDataset } from './check-dataset.js'
import { buildDag, type DagNode, pathsOverlap, stageId } from './dag.js'
import { mergeDirtyFiles } from './dirty-files.js'
import { hashPaths, hashText } from './hash-files.js'
import { DEFAULT_PARAMS_FILE, loadParams } from './params.js'
import { type ArtifactRecord, type GitState, notRunRecord, type PlotSeries, type RunRecord, type StageRecord, type SweepCombo, type SweepRecord } from './run-record.js'
import { runStage, type StageContext } from './run-stage.js'
import { type Combo, describeCombo, matrixCombos, sweptStages } from './job-plan.js'
import { copyProducts, stageProducts } from './stage-products.js'
import { newRunId, writeRunRecord } from './run-store.js'
import { type Outcome, runGraph } from './scheduler.js'
import { readStageState, writeStageState } from './stage-state.js'

// The engine's main job: data checks and stages in DAG order, then metrics, plots, artifacts
// and gates, all into one run record. Knows nothing of GitHub; front ends pass a logger, the
// git state and the baseline manifest.

export interface PipelineLogger {
  stageLine(stage: string, stream: 'stdout' | 'stderr', line: string): void
  info(message: string): void
  data(result: DataResult): void
}

export interface PipelineOptions {
  /** Directory of mlops.yml; all spec paths are relative to it. */
  root: string
  spec: Spec
  specFile: string
  specSha256: string
  git: GitState
  /** Asked after the stages, which may have changed tracked files or written undeclared inputs. */
  dirtyFilesAfterRun?: () => Promise<string[]>
  /** The version currently in the promote stage, for relative gates and deltas. */
  baseline?: Manifest
  /** Profiles stored with the baseline version, for drift. */
  baselineProfiles?: BaselineProfiles
  /** Worker threads for large CSV files (default: one per core). */
  dataThreads?: number
  /** Progress of a long data scan, per dataset. */
  onDataProgress?: (data: string) => (progress: ScanProgress) => void
  force?: boolean
  jobs?: number
  logger: PipelineLogger
  env?: NodeJS.ProcessEnv
  signal?: AbortSignal
  /** Where stages and data scans come from; default: run them here. */
  executor?: PipelineExecutor
}

/**
 * The report job of the reusable workflow takes each stage's record and files, and each
 * dataset's shard scans, from the jobs that made them instead of running them again.
 */
export interface PipelineExecutor {
  /** Leaves the stage's products in the workspace. */
  stage?: (context: StageContext, combo: Combo | undefined) => Promise<StageRecord>
  scanData?: (name: string) => Promise<ScannedData>
}

export interface PipelineResult {
  record: RunRecord
  file: string
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const { root, spec, logger } = options
  const id = newRunId()
  const startedAt = new Date().toISOString()
  const paramsFile = spec.params ?? DEFAULT_PARAMS_FILE
  const params = await loadParams(root, spec.params)
  const state = await readStageState(root)
  const stages = new Map<string, StageRecord>()
  const data: DataResult[] = []
  // Stages finish concurrently: chain the state writes so they never overlap and the last
  // one written holds every stage that has succeeded so far.
  let saving: Promise<void> = Promise.resolve()

  const executor = options.executor ?? {}
  /** `combo`: one combination of a sweep, whose params override the file's and whose cache entry is its own. */
  const execute = (records: Map<string, StageRecord>, combo?: Combo) => async (node: DagNode) => {
    if (node.kind === 'data') {
      const { result, warning } = await checkDataset(root, id, node.name, spec.data[node.name]!, options.baselineProfiles, { threads: options.dataThreads, onProgress: options.onDataProgress?.(node.name), ...(executor.scanData ? { scanned: () => executor.scanData!(node.name) } : {}) })
      data.push(result)
      logger.data(result)
      if (warning) logger.info(`⚠ ${warning}`)
      return { ok: result.passed }
    }
    const stage = spec.stages[node.name]!
    const key = combo ? `${node.name}[${describeCombo(combo.params)}]` : node.name
    const label = combo ? `${node.name} [${describeCombo(combo.params)}]` : node.name
    const context: StageContext = {
      root,
      name: node.name,
      stage,
      params: combo ? { ...params, ...combo.params } : params,
      paramsFile,
      previous: state.stages[key],
      force: options.force ?? false,
      runId: id,
      baseEnv: options.env ?? process.env,
      onStart: () => logger.info(`▶ ${label}: ${stage.run}`),
      onLine: (stream, line) => logger.stageLine(label, stream, line),
      signal: options.signal,
    }
    const record = await (executor.stage ? executor.stage(context, combo) : runStage(context)).catch((error: unknown): StageRecord => {
      // A file-system error before or after the command (e.g. an out under a file): still a record.
      return notRunRecord(node.name, stage.run, 'failed', `could not run: ${(error as Error).message}`)
    })
    records.set(node.name, record)
    logger.info(describeStage(record, label))
    if (record.status === 'succeeded') state.stages[key] = { hash: record.hash, outs: record.outs, finishedAt: record.finishedAt! }
    // Persist after every stage so an interrupted run still caches what finished.
    if (record.status === 'succeeded') await (saving = saving.catch(() => {}).then(() => writeStageState(root, state)))
    return { ok: record.status === 'succeeded' || record.status === 'cached' }
  }

  // A node blocked by a blocked node names the one that actually failed, however far up.
  const failedFirst = new Map<string, string>()
  const block = (records: Map<string, StageRecord>) => (node: DagNode, cause: string) => {
    const origin = failedFirst.get(cause) ?? cause
    failedFirst.set(node.id, origin)
    const reason = `not run: ${describeCause(origin)} failed`
    if (node.kind === 'stage') {
      const stage = spec.stages[node.name]!
      records.set(node.name, notRunRecord(node.name, stage.run, 'blocked', reason))
      logger.info(`○ ${node.name}: ${reason}`)
    }
  }

  const nodes = buildDag(spec)
  const sweep = sweepOf(spec)
  const swept = new Set(sweep?.stages.map(stageId))
  const jobs = options.jobs ?? os.availableParallelism()
  const outcome = await runGraph(new Map([...nodes].filter(([nodeId]) => !swept.has(nodeId))), jobs, { execute: execute(stages), block: block(stages) })
  let sweepRecord: SweepRecord | undefined
  if (sweep) {
    // The combinations share the workspace, so they run one after another, each leaving its
    // files in its own stash; the winner's are put back for the rest of the run.
    const sweptNodes = new Map([...nodes].filter(([nodeId]) => swept.has(nodeId)))
    const mainRecords = Object.keys(spec.stages).flatMap((name) => stages.get(name) ?? [])
    const runs: { combo: Combo; records: Map<string, StageRecord>; outcome: Map<string, Outcome> }[] = []
    const combos: SweepCombo[] = []
    for (const combo of sweep.combos) {
      const records = new Map<string, StageRecord>()
      await copyProducts(sweepStash(root, sweep, combo), root, sweep.products)
      logger.info(`▶ ${sweep.stage} combination ${combo.index} of ${sweep.combos.length}: ${describeCombo(combo.params)}`)
      runs.push({ combo, records, outcome: await runGraph(sweptNodes, jobs, { execute: execute(records, combo), block: block(records) }, outcome) })
      // Scored while its files are in the workspace, before they go to the stash.
      const failed = sweep.stages.map((name) => records.get(name)!).find((r) => r.status !== 'succeeded' && r.status !== 'cached')
      if (failed) {
        combos.push({ index: combo.index, params: combo.params, status: 'failed', reason: `${failed.name}: ${failed.reason ?? failed.status}`, metrics: {} })
      } else {
        const { metrics } = await readRunMetrics(root, spec, [...mainRecords, ...records.values()], [])
        combos.push({ index: combo.index, params: combo.params, status: 'succeeded', metrics: Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, m.value])) })
      }
      await copyProducts(root, sweepStash(root, sweep, combo), sweep.products)
    }
    const winner = pickWinner(combos, sweep.select)
    const chosen = runs.find((r) => r.combo.index === (winner ?? 1))!
    await copyProducts(sweepStash(root, sweep, chosen.combo), root, sweep.products)
    for (const [name, record] of chosen.records) stages.set(name, record)
    for (const [nodeId, result] of chosen.outcome) outcome.set(nodeId, result)
    Object.assign(params, chosen.combo.params)
    sweepRecord = { stage: sweep.stage, stages: sweep.stages, metric: sweep.select.metric, goal: sweep.select.goal, ...(winner ? { winner } : {}), combos }
    logger.info(winner ? `✓ ${sweep.stage}: combination ${winner} wins on ${sweep.select.metric} (${describeCombo(chosen.combo.params)})` : `✗ ${sweep.stage}: no combination produced ${sweep.select.metric}`)
  }

  const ordered = Object.keys(spec.stages).map((name) => stages.get(name)!).filter(Boolean)
  const { metrics: evaluated, evaluation, metricErrors, readFiles, usable } = await readRunMetrics(root, spec, ordered, [])
  if (sweepRecord && sweepRecord.winner === undefined) metricErrors.push({ file: options.specFile, message: `the sweep of stage "${sweepRecord.stage}" has no winner: no combination succeeded with a value of ${sweepRecord.metric}` })
  // A missing or unreadable metrics file, or one metric defined twice, makes every verdict
  // built on the metrics doubtful: the run fails rather than pass on the wrong number.
  const metricsFailed = metricErrors.length > 0
  const plots = await collectPlots(root, spec, usable, metricErrors)
  const artifacts = await hashArtifacts(root, spec.model.artifacts)
  const served = await stagingCheck(options, ordered, artifacts, metricErrors)
  const metrics = served ? withComputedMetrics(served, 'the staging check', evaluated, metricErrors) : evaluated
  const baseline = options.baseline && spec.promote ? { version: options.baseline.version, stage: spec.promote.stage, metrics: options.baseline.metrics } : undefined
  const sliced = sliceGates(spec, evaluation, options.baseline)
  const gates = withGates(evaluateGates(metricGates(spec), metrics, baseline, readFiles, spec.promote?.stage), [...driftGates(spec.data, data), ...sliced])
  // From the graph's outcome, so a node whose execution threw also fails the run.
  // A model with a file missing must never look complete, even when every stage succeeded.
  const missingArtifacts = spec.model.artifacts.filter((p) => !artifacts.some((a) => a.path === p))
  for (const p of missingArtifacts) metricErrors.push({ file: p, message: `model artifact "${p}" does not exist after the run, or is not a file` })
  const failed = [...outcome.values()].some((o) => o !== 'ok') || missingArtifacts.length > 0 || metricsFailed

  const record: RunRecord = {
    schema: 1,
    id,
    model: { name: spec.model.name, description: spec.model.description },
    spec: { path: options.specFile, sha256: options.specSha256 },
    git: mergeDirtyFiles(options.git, (await options.dirtyFilesAfterRun?.()) ?? []),
    startedAt,
    finishedAt: new Date().toISOString(),
    status: failed ? 'failed' : 'succeeded',
    params,
    stages: ordered,
    data: Object.keys(spec.data).map((name) => data.find((d) => d.name === name)).filter((d): d is DataResult => d !== undefined),
    metrics,
    metricErrors,
    ...(evaluation ? { evaluation } : {}),
    ...(sweepRecord ? { sweep: sweepRecord } : {}),
    gates,
    plots,
    artifacts,
  }
  const file = await writeRunRecord(root, record)
  return { record, file }
}

/** Metrics of the stages that succeeded (or are cached): their metrics files, then the engine's evaluation. */
async function readRunMetrics(root: string, spec: Spec, ordered: StageRecord[], metricErrors: MetricsReadError[]) {
  const usable = ordered.filter((s) => s.status === 'succeeded' || s.status === 'cached').map((s) => s.name)
  const metricFiles = usable.flatMap((name) => spec.stages[name]!.metrics)
  const { metrics: fileMetrics, errors } = await readMetrics(root, metricFiles, spec.metrics)
  metricErrors.push(...errors)
  const evaluation = await evaluate(root, spec, ordered, metricErrors)
  const metrics = evaluation ? withComputedMetrics(computedMetrics(evaluation.overall, evaluation.file, spec.metrics), `the evaluation of ${evaluation.file}`, fileMetrics, metricErrors) : fileMetrics
  return { metrics, evaluation, metricErrors, usable, readFiles: evaluation ? [evaluation.file, ...metricFiles] : metricFiles }
}

interface Sweep {
  stage: string
  stages: string[]
  combos: Combo[]
  select: Select
  /** Every file the swept stages leave behind. */
  products: string[]
}

function sweepOf(spec: Spec): Sweep | undefined {
  const stage = Object.keys(spec.stages).find((name) => spec.stages[name]!.matrix)
  if (!stage) return undefined
  const { matrix, select } = spec.stages[stage]!
  const stages = sweptStages(spec, stage)
  return { stage, stages, combos: matrixCombos(matrix!), select: select!, products: stages.flatMap((name) => stageProducts(spec.stages[name]!)) }
}

/** Each combination's files between its turn and the end of the run; kept across runs, so an unchanged combination stays cached. */
function sweepStash(root: string, sweep: Sweep, combo: Combo): string {
  return path.join(root, '.mlops', 'sweep', sweep.stage, hashText(JSON.stringify(Object.entries(combo.params))).slice(0, 16))
}

/** The best value of the select metric among the combinations that succeeded; ties go to the earlier one. */
export function pickWinner(combos: readonly SweepCombo[], select: Select): number | undefined {
  let best: SweepCombo | undefined
  for (const combo of combos) {
    const value = combo.metrics[select.metric]
    if (combo.status !== 'succeeded' || value === undefined || !Number.isFinite(value)) continue
    const bestValue = best?.metrics[select.metric]
    if (best === undefined || (select.goal === 'max' ? value > bestValue! : value < bestValue!)) best = combo
  }
  return best?.index
}

/**
 * The engine's evaluation of the predictions file, when every stage that writes it has
 * succeeded in this run (or is cached): a file left from an earlier run would grade the wrong model.
 */
async function evaluate(root: string, spec: Spec, stages: StageRecord[], errors: MetricsReadError[]): Promise<Evaluation | undefined> {
  const settings = spec.evaluation
  if (!settings) return undefined
  const writers = stages.filter((s) => spec.stages[s.name]!.outs.some((out) => pathsOverlap(out, settings.predictions)))
  const notRun = writers.find((s) => s.status !== 'succeeded' && s.status !== 'cached')
  if (notRun) {
    errors.push({ file: settings.predictions, message: `${settings.predictions} not evaluated: stage "${notRun.name}", which writes it, ${notRun.status === 'blocked' ? 'did not run' : notRun.status}` })
    return undefined
  }
  const { evaluation, errors: problems } = await evaluatePredictions(root, settings)
  for (const message of problems) errors.push({ file: settings.predictions, message })
  return evaluation
}

/** Metrics mlops computed itself first; a metrics file defining one of them again is reported, as two files would be. */
function withComputedMetrics(computed: Metrics, source: string, fileMetrics: Metrics, errors: MetricsReadError[]): Metrics {
  const metrics = { ...computed }
  for (const [name, value] of Object.entries(fileMetrics)) {
    if (Object.hasOwn(metrics, name)) errors.push({ file: value.file, message: `metric "${name}" is computed by ${source} and also defined in ${value.file}; keeping the computed value` })
    else metrics[name] = value
  }
  return metrics
}

/**
 * The staging check, once every stage succeeded (or is cached) and the model's files exist:
 * a server of a half-built model measures nothing worth gating.
 */
async function stagingCheck(options: PipelineOptions, stages: StageRecord[], artifacts: ArtifactRecord[], errors: MetricsReadError[]): Promise<Metrics | undefined> {
  const { spec, root, logger } = options
  const serve = spec.serve
  if (!serve) return undefined
  const notReady = stages.find((s) => s.status !== 'succeeded' && s.status !== 'cached')
  const missing = spec.model.artifacts.find((p) => !artifacts.some((a) => a.path === p))
  if (notReady || missing) {
    errors.push({ file: serve.requests, message: `staging check not run: ${notReady ? `stage "${notReady.name}" ${notReady.status}` : `model artifact "${missing}" is missing`}` })
    return undefined
  }
  logger.info(`▶ serve: ${serve.run} (${serve.count} requests, ${serve.concurrency} at a time)`)
  const result = await runStagingCheck({ root, serve, env: options.env ?? process.env, onLine: (stream, line) => logger.stageLine('serve', stream, line), ...(options.signal ? { signal: options.signal } : {}) })
  if (!result.ok) {
    logger.info(`✗ serve: ${result.message}`)
    errors.push({ file: serve.requests, message: `staging check: ${result.message}` })
    return undefined
  }
  const m = result.metrics
  const failures = result.failed > 0 ? `, ${result.failed} failed (first: ${result.firstFailure})` : ''
  logger.info(`✓ serve: p50 ${m.latency_p50_ms.toFixed(1)} ms, p95 ${m.latency_p95_ms.toFixed(1)} ms, p99 ${m.latency_p99_ms.toFixed(1)} ms, ${m.throughput_rps.toFixed(0)} requests/s${failures}`)
  return computedMetrics({ ...m }, serve.requests, spec.metrics)
}

function describeCause(id: string): string {
  const [kind, name] = id.split(/:(.*)/s)
  return kind === 'data' ? `data check "${name}"` : `stage "${name}"`
}

function describeStage(record: StageRecord, label = record.name): string {
  const seconds = record.durationMs !== undefined ? ` in ${(record.durationMs / 1000).toFixed(1)}s` : ''
  switch (record.status) {
    case 'succeeded':
      return `✓ ${label}: succeeded${seconds}`
    case 'cached':
      return `✓ ${label}: unchanged, skipped (cached)`
    default:
      return `✗ ${label}: ${record.status}: ${record.reason ?? ''}`
  }
}

async function collectPlots(root: string, spec: Spec, stages: string[], errors: MetricsReadError[]): Promise<PlotSeries[]> {
  const plots: PlotSeries[] = []
  for (const name of stages) {
    for (const plot of spec.stages[name]!.plots) {
      try {
        plots.push(await readPlot(root, name, plot))
      } catch (error) {
        errors.push({ file: plot.file, message: (error as Error).message })
      }
    }
  }
  return plots
}

async function hashArtifacts(root: string, paths: string[]): Promise<ArtifactRecord[]> {
  const hashes = await hashPaths(root, paths)
  const records = await Promise.all(
    paths.map(async (p) => {
      const info = hashes[p] === undefined ? undefined : await stat(path.join(root, p))
      // A version's artifacts are files: releases and the registry store files, not trees.
      return info?.isFile() ? [{ path: p, sha256: hashes[p]!, size: info.size }] : []
    }),
  )
  return records.flat()
}
