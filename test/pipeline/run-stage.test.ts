import { rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { StageRecord } from '../../src/pipeline/run-record.js'
import { runStage, type StageContext } from '../../src/pipeline/run-stage.js'
import { StageSchema, type Stage } from '../../src/spec/schema.js'
import { isAlive, nodeCmd, readText, tempDirs, waitFor, writeFiles } from './helpers.js'

// runStage against a real directory: real hashing, real commands, the state a previous
// success left behind passed in as `previous`.

const dirs = tempDirs()
let root: string

beforeEach(async () => {
  root = await dirs.make('mlops-stage-')
  await writeFiles(root, { 'data/raw.csv': 'x,y\n1,2\n3,4\n' })
})
afterEach(() => dirs.cleanup())

/** Copies data/raw.csv to models/model.json and appends one line to ran.log per run. */
const TRAIN = nodeCmd(`
  const fs = require('fs')
  fs.appendFileSync('ran.log', 'train\\n')
  fs.writeFileSync('models/model.json', JSON.stringify({ data: fs.readFileSync('data/raw.csv', 'utf8') }))
`)

function stage(input: Record<string, unknown>): Stage {
  return StageSchema.parse({ run: TRAIN, deps: ['data/raw.csv'], outs: ['models/model.json'], ...input })
}

function context(s: Stage, overrides: Partial<StageContext> = {}) {
  const lines: string[] = []
  let started = 0
  const ctx: StageContext = {
    root,
    name: 'train',
    stage: s,
    params: { 'train.epochs': 3, 'train.lr': 0.1, seed: 7 },
    paramsFile: 'params.yaml',
    previous: undefined,
    force: false,
    runId: 'run-1',
    baseEnv: process.env,
    onStart: () => void started++,
    onLine: (stream, line) => void lines.push(`${stream}: ${line}`),
    ...overrides,
  }
  return { ctx, lines, started: () => started }
}

const runs = async () => (await readText(root, 'ran.log').catch(() => '')).split('\n').filter(Boolean).length
const previousOf = (record: StageRecord) => ({ hash: record.hash, outs: record.outs, finishedAt: record.finishedAt! })

describe('runStage: running', () => {
  it('runs the command at the root and records hashes, params and timing', async () => {
    const s = stage({ params: ['train'] })
    const { ctx, started } = context(s)
    const record = await runStage(ctx)
    expect(record).toMatchObject({ name: 'train', command: TRAIN, status: 'succeeded', exitCode: 0, params: { 'train.epochs': 3, 'train.lr': 0.1 } })
    expect(record.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(record.deps['data/raw.csv']).toMatch(/^[0-9a-f]{64}$/)
    expect(record.outs['models/model.json']).toMatch(/^[0-9a-f]{64}$/)
    expect(Date.parse(record.finishedAt!) - Date.parse(record.startedAt!)).toBe(record.durationMs)
    expect(started()).toBe(1)
    expect(await runs()).toBe(1)
  })

  it('creates the folders of its outs before running', async () => {
    // models/ does not exist; the command would fail with ENOENT without it.
    await expect(stat(path.join(root, 'models'))).rejects.toThrow()
    expect((await runStage(context(stage({})).ctx)).status).toBe('succeeded')
  })

  it('hashes a directory out', async () => {
    const s = stage({ run: nodeCmd(`const fs = require('fs'); fs.writeFileSync('models/a.bin', 'a'); fs.mkdirSync('models/sub'); fs.writeFileSync('models/sub/b.bin', 'b')`), outs: ['models'] })
    // The out is the folder itself: make sure it exists for the command.
    await writeFiles(root, { 'models/.keep': '' })
    const record = await runStage(context(s).ctx)
    expect(record.status).toBe('succeeded')
    expect(record.outs.models).toMatch(/^dir:[0-9a-f]{64}$/)
  })

  it('streams the output lines to onLine', async () => {
    const s = stage({ run: nodeCmd(`console.log('epoch 1'); console.error('warning: slow'); console.log('epoch 2')`), outs: [] })
    const { ctx, lines } = context(s)
    await runStage(ctx)
    expect(lines.filter((l) => l.startsWith('stdout'))).toEqual(['stdout: epoch 1', 'stdout: epoch 2'])
    expect(lines).toContain('stderr: warning: slow')
  })

  it('passes params, the stage name, the run id, the params file and the stage env', async () => {
    const s = stage({
      run: nodeCmd(`
        const pick = ['MLOPS_STAGE', 'MLOPS_RUN_ID', 'MLOPS_PARAMS_FILE', 'MLOPS_PARAM_TRAIN_EPOCHS', 'MLOPS_PARAM_TRAIN_LR', 'MLOPS_PARAM_SEED', 'MODE', 'WORKERS', 'FROM_BASE']
        require('fs').writeFileSync('env.json', JSON.stringify(Object.fromEntries(pick.map((k) => [k, process.env[k] ?? null]))))
      `),
      outs: ['env.json'],
      params: ['train'],
      env: { MODE: 'fast', WORKERS: 4, FROM_BASE: 'stage wins' },
    })
    const { ctx } = context(s, { name: 'train', runId: '20250101-000000-abcd', paramsFile: 'conf/params.yaml', baseEnv: { ...process.env, FROM_BASE: 'base' } })
    expect((await runStage(ctx)).status).toBe('succeeded')
    expect(JSON.parse(await readText(root, 'env.json'))).toEqual({
      MLOPS_STAGE: 'train',
      MLOPS_RUN_ID: '20250101-000000-abcd',
      MLOPS_PARAMS_FILE: 'conf/params.yaml',
      MLOPS_PARAM_TRAIN_EPOCHS: '3',
      MLOPS_PARAM_TRAIN_LR: '0.1',
      // seed is not declared, so the stage does not see it.
      MLOPS_PARAM_SEED: null,
      MODE: 'fast',
      WORKERS: '4',
      FROM_BASE: 'stage wins',
    })
  })
})

describe('runStage: failures', () => {
  it('fails without running when a declared param is missing', async () => {
    const { ctx, started } = context(stage({ params: ['train.epochs', 'train.batch_size', 'evaluate'] }))
    const record = await runStage(ctx)
    expect(record).toMatchObject({ status: 'failed', reason: 'params not found in "params.yaml": train.batch_size, evaluate' })
    expect(started()).toBe(0)
    expect(await runs()).toBe(0)
  })

  it('fails without running when a dependency is missing', async () => {
    const { ctx, started } = context(stage({ deps: ['data/raw.csv', 'data/missing.csv', 'src/'] }))
    const record = await runStage(ctx)
    expect(record).toMatchObject({ status: 'failed', reason: 'dependency not found: data/missing.csv, src/' })
    expect(started()).toBe(0)
  })

  it('reports a non-zero exit with the code and the last stderr line', async () => {
    const s = stage({ run: nodeCmd(`console.error('loading'); console.error('KeyError: species'); process.exit(3)`) })
    const record = await runStage(context(s).ctx)
    expect(record).toMatchObject({ status: 'failed', exitCode: 3, reason: 'exit code 3: KeyError: species' })
    expect(record.startedAt).toBeDefined()
  })

  it('fails a stage that exits 0 without writing all its outs', async () => {
    const s = stage({ run: nodeCmd(`require('fs').writeFileSync('models/model.json', '{}')`), outs: ['models/model.json', 'models/vocab.txt'] })
    const record = await runStage(context(s).ctx)
    expect(record).toMatchObject({ status: 'failed', exitCode: 0, reason: 'exited 0 but did not write: models/vocab.txt' })
    expect(Object.keys(record.outs)).toEqual(['models/model.json'])
  })

  it.runIf(process.platform !== 'win32')('times out after timeout-minutes and kills the process tree', async () => {
    const s = stage({ run: 'sleep 30 >/dev/null 2>&1 & echo $! > sleeper.pid; wait', outs: [], 'timeout-minutes': 0.005 })
    const began = Date.now()
    const record = await runStage(context(s).ctx)
    expect(Date.now() - began).toBeLessThan(2500)
    expect(record).toMatchObject({ status: 'timed-out', reason: 'timed out after 0.005 minutes; the process tree was killed' })
    const pid = Number(await readText(root, 'sleeper.pid'))
    expect(await waitFor(() => !isAlive(pid))).toBe(true)
  })

  it('records a cancelled stage as failed', async () => {
    const controller = new AbortController()
    const s = stage({ run: 'sleep 5', outs: [] })
    const pending = runStage(context(s, { signal: controller.signal, onStart: () => setTimeout(() => controller.abort(), 50) }).ctx)
    expect(await pending).toMatchObject({ status: 'failed', reason: 'cancelled' })
  })
})

describe('runStage: cache', () => {
  async function firstRun(s: Stage, overrides: Partial<StageContext> = {}) {
    const record = await runStage(context(s, overrides).ctx)
    expect(record.status).toBe('succeeded')
    return previousOf(record)
  }

  it('skips a stage whose hash and outs match the previous success', async () => {
    const s = stage({ params: ['train.epochs'] })
    const previous = await firstRun(s)
    const { ctx, started } = context(s, { previous })
    const record = await runStage(ctx)
    expect(record).toMatchObject({ status: 'cached', hash: previous.hash, outs: previous.outs })
    expect(record.startedAt).toBeUndefined()
    expect(started()).toBe(0)
    expect(await runs()).toBe(1)
  })

  it('reruns when a dep, the command, a declared param or the env changes', async () => {
    const s = stage({ params: ['train.epochs'], env: { MODE: 'a' } })
    const previous = await firstRun(s)
    const rerun = async (changed: Stage, overrides: Partial<StageContext> = {}) => (await runStage(context(changed, { previous, ...overrides }).ctx)).status

    expect(await rerun(s, { params: { 'train.epochs': 4, 'train.lr': 0.1, seed: 7 } })).toBe('succeeded')
    expect(await rerun({ ...s, run: `${TRAIN} # v2` })).toBe('succeeded')
    expect(await rerun({ ...s, env: { MODE: 'b' } })).toBe('succeeded')
    // Undeclared params do not count.
    expect(await rerun(s, { params: { 'train.epochs': 3, 'train.lr': 0.5, seed: 8 } })).toBe('cached')
    await writeFiles(root, { 'data/raw.csv': 'x,y\n1,2\n3,5\n' })
    expect(await rerun(s)).toBe('succeeded')
  })

  it('reruns when an out was deleted or modified since', async () => {
    const s = stage({})
    const previous = await firstRun(s)
    await writeFiles(root, { 'models/model.json': 'tampered' })
    expect((await runStage(context(s, { previous }).ctx)).status).toBe('succeeded')
    // The rerun restored the recorded content, so the same state is cached again.
    expect((await runStage(context(s, { previous }).ctx)).status).toBe('cached')
    await rm(path.join(root, 'models/model.json'))
    expect((await runStage(context(s, { previous }).ctx)).status).toBe('succeeded')
    expect(await runs()).toBe(3)
  })

  it('reruns with force, or when the stage has cache: false', async () => {
    const s = stage({})
    const previous = await firstRun(s)
    expect((await runStage(context(s, { previous, force: true }).ctx)).status).toBe('succeeded')
    expect((await runStage(context({ ...s, cache: false }, { previous }).ctx)).status).toBe('succeeded')
    expect(await runs()).toBe(3)
  })

  it('caches a stage without outs', async () => {
    const s = stage({ run: nodeCmd(`require('fs').appendFileSync('ran.log', 'check\\n')`), outs: [] })
    const previous = await firstRun(s)
    expect((await runStage(context(s, { previous }).ctx)).status).toBe('cached')
  })
})
