import { rm } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { planJobs } from '../../src/pipeline/job-plan.js'
import { jobResultsExecutor } from '../../src/pipeline/job-results.js'
import { runStageJob, runValidateJob } from '../../src/pipeline/run-job.js'
import { runPipeline } from '../../src/pipeline/run-pipeline.js'
import type { RunRecord } from '../../src/pipeline/run-record.js'
import { renderReport } from '../../src/report/render-report.js'
import type { Spec, SpecInput } from '../../src/spec/schema.js'
import { buildSpec, memoryLogger, nodeCmd, pipelineOptions, tempDirs, writeFiles } from './helpers.js'

// A matrix sweep run in one process, and the same pipeline split into the jobs the reusable
// workflow runs (data shards, then stage jobs level by level, then the report job), which must
// give the same record and report.

const dirs = tempDirs()
let root: string

const rows = Array.from({ length: 400 }, (_, i) => `${i + 1},${(i % 37) + 0.5},${i % 3 === 0 ? 'adelie' : 'gentoo'}`)
const RAW = `id,length,species\n${rows.join('\n')}\n`
const PARAMS = 'train:\n  lr: 0.1\n  depth: 3\n'

const PREPARE = nodeCmd(`require('fs').writeFileSync('data/prepared.csv', require('fs').readFileSync('data/raw.csv', 'utf8'))`)
// score peaks at lr 0.1, depth 5; lr 0.5 fails, to show a failed combination
const TRAIN = nodeCmd(`
  const fs = require('fs')
  const lr = Number(process.env.MLOPS_PARAM_TRAIN_LR), depth = Number(process.env.MLOPS_PARAM_TRAIN_DEPTH)
  if (lr === 0.5) { console.error('diverged'); process.exit(3) }
  fs.writeFileSync('models/model.json', JSON.stringify({ lr, depth }))
`)
const EVALUATE = nodeCmd(`
  const fs = require('fs')
  const { lr, depth } = JSON.parse(fs.readFileSync('models/model.json', 'utf8'))
  fs.writeFileSync('reports/metrics.json', JSON.stringify({ score: 1 - Math.abs(lr - 0.1) - Math.abs(depth - 5) / 10, size: depth * 10 }))
`)

function projectSpec(overrides: Partial<SpecInput> = {}, shards = 3): Spec {
  return buildSpec({
    data: { raw: { path: 'data/raw.csv', rows: { min: 10 }, shards, columns: { length: { type: 'number', max: 40 }, species: { values: ['adelie', 'gentoo'] } } } },
    stages: {
      prepare: { run: PREPARE, deps: ['data/raw.csv'], outs: ['data/prepared.csv'] },
      train: { run: TRAIN, deps: ['data/prepared.csv'], params: ['train'], outs: ['models/model.json'], matrix: { 'train.lr': [0.01, 0.1, 0.5], 'train.depth': [3, 5] }, select: { metric: 'score', goal: 'max' }, 'runs-on': ['self-hosted', 'gpu'] },
      evaluate: { run: EVALUATE, deps: ['models/model.json'], metrics: ['reports/metrics.json'] },
    },
    gates: { score: { min: 0.5 } },
    ...overrides,
  })
}

beforeEach(async () => {
  root = await dirs.make('mlops-jobs-')
  await writeFiles(root, { 'data/raw.csv': RAW, 'params.yaml': PARAMS })
})
afterEach(() => dirs.cleanup())

async function singleJob(spec: Spec): Promise<RunRecord> {
  return (await runPipeline(pipelineOptions(root, spec, { logger: memoryLogger().logger }))).record
}

/** The reusable workflow's jobs, each with only the files a fresh checkout has plus what it downloads. */
async function manyJobs(spec: Spec): Promise<RunRecord> {
  const { plan, problems } = planJobs(spec)
  expect(problems).toEqual([])
  const store = path.join(root, '.mlops', 'job-store')
  const logger = memoryLogger().logger
  const fresh = async () => {
    // What a new runner has: the checkout, none of the outs other jobs made.
    for (const p of ['data/prepared.csv', 'models', 'reports', '.mlops/state.json', '.mlops/sweep']) await rm(path.join(root, p), { recursive: true, force: true })
  }
  for (const job of plan.validate) {
    await fresh()
    await runValidateJob(root, spec, job, path.join(store, job.job), logger)
  }
  for (const level of plan.levels) {
    for (const job of level) {
      await fresh()
      await runStageJob({ root, spec, plan, job, store, out: path.join(store, job.job), env: process.env, runId: 'job', logger })
    }
  }
  await fresh()
  const executor = await jobResultsExecutor(store, spec)
  return (await runPipeline(pipelineOptions(root, spec, { logger, executor }))).record
}

/** What may differ between two runs of the same pipeline: ids, times, durations. */
function comparable(record: RunRecord) {
  return {
    status: record.status,
    params: record.params,
    stages: record.stages.map((s) => ({ name: s.name, status: s.status, outs: s.outs, reason: s.reason })),
    // Merged moments differ from one pass in the last bits only.
    data: record.data.map((d) => ({ name: d.name, passed: d.passed, rows: d.rows, sha256: d.sha256, checks: d.checks, profile: JSON.parse(JSON.stringify(d.profile), (_, v) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v)) })),
    metrics: record.metrics,
    gates: record.gates,
    sweep: record.sweep,
    artifacts: record.artifacts,
  }
}

const normalizeReport = (markdown: string) => markdown.replace(/\d{8}-\d{6}-[0-9a-f]{4}/g, 'RUN').replace(/\d+(\.\d+)?(ms|s)\b/g, 'T').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME')

