import { readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunRecord, StageRecord } from '../../src/pipeline/run-record.js'
import { runPipeline, type PipelineOptions } from '../../src/pipeline/run-pipeline.js'
import { readRunRecord, RunNotFoundError } from '../../src/pipeline/run-store.js'
import { readStageState } from '../../src/pipeline/stage-state.js'
import type { Spec, SpecInput } from '../../src/spec/schema.js'
import { buildManifest, buildMetrics } from '../builders.js'
import { buildSpec, memoryLogger, nodeCmd, pipelineOptions, readText, tempDirs, writeFiles } from './helpers.js'

// The orchestrator end to end on a small project in a temp dir: a CSV, a params file and
// stages that are node scripts writing their outs and metrics.
//
//   data:raw -> prepare -> data:prepared -> train (-> evaluate)      lint (independent)

const dirs = tempDirs()
let root: string

const RAW = 'id,length,species\n1,3.5,adelie\n2,4.1,gentoo\n3,3.9,adelie\n'
const PARAMS = 'prepare:\n  split: 0.5\ntrain:\n  epochs: 3\n  accuracy: 0.9\nunused: 1\n'

const PREPARE = nodeCmd(`
  const fs = require('fs')
  fs.writeFileSync('data/prepared.csv', fs.readFileSync('data/raw.csv', 'utf8'))
`)
const TRAIN = nodeCmd(`
  const fs = require('fs')
  const rows = fs.readFileSync('data/prepared.csv', 'utf8').trim().split('\\n').length - 1
  fs.writeFileSync('models/model.json', JSON.stringify({ rows, epochs: Number(process.env.MLOPS_PARAM_TRAIN_EPOCHS) }))
  fs.writeFileSync('reports/metrics.json', JSON.stringify({ accuracy: Number(process.env.MLOPS_PARAM_TRAIN_ACCURACY), loss: 0.25, widgets: 5 }))
`)
const EVALUATE = nodeCmd(`require('fs').writeFileSync('reports/eval.txt', 'evaluated ' + require('fs').readFileSync('models/model.json', 'utf8'))`)
const LINT = nodeCmd(`require('fs').writeFileSync('reports/lint.txt', 'lint ok: ' + require('fs').readFileSync('src/lint.txt', 'utf8'))`)

function projectSpec(overrides: Partial<SpecInput> = {}): Spec {
  return buildSpec({
    data: {
      raw: { path: 'data/raw.csv', rows: { min: 2 }, columns: { length: { type: 'number' } } },
      prepared: { path: 'data/prepared.csv', columns: { species: { values: ['adelie', 'gentoo'] } } },
    },
    stages: {
      prepare: { run: PREPARE, deps: ['data/raw.csv'], params: ['prepare.split'], outs: ['data/prepared.csv'] },
      train: { run: TRAIN, deps: ['data/prepared.csv'], params: ['train'], outs: ['models/model.json'], metrics: ['reports/metrics.json'] },
      lint: { run: LINT, deps: ['src/lint.txt'], outs: ['reports/lint.txt'] },
    },
    metrics: { widgets: { direction: 'lower' } },
    ...overrides,
  })
}

beforeEach(async () => {
  root = await dirs.make('mlops-run-')
  await writeFiles(root, { 'data/raw.csv': RAW, 'params.yaml': PARAMS, 'src/lint.txt': 'v1\n' })
})
afterEach(() => dirs.cleanup())

async function run(spec: Spec, overrides: Partial<PipelineOptions> = {}) {
  const log = memoryLogger()
  const result = await runPipeline(pipelineOptions(root, spec, { logger: log.logger, ...overrides }))
  return { ...result, log, stage: (name: string) => stageOf(result.record, name), status: statusesOf(result.record) }
}

function stageOf(record: RunRecord, name: string): StageRecord {
  const found = record.stages.find((s) => s.name === name)
  if (!found) throw new Error(`stage ${name} is not in the run record: ${record.stages.map((s) => s.name).join(', ')}`)
  return found
}

