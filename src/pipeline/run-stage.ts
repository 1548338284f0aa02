import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Stage } from '../spec/schema.js'
import { hashPaths, hashText } from './hash-files.js'
import { paramEnvName, selectParams } from './params.js'
import { runCommand } from './process-runner.js'
import { stageProducts } from './stage-products.js'
import type { FileHashes, Params, StageRecord } from './run-record.js'
import type { StageState } from './stage-state.js'

// One stage: hash what it reads, skip it when nothing changed, otherwise run its command and
// hash what it wrote. Returns the record; never throws for a failing command.

export interface StageContext {
  root: string
  name: string
  stage: Stage
  params: Params
  paramsFile: string
  previous: StageState | undefined
  force: boolean
  runId: string
  baseEnv: NodeJS.ProcessEnv
  onStart: () => void
  onLine: (stream: 'stdout' | 'stderr', line: string) => void
  signal?: AbortSignal
}

export async function runStage(ctx: StageContext): Promise<StageRecord> {
  const { root, name, stage } = ctx
  const base = { name, command: stage.run, hash: '', deps: {}, outs: {}, params: {} }
  const { values: params, missing } = selectParams(ctx.params, stage.params)
  if (missing.length > 0) {
    return { ...base, params, status: 'failed', reason: `params not found in "${ctx.paramsFile}": ${missing.join(', ')}` }
  }
  const deps = await hashPaths(root, stage.deps)
  const absent = Object.entries(deps).filter(([, h]) => h === undefined).map(([p]) => p)
  if (absent.length > 0) {
    return { ...base, params, status: 'failed', reason: `dependency not found: ${absent.join(', ')}` }
  }
  const hash = stageHash(stage, deps as FileHashes, params)

  // Metrics and plot files are products too: a cached stage must not report a file edited or
  // left over since its last run.
  const products = stageProducts(stage)
  if (stage.cache && !ctx.force && ctx.previous?.hash === hash) {
    const hashes = await hashPaths(root, products)
    const unchanged = products.every((p) => hashes[p] === ctx.previous!.outs[p] && (hashes[p] !== undefined || !stage.outs.includes(p)))
    if (unchanged) return { ...base, hash, deps: deps as FileHashes, outs: definedOnly(hashes), params, status: 'cached' }
  }

  // Stages may write outs into folders that do not exist yet in a fresh clone.
  await Promise.all(products.map((o) => mkdir(path.dirname(path.join(root, o)), { recursive: true })))
  ctx.onStart()
  const startedAt = new Date()
  const result = await runCommand({
    command: stage.run,
    cwd: root,
    env: stageEnv(ctx, params),
    timeoutMs: stage['timeout-minutes'] * 60_000,
    onLine: ctx.onLine,
    signal: ctx.signal,
  })
  const finishedAt = new Date()
  const timing = { startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), durationMs: finishedAt.getTime() - startedAt.getTime() }
  const record = { ...base, ...timing, hash, deps: deps as FileHashes, params }

  switch (result.kind) {
    case 'timed-out':
      return { ...record, status: 'timed-out', reason: `timed out after ${stage['timeout-minutes']} minutes; the process tree was killed` }
    case 'aborted':
      return { ...record, status: 'failed', reason: 'cancelled' }
    case 'spawn-failed':
      return { ...record, status: 'failed', reason: `could not start: ${result.message}` }
    case 'signaled':
      return { ...record, status: 'failed', signal: result.signal, reason: `killed by ${result.signal}${result.lastError ? `: ${result.lastError}` : ''}` }
    case 'exited': {
      if (result.exitCode !== 0) {
        return { ...record, status: 'failed', exitCode: result.exitCode, reason: `exit code ${result.exitCode}${result.lastError ? `: ${result.lastError}` : ''}` }
      }
      const outs = await hashPaths(root, products)
      const unwritten = stage.outs.filter((o) => outs[o] === undefined)
      if (unwritten.length > 0) {
        return { ...record, status: 'failed', exitCode: 0, outs: definedOnly(outs), reason: `exited 0 but did not write: ${unwritten.join(', ')}` }
      }
      return { ...record, status: 'succeeded', exitCode: 0, outs: definedOnly(outs) }
    }
  }
}

/** Changes to any of these make a cached result stale. */
function stageHash(stage: Stage, deps: FileHashes, params: Params): string {
  return hashText(stage.run, JSON.stringify(sorted(deps)), JSON.stringify(sorted(params)), JSON.stringify(sorted(stage.env)), JSON.stringify([...stage.outs].sort()))
}

function stageEnv(ctx: StageContext, params: Params): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...ctx.baseEnv, ...ctx.stage.env, MLOPS_STAGE: ctx.name, MLOPS_RUN_ID: ctx.runId, MLOPS_PARAMS_FILE: ctx.paramsFile }
  for (const [key, value] of Object.entries(params)) env[paramEnvName(key)] = value === null ? '' : String(value)
  return env
}

function sorted<T>(record: Record<string, T>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

function definedOnly(hashes: Record<string, string | undefined>): FileHashes {
  return Object.fromEntries(Object.entries(hashes).filter((e): e is [string, string] => e[1] !== undefined))
}