describe('matrix sweep in one job', () => {
  it('runs every combination, records each, and carries on with the winner', async () => {
    const record = await singleJob(projectSpec())
    expect(record.sweep?.combos).toHaveLength(6)
    expect(record.sweep?.winner).toBe(4) // lr 0.1, depth 5
    expect(record.params).toMatchObject({ 'train.lr': 0.1, 'train.depth': 5 })
    expect(record.metrics.score?.value).toBeCloseTo(1)
    const failed = record.sweep!.combos.filter((c) => c.status === 'failed')
    expect(failed.map((c) => c.params)).toEqual([{ 'train.lr': 0.5, 'train.depth': 3 }, { 'train.lr': 0.5, 'train.depth': 5 }])
    expect(failed[0]!.reason).toMatch(/train: exit code 3: diverged/)
    expect(record.status).toBe('succeeded')
    const report = renderReport({ run: record, baseline: undefined })
    expect(report).toMatch(/### Sweep/)
    expect(report).toMatch(/\| 🏆 \| `0.1` \| `5` \| 1 \|/)
  })

  it('keeps each combination cached between runs', async () => {
    const spec = projectSpec()
    await singleJob(spec)
    const again = await singleJob(spec)
    expect(again.stages.map((s) => s.status)).toEqual(['cached', 'cached', 'cached'])
    expect(again.sweep?.winner).toBe(4)
  })

  it('fails the run when no combination yields the select metric', async () => {
    const spec = projectSpec()
    spec.stages.train!.select = { metric: 'missing', goal: 'min' }
    const record = await singleJob(spec)
    expect(record.sweep?.winner).toBeUndefined()
    expect(record.status).toBe('failed')
    expect(record.metricErrors.map((e) => e.message).join('\n')).toMatch(/no winner/)
  })
})

describe('the job plan', () => {
  it('has one validate job per shard and stage jobs in levels, one per combination after the sweep', () => {
    const { plan } = planJobs(projectSpec())
    expect(plan.validate.map((j) => j.job)).toEqual(['data.raw[1]', 'data.raw[2]', 'data.raw[3]'])
    expect(plan.levels.map((l) => l.length)).toEqual([1, 6, 6])
    expect(plan.levels[1]![0]).toMatchObject({ job: 'stage.train[c1]', 'runs-on': ['self-hosted', 'gpu'], needs: ['stage.prepare'] })
    expect(plan.levels[2]![3]).toMatchObject({ job: 'stage.evaluate[c4]', needs: ['stage.train[c4]'] })
    expect(plan.levels[0]![0]!.data).toEqual(['raw'])
  })

  it('refuses a matrix of more than 256 jobs', () => {
    const spec = projectSpec()
    spec.stages.train!.matrix = { 'train.lr': Array.from({ length: 20 }, (_, i) => i), 'train.depth': Array.from({ length: 13 }, (_, i) => i) }
    expect(planJobs(spec).problems[0]).toEqual({ path: ['stages', 'train', 'matrix'], message: 'the matrix has 260 combinations; GitHub runs at most 256 jobs per matrix' })
  })
})

describe('the pipeline as workflow jobs', () => {
  it('gives the same record and report as one job', async () => {
    const spec = projectSpec()
    const one = await singleJob(spec)
    await rm(path.join(root, '.mlops'), { recursive: true, force: true })
    const many = await manyJobs(spec)
    expect(comparable(many)).toEqual(comparable(one))
    expect(normalizeReport(renderReport({ run: many, baseline: undefined }))).toBe(normalizeReport(renderReport({ run: one, baseline: undefined })))
  })

  it('names every defect with its line across shards, and blocks the stages on failed data', async () => {
    const bad = RAW.replace('\n5,4.5,gentoo\n', '\n5,4.5,penguin\n').replace('\n390,', '\n390,x')
    await writeFiles(root, { 'data/raw.csv': bad })
    const spec = projectSpec()
    const one = await singleJob(spec)
    await rm(path.join(root, '.mlops'), { recursive: true, force: true })
    const many = await manyJobs(spec)
    expect(comparable(many)).toEqual(comparable(one))
    expect(many.status).toBe('failed')
    expect(many.stages.map((s) => s.status)).toEqual(['blocked', 'blocked', 'blocked'])
    const examples = many.data[0]!.checks.filter((c) => !c.passed).flatMap((c) => (c.examples ?? []).map((e) => e.line))
    expect(examples).toEqual(expect.arrayContaining([6, 391]))
  })

  it('splits a glob of part files over the shard jobs, with the same record as one job', async () => {
    // The same 400 rows as five part files (the first has the defect), read by 3 shard jobs.
    const parts = Object.fromEntries([0, 1, 2, 3, 4].map((p) => [`data/raw/part-${p}.csv`, `id,length,species\n${rows.slice(p * 80, (p + 1) * 80).join('\n')}\n`]))
    parts['data/raw/part-0.csv'] = parts['data/raw/part-0.csv']!.replace('\n5,4.5,gentoo\n', '\n5,4.5,penguin\n')
    await writeFiles(root, parts)
    const spec = projectSpec({}, 3)
    spec.data.raw!.path = 'data/raw/part-*.csv'
    const one = await singleJob(spec)
    await rm(path.join(root, '.mlops'), { recursive: true, force: true })
    const many = await manyJobs(spec)
    expect(comparable(many)).toEqual(comparable(one))
    expect(many.data[0]).toMatchObject({ rows: 400, parts: 5, passed: false })
    const values = many.data[0]!.checks.find((c) => c.check === 'values')!
    expect(values.examples).toEqual([{ file: 'data/raw/part-0.csv', line: 6, value: 'penguin' }])
  })
})
