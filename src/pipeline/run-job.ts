import path from 'node:path'
import type { DataResult } from '../data/result.js'
import { mergeShardScans, scanShard } from '../data/scan/scan-shard.js'
import { validateData } from '../data/validate-data.js'
import type { Spec } from '../spec/schema.js'
import { describeCombo, type JobPlan, type StageJob, type ValidateJob } from './job-plan.js'
import { readShardScans, readStageResult, restoreStageFiles, writeShardScan, writeStageResult } from './job-results.js'
import { DEFAULT_PARAMS_FILE, loadParams } from './params.js'
import { notRunRecord, type StageRecord } from './run-record.js'
import { runStage } from './run-stage.js'
import { stageProducts } from './stage-products.js'

// One job of the reusable workflow: a shard of a dataset, or one stage (one combination of a
// sweep). It reads what the jobs before it left in `store` and leaves its own results in `out`,
// which the front end uploads.

export interface JobLogger {
  stageLine(stage: string, stream: 'stdout' | 'stderr', line: string): void
  info(message: string): void
  data(result: DataResult): void
}

export async function runValidateJob(root: string, spec: Spec, job: ValidateJob, out: string, logger: JobLogger): Promise<void> {
  const started = Date.now()
  const scan = await scanShard(root, job.data, spec.data[job.data]!, job.shard, job.shards)
  await writeShardScan(out, scan)
  const what = job.shards === 1 ? `"${job.data}"` : `shard ${job.shard + 1} of ${job.shards} of "${job.data}"`
  logger.info(scan.failed ? `✗ ${what}: ${scan.failed}` : `✓ ${what}: ${scan.state?.rows ?? 0} rows${scan.parts ? ` in ${scan.parts.length} part ${scan.parts.length === 1 ? 'file' : 'files'}` : ''} scanned in ${((Date.now() - started) / 1000).toFixed(1)}s; the report job merges the shards and checks them`)
}

export interface StageJobOptions {
  root: string
  spec: Spec
  plan: JobPlan
  job: StageJob
  store: string
  out: string
  env: NodeJS.ProcessEnv
  runId: string
  logger: JobLogger
  signal?: AbortSignal
}

/** Runs the job's stage when its data passed and the stages before it succeeded; returns its record (also written to `out`). */
export async function runStageJob(options: StageJobOptions): Promise<StageRecord> {
  const { root, spec, job, store, out, logger } = options
  const stage = spec.stages[job.stage]!
  const combo = job.combo === undefined ? undefined : options.plan.sweep?.combos.find((c) => c.index === job.combo)
  const label = combo ? `${job.stage} [${describeCombo(combo.params)}]` : job.stage
  const blocked = (reason: string) => notRunRecord(job.stage, stage.run, 'blocked', reason)

  let record: StageRecord | undefined
  const scans = job.data.length > 0 ? await readShardScans(store) : new Map()
  for (const name of job.data) {
    const entry = spec.data[name]!
    const scanned = mergeShardScans(entry, name, entry.shards, scans.get(name) ?? [])
    const { result } = await validateData(root, name, entry, { scanned: async () => scanned })
    logger.data(result)
    if (!result.passed) {
      record = blocked(`not run: data check "${name}" failed`)
      break
    }
  }
  for (const need of record ? [] : job.needs) {
    const before = await readStageResult(path.join(store, need))
    const name = before?.name ?? need
    if (!before || (before.status !== 'succeeded' && before.status !== 'cached')) {
      record = blocked(`not run: stage "${name}" ${before ? before.status : 'left no results'}`)
      break
    }
    await restoreStageFiles(path.join(store, need), root, stageProducts(spec.stages[before.name]!))
  }
  if (!record) {
    const params = await loadParams(root, spec.params)
    record = await runStage({
      root,
      name: job.stage,
      stage,
      params: combo ? { ...params, ...combo.params } : params,
      paramsFile: spec.params ?? DEFAULT_PARAMS_FILE,
      previous: undefined,
      force: true,
      runId: options.runId,
      baseEnv: options.env,
      onStart: () => logger.info(`▶ ${label}: ${stage.run}`),
      onLine: (stream, line) => logger.stageLine(label, stream, line),
      ...(options.signal ? { signal: options.signal } : {}),
    }).catch((error: unknown) => notRunRecord(job.stage, stage.run, 'failed', `could not run: ${(error as Error).message}`))
  }
  logger.info(record.status === 'succeeded' ? `✓ ${label}: succeeded in ${((record.durationMs ?? 0) / 1000).toFixed(1)}s` : `✗ ${label}: ${record.status}: ${record.reason ?? ''}`)
  await writeStageResult(out, root, record, stageProducts(stage))
  if (record.status === 'succeeded') {
    for (const name of job.checks) await writeShardScan(out, await scanShard(root, name, spec.data[name]!, 0, 1))
  }
  return record
}