const statusesOf = (record: RunRecord) => Object.fromEntries(record.stages.map((s) => [s.name, s.status]))
const time = (iso: string | undefined) => Date.parse(iso!)

describe('runPipeline: a successful run', () => {
  it('runs data checks and stages in DAG order and records everything', async () => {
    const { record, file, stage } = await run(projectSpec())
    expect(record.status).toBe('succeeded')
    expect(statusesOf(record)).toEqual({ prepare: 'succeeded', train: 'succeeded', lint: 'succeeded' })
    // Stages appear in declaration order; train ran after prepare wrote what it reads.
    expect(record.stages.map((s) => s.name)).toEqual(['prepare', 'train', 'lint'])
    expect(time(stage('train').startedAt)).toBeGreaterThanOrEqual(time(stage('prepare').finishedAt))
    expect(record.params).toEqual({ 'prepare.split': 0.5, 'train.epochs': 3, 'train.accuracy': 0.9, unused: 1 })
    expect(stage('train').params).toEqual({ 'train.epochs': 3, 'train.accuracy': 0.9 })
    expect(record.spec).toEqual({ path: 'mlops.yml', sha256: 'f'.repeat(64) })
    expect(file).toBe(path.join(root, '.mlops', 'runs', record.id, 'run.json'))
  })

  it('validates a data file a stage writes after that stage has written it', async () => {
    // data/prepared.csv does not exist before the run: checked any earlier, it would fail.
    await expect(stat(path.join(root, 'data/prepared.csv'))).rejects.toThrow()
    const { record, stage, log } = await run(projectSpec())
    expect(record.data.map((d) => [d.name, d.passed, d.rows])).toEqual([
      ['raw', true, 3],
      ['prepared', true, 3],
    ])
    const prepared = record.data.find((d) => d.name === 'prepared')!
    expect(prepared.sha256).toBe(stage('prepare').outs['data/prepared.csv'])
    expect(log.data.map((d) => d.name)).toEqual(['raw', 'prepared'])
  })

  it('reads the metrics with their directions, hashes the artifacts and passes the gates', async () => {
    const spec = projectSpec({ gates: { accuracy: { min: 0.85 }, loss: { max: 0.3 } } })
    const { record } = await run(spec)
    expect(record.metrics).toEqual({
      accuracy: { value: 0.9, file: 'reports/metrics.json', direction: 'higher' },
      loss: { value: 0.25, file: 'reports/metrics.json', direction: 'lower' },
      // Direction from the spec's metrics section; the name alone says nothing.
      widgets: { value: 5, file: 'reports/metrics.json', direction: 'lower' },
    })
    expect(record.metricErrors).toEqual([])
    expect(record.gates.passed).toBe(true)
    expect(record.gates.results.map((r) => [r.metric, r.rule, r.status])).toEqual([
      ['accuracy', 'min', 'pass'],
      ['loss', 'max', 'pass'],
    ])
    const model = await readFile(path.join(root, 'models/model.json'))
    expect(record.artifacts).toEqual([{ path: 'models/model.json', sha256: record.stages[1]!.outs['models/model.json'], size: model.length }])
    expect(record.artifacts[0]!.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('writes run.json, readable by id and as latest', async () => {
    const first = await run(projectSpec())
    expect(JSON.parse(await readFile(first.file, 'utf8'))).toEqual(JSON.parse(JSON.stringify(first.record)))
    expect((await readRunRecord(root, 'latest')).record).toEqual(first.record)
    const second = await run(projectSpec())
    expect(second.record.id).not.toBe(first.record.id)
    expect((await readRunRecord(root)).record.id).toBe(second.record.id)
    expect((await readRunRecord(root, first.record.id)).record).toEqual(first.record)
    expect((await readRunRecord(root, path.relative(root, first.file))).record.id).toBe(first.record.id)
    await expect(readRunRecord(root, 'no-such-run')).rejects.toBeInstanceOf(RunNotFoundError)
  })

  it('orders stages by needs as well as by files', async () => {
    const spec = projectSpec({
      model: { name: 'test-model', artifacts: ['reports/report.txt'] },
      data: {},
      stages: {
        report: { run: nodeCmd(`require('fs').writeFileSync('reports/report.txt', 'x')`), needs: ['lint'], outs: ['reports/report.txt'] },
        lint: { run: `${nodeCmd('setTimeout(() => {}, 150)')} && ${LINT}`, deps: ['src/lint.txt'], outs: ['reports/lint.txt'] },
      },
    })
    const { stage, record } = await run(spec, { jobs: 4 })
    expect(record.status).toBe('succeeded')
    expect(time(stage('report').startedAt)).toBeGreaterThanOrEqual(time(stage('lint').finishedAt))
  })
})

describe('runPipeline: concurrency', () => {
  const sleeper = (name: string) => ({ run: nodeCmd(`setTimeout(() => require('fs').writeFileSync('${name}.done', ''), 500)`), outs: [`${name}.done`] })
  const spec = () => projectSpec({ data: {}, stages: { a: sleeper('a'), b: sleeper('b') } })
  const span = (record: RunRecord) => Math.max(...record.stages.map((s) => time(s.finishedAt))) - Math.min(...record.stages.map((s) => time(s.startedAt)))

  it('runs independent stages at the same time with jobs 2', async () => {
    const { record } = await run(spec(), { jobs: 2 })
    expect(statusesOf(record)).toEqual({ a: 'succeeded', b: 'succeeded' })
    for (const s of record.stages) expect(s.durationMs).toBeGreaterThanOrEqual(500)
    expect(span(record)).toBeLessThan(900)
  })

  it('runs them one after the other with jobs 1', async () => {
    const { record, stage } = await run(spec(), { jobs: 1 })
    expect(time(stage('b').startedAt)).toBeGreaterThanOrEqual(time(stage('a').finishedAt))
    expect(span(record)).toBeGreaterThanOrEqual(1000)
  })

  it('keeps the stage state of every stage that finished at the same time', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `s${i}`)
    const quick = (name: string) => ({ run: nodeCmd(`require('fs').writeFileSync('${name}.out', '${name}')`), outs: [`${name}.out`] })
    const many = projectSpec({ model: { name: 'test-model', artifacts: ['s0.out'] }, data: {}, stages: Object.fromEntries(names.map((n) => [n, quick(n)])) })
    const first = await run(many, { jobs: 8 })
    expect(first.record.status).toBe('succeeded')
    expect(Object.keys((await readStageState(root)).stages).sort()).toEqual(names)
    const second = await run(many, { jobs: 8 })
    expect(Object.values(second.status)).toEqual(names.map(() => 'cached'))
  })
})

describe('runPipeline: failures', () => {
  it('blocks the dependents of a failing stage and runs the unrelated ones', async () => {
    const spec = projectSpec({
      stages: {
        prepare: { run: nodeCmd(`console.error('cannot parse raw.csv'); process.exit(2)`), deps: ['data/raw.csv'], outs: ['data/prepared.csv'] },
        train: { run: TRAIN, deps: ['data/prepared.csv'], params: ['train'], outs: ['models/model.json'], metrics: ['reports/metrics.json'] },
        evaluate: { run: EVALUATE, deps: ['models/model.json'], outs: ['reports/eval.txt'] },
        lint: { run: LINT, deps: ['src/lint.txt'], outs: ['reports/lint.txt'] },
      },
      gates: { accuracy: { min: 0.5 } },
    })
    const { record, stage, log } = await run(spec)
    expect(record.status).toBe('failed')
    expect(statusesOf(record)).toEqual({ prepare: 'failed', train: 'blocked', evaluate: 'blocked', lint: 'succeeded' })
    expect(stage('prepare')).toMatchObject({ exitCode: 2, reason: 'exit code 2: cannot parse raw.csv' })
    expect(stage('train').reason).toBe('not run: stage "prepare" failed')
    // Blocked two steps down: the reason still names the stage that failed.
    expect(stage('evaluate').reason).toBe('not run: stage "prepare" failed')
    // The data check of the file prepare should have written did not run either.
    expect(record.data.map((d) => d.name)).toEqual(['raw'])
    expect(record.metrics).toEqual({})
    expect(record.gates.passed).toBe(false)
    expect(record.gates.results[0]!.message).toMatch(/metric "accuracy" was not produced/)
    expect(log.info).toContain('○ train: not run: stage "prepare" failed')
  })

  it('marks a stage that runs past timeout-minutes as timed-out', async () => {
    const spec = projectSpec({
      stages: {
        slow: { run: nodeCmd('setTimeout(() => {}, 5000)'), 'timeout-minutes': 0.005, outs: ['reports/slow.txt'] },
        after: { run: 'echo never', needs: ['slow'] },
        lint: { run: LINT, deps: ['src/lint.txt'], outs: ['reports/lint.txt'] },
      },
    })
    const began = Date.now()
    const { record, stage } = await run(spec)
    expect(Date.now() - began).toBeLessThan(2500)
    expect(record.status).toBe('failed')
    expect(statusesOf(record)).toEqual({ slow: 'timed-out', after: 'blocked', lint: 'succeeded' })
    expect(stage('slow').reason).toBe('timed out after 0.005 minutes; the process tree was killed')
    expect(stage('after').reason).toBe('not run: stage "slow" failed')
  })

  it('fails a stage that exits 0 without writing its out, and blocks what reads it', async () => {
    const spec = projectSpec({
      stages: {
        prepare: { run: 'echo forgot to write', deps: ['data/raw.csv'], outs: ['data/prepared.csv'] },
        train: { run: TRAIN, deps: ['data/prepared.csv'], params: ['train'], outs: ['models/model.json'] },
      },
    })
    const { record, stage } = await run(spec)
    expect(stage('prepare')).toMatchObject({ status: 'failed', exitCode: 0, reason: 'exited 0 but did not write: data/prepared.csv' })
    expect(stage('train').status).toBe('blocked')
    expect(record.status).toBe('failed')
  })

  it('fails a run whose stages all succeed but a declared model artifact is missing', async () => {
    const spec = projectSpec({
      model: { name: 'test-model', artifacts: ['models/model.json', 'models/vocab.txt'] },
    })
    const { record, stage } = await run(spec)
    expect(stage('train').status).toBe('succeeded')
    expect(record.artifacts.map((a) => a.path)).toEqual(['models/model.json'])
    expect(record.metricErrors).toContainEqual({ file: 'models/vocab.txt', message: 'model artifact "models/vocab.txt" does not exist after the run, or is not a file' })
    expect(record.status).toBe('failed')
  })

  it('fails a run whose metrics define the same metric twice', async () => {
    const spec = projectSpec({
      stages: {
        prepare: { run: PREPARE, deps: ['data/raw.csv'], params: ['prepare.split'], outs: ['data/prepared.csv'] },
        train: { run: TRAIN, deps: ['data/prepared.csv'], params: ['train'], outs: ['models/model.json'], metrics: ['reports/metrics.json'] },
        again: { run: nodeCmd(`require('fs').writeFileSync('reports/again.json', JSON.stringify({ accuracy: 0.5 }))`), needs: ['train'], metrics: ['reports/again.json'] },
      },
    })
    const { record } = await run(spec)
    expect(statusesOf(record)).toEqual({ prepare: 'succeeded', train: 'succeeded', again: 'succeeded' })
    expect(record.metricErrors.map((e) => e.message).join('\n')).toMatch(/accuracy/)
    expect(record.status).toBe('failed')
  })

  it('records a stage that could not be prepared (its out lies under a file) as failed', async () => {
    await writeFiles(root, { blocker: 'a file, not a folder\n' })
    const spec = projectSpec({
      data: {},
      stages: {
        // "blocker" is a file, so the folder of "blocker/out.json" cannot be created.
        broken: { run: 'echo hi', outs: ['blocker/out.json'] },
        lint: { run: LINT, deps: ['src/lint.txt'], outs: ['reports/lint.txt'] },
      },
    })
    const { record, stage } = await run(spec)
    expect(record.status).toBe('failed')
    expect(stage('broken').status).toBe('failed')
    expect(stage('broken').reason).toMatch(/ENOTDIR|EEXIST/)
    expect(stage('lint').status).toBe('succeeded')
  })

  it('blocks only the stages that read a data file whose checks fail, and records the result', async () => {
    const spec = projectSpec()
    spec.data.raw!.rows = { min: 100 }
    const { record, stage } = await run(spec)
    expect(record.status).toBe('failed')
    expect(statusesOf(record)).toEqual({ prepare: 'blocked', train: 'blocked', lint: 'succeeded' })
    expect(stage('prepare').reason).toBe('not run: data check "raw" failed')
    expect(stage('train').reason).toBe('not run: data check "raw" failed')
    expect(record.data).toHaveLength(1)
    expect(record.data[0]).toMatchObject({ name: 'raw', passed: false, rows: 3 })
    expect(record.data[0]!.checks.find((c) => c.check === 'rows')).toMatchObject({ passed: false })
  })

  it('blocks the readers of a stage-written data file that fails its checks', async () => {
    const spec = projectSpec()
    spec.stages.prepare!.run = nodeCmd(`require('fs').writeFileSync('data/prepared.csv', 'id,length,species\\n1,3.5,emperor\\n')`)
    const { record, stage } = await run(spec)
    expect(statusesOf(record)).toEqual({ prepare: 'succeeded', train: 'blocked', lint: 'succeeded' })
    expect(stage('train').reason).toBe('not run: data check "prepared" failed')
    expect(record.data.map((d) => [d.name, d.passed])).toEqual([
      ['raw', true],
      ['prepared', false],
    ])
    expect(record.status).toBe('failed')
  })

  it('cancels the running stage on abort and starts no other command', async () => {
    const controller = new AbortController()
    const spec = projectSpec({
      data: {},
      stages: {
        long: { run: nodeCmd('setTimeout(() => {}, 5000)') },
        next: { run: nodeCmd(`require('fs').writeFileSync('next.txt', 'ran')`), outs: ['next.txt'] },
      },
    })
    const log = memoryLogger()
    const logger = {
      ...log.logger,
      info(message: string) {
        log.logger.info(message)
        // Cancel shortly after the first command started, as Ctrl-C would.
        if (message.startsWith('▶ long')) setTimeout(() => controller.abort(), 50)
      },
    }
    const began = Date.now()
    const { record } = await runPipeline(pipelineOptions(root, spec, { jobs: 1, logger, signal: controller.signal }))
    expect(Date.now() - began).toBeLessThan(2500)
    expect(record.stages.map((s) => [s.name, s.status, s.reason])).toEqual([
      ['long', 'failed', 'cancelled'],
      ['next', 'failed', 'cancelled'],
    ])
    await expect(stat(path.join(root, 'next.txt'))).rejects.toThrow()
    expect(record.status).toBe('failed')
  })

  it('fails a stage whose declared param is missing', async () => {
    const spec = projectSpec()
    spec.stages.train!.params = ['train.batch_size']
    const { stage, record } = await run(spec)
    expect(stage('train')).toMatchObject({ status: 'failed', reason: 'params not found in "params.yaml": train.batch_size' })
    expect(record.status).toBe('failed')
  })

  it('throws on a params file that is not valid YAML, before running anything', async () => {
    await writeFiles(root, { 'params.yaml': 'train: [1\n' })
    await expect(run(projectSpec())).rejects.toThrow(/params file "params\.yaml" is not valid YAML/)
    await expect(stat(path.join(root, 'reports'))).rejects.toThrow()
  })
})

describe('runPipeline: cache', () => {
  it('skips every stage on a second run with nothing changed', async () => {
    await run(projectSpec())
    const { record, log } = await run(projectSpec())
    expect(statusesOf(record)).toEqual({ prepare: 'cached', train: 'cached', lint: 'cached' })
    expect(record.status).toBe('succeeded')
    // Cached stages still contribute their metrics, and data is checked every run.
    expect(record.metrics.accuracy?.value).toBe(0.9)
    expect(record.data).toHaveLength(2)
    expect(log.lines).toEqual([])
    expect(log.info).toContain('✓ lint: unchanged, skipped (cached)')
  })

  it('reruns a stage whose dep changed and its dependents, not the others', async () => {
    await run(projectSpec())
    await writeFiles(root, { 'data/raw.csv': `${RAW}4,4.4,gentoo\n` })
    const { record } = await run(projectSpec())
    expect(statusesOf(record)).toEqual({ prepare: 'succeeded', train: 'succeeded', lint: 'cached' })
    expect(JSON.parse(await readText(root, 'models/model.json')).rows).toBe(4)
  })

  it('reruns only the stage that declares a changed param; an undeclared param changes nothing', async () => {
    await run(projectSpec())
    await writeFiles(root, { 'params.yaml': PARAMS.replace('epochs: 3', 'epochs: 5') })
    const changed = await run(projectSpec())
    expect(statusesOf(changed.record)).toEqual({ prepare: 'cached', train: 'succeeded', lint: 'cached' })
    expect(JSON.parse(await readText(root, 'models/model.json')).epochs).toBe(5)

    await writeFiles(root, { 'params.yaml': PARAMS.replace('epochs: 3', 'epochs: 5').replace('unused: 1', 'unused: 2') })
    const undeclared = await run(projectSpec())
    expect(statusesOf(undeclared.record)).toEqual({ prepare: 'cached', train: 'cached', lint: 'cached' })
    expect(undeclared.record.params.unused).toBe(2)
  })

  it('reruns a stage whose out was deleted or modified', async () => {
    await run(projectSpec())
    await rm(path.join(root, 'reports/lint.txt'))
    const deleted = await run(projectSpec())
    expect(statusesOf(deleted.record)).toEqual({ prepare: 'cached', train: 'cached', lint: 'succeeded' })
    await expect(readText(root, 'reports/lint.txt')).resolves.toBe('lint ok: v1\n')

    await writeFiles(root, { 'models/model.json': '{"hand": "edited"}' })
    const modified = await run(projectSpec())
    expect(statusesOf(modified.record)).toEqual({ prepare: 'cached', train: 'succeeded', lint: 'cached' })
  })

  it('reruns a stage whose metrics file was edited, so a hand-edited metric cannot pass a gate', async () => {
    const spec = projectSpec({ gates: { accuracy: { min: 0.85 } } })
    await run(spec)
    await writeFiles(root, { 'reports/metrics.json': JSON.stringify({ accuracy: 0.99, loss: 0.01, widgets: 1 }) })
    const edited = await run(spec)
    expect(statusesOf(edited.record)).toEqual({ prepare: 'cached', train: 'succeeded', lint: 'cached' })
    expect(edited.record.metrics.accuracy!.value).toBe(0.9)
  })

  it('reruns everything with force', async () => {
    await run(projectSpec())
    const { record } = await run(projectSpec(), { force: true })
    expect(statusesOf(record)).toEqual({ prepare: 'succeeded', train: 'succeeded', lint: 'succeeded' })
  })

  it('does not cache a failure: the stage reruns once fixed, and then is cached', async () => {
    const spec = projectSpec()
    await writeFiles(root, { 'src/lint.txt': 'v2\n' })
    spec.stages.lint!.run = `${LINT} && exit 1`
    expect((await run(spec)).status.lint).toBe('failed')
    expect((await run(spec)).status.lint).toBe('failed')
    const fixed = projectSpec()
    expect((await run(fixed)).status.lint).toBe('succeeded')
    expect((await run(fixed)).status.lint).toBe('cached')
  })
})

describe('runPipeline: environment', () => {
  it('passes params, the params file, the stage name and the stage env to the command', async () => {
    await writeFiles(root, { 'conf/params.yaml': PARAMS })
    const spec = projectSpec({
      params: 'conf/params.yaml',
      model: { name: 'test-model', artifacts: ['env.json'] },
      data: {},
      stages: {
        show: {
          run: nodeCmd(`
            const keys = ['MLOPS_PARAM_TRAIN_EPOCHS', 'MLOPS_PARAM_TRAIN_ACCURACY', 'MLOPS_PARAM_UNUSED', 'MLOPS_PARAMS_FILE', 'MLOPS_STAGE', 'MLOPS_RUN_ID', 'MODE', 'FROM_CALLER']
            require('fs').writeFileSync('env.json', JSON.stringify(Object.fromEntries(keys.map((k) => [k, process.env[k] ?? null]))))
          `),
          params: ['train'],
          env: { MODE: 'quick', FROM_CALLER: 'overridden by stage' },
          outs: ['env.json'],
        },
      },
    })
    const { record } = await run(spec, { env: { ...process.env, FROM_CALLER: 'caller' } })
    expect(record.status).toBe('succeeded')
    expect(JSON.parse(await readText(root, 'env.json'))).toEqual({
      MLOPS_PARAM_TRAIN_EPOCHS: '3',
      MLOPS_PARAM_TRAIN_ACCURACY: '0.9',
      MLOPS_PARAM_UNUSED: null,
      MLOPS_PARAMS_FILE: 'conf/params.yaml',
      MLOPS_STAGE: 'show',
      MLOPS_RUN_ID: record.id,
      MODE: 'quick',
      FROM_CALLER: 'overridden by stage',
    })
  })

  it('streams stage output to the logger, tagged with the stage name', async () => {
    const spec = projectSpec({ data: {}, stages: { hello: { run: nodeCmd(`console.log('hi from hello'); console.error('careful')`) } } })
    const { log } = await run(spec)
    expect(log.lines).toEqual(
      expect.arrayContaining([
        { stage: 'hello', stream: 'stdout', line: 'hi from hello' },
        { stage: 'hello', stream: 'stderr', line: 'careful' },
      ]),
    )
  })
})

describe('runPipeline: gates', () => {
  it('fails a min gate without failing the run', async () => {
    const { record } = await run(projectSpec({ gates: { accuracy: { min: 0.95 } } }))
    expect(record.status).toBe('succeeded')
    expect(record.gates.passed).toBe(false)
    expect(record.gates.results).toEqual([expect.objectContaining({ metric: 'accuracy', rule: 'min', threshold: 0.95, value: 0.9, status: 'fail' })])
  })

  it('compares max_drop with the baseline manifest and fails when the drop is larger', async () => {
    const spec = projectSpec({ gates: { accuracy: { max_drop: 0.02 } }, promote: { stage: 'production' } })
    const baseline = buildManifest({ model: 'test-model', version: '1.4.0', metrics: buildMetrics({ accuracy: 0.96 }) })
    const { record } = await run(spec, { baseline })
    expect(record.gates.passed).toBe(false)
    expect(record.gates.baseline).toEqual({ version: '1.4.0', stage: 'production' })
    expect(record.gates.results[0]).toMatchObject({ rule: 'max_drop', value: 0.9, baseline: 0.96, status: 'fail' })
    expect(record.gates.results[0]!.message).toMatch(/^dropped 0\.06 from 0\.96/)
  })

  it('passes max_drop within the allowed drop, and skips it without a baseline', async () => {
    const spec = projectSpec({ gates: { accuracy: { max_drop: 0.02 } }, promote: { stage: 'production' } })
    const close = buildManifest({ metrics: buildMetrics({ accuracy: 0.91 }) })
    expect((await run(spec, { baseline: close })).record.gates).toMatchObject({ passed: true, results: [{ status: 'pass', baseline: 0.91 }] })
    const none = await run(spec)
    expect(none.record.gates).toMatchObject({ passed: true, results: [{ status: 'skipped' }] })
    expect(none.record.gates.baseline).toBeUndefined()
  })
})
