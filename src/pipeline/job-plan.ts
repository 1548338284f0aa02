import type { Spec } from '../spec/schema.js'
import { buildDag, dataWriter, stageId } from './dag.js'
import type { Params } from './run-record.js'

// The pipeline as workflow jobs: one validate job per dataset shard, then stage jobs in levels
// (a level's jobs run in parallel as one matrix, after the level before), one job per stage, or
// per combination of a swept stage and each stage after it. The reusable workflow has a fixed
// number of level jobs, so the plan's depth and widths are limits the spec is checked against.

/** GitHub runs at most 256 jobs per matrix. */
export const MAX_MATRIX_JOBS = 256
/** Level jobs in .github/workflows/pipeline.yml. */
export const MAX_STAGE_LEVELS = 4

export interface Combo {
  /** 1-based, in grid order (the last key varies fastest). */
  index: number
  params: Params
}

export interface ValidateJob {
  job: string
  data: string
  /** 0-based. */
  shard: number
  shards: number
}

export interface StageJob {
  job: string
  stage: string
  combo?: number
  'runs-on': string | string[]
  'timeout-minutes': number
  /** Stage jobs whose artifacts hold the files this one reads. */
  needs: string[]
  /** Datasets that must pass their checks first (their shard artifacts are merged for the verdict). */
  data: string[]
  /** Datasets a stage writes are checked in the job of the stage that writes them. */
  checks: string[]
}

export interface JobPlan {
  validate: ValidateJob[]
  levels: StageJob[][]
  sweep?: { stage: string; stages: string[]; combos: Combo[] }
}

export interface PlanProblem {
  path: (string | number)[]
  message: string
}

export const stageJobId = (stage: string, combo?: number) => (combo === undefined ? `stage.${stage}` : `stage.${stage}[c${combo}]`)
export const validateJobId = (data: string, shard: number, shards: number) => (shards === 1 ? `data.${data}` : `data.${data}[${shard + 1}]`)

/** Every combination of a matrix, in grid order. */
export function matrixCombos(matrix: Record<string, readonly (string | number | boolean)[]>): Combo[] {
  let grid: Params[] = [{}]
  for (const [key, values] of Object.entries(matrix)) grid = grid.flatMap((params) => values.map((value) => ({ ...params, [key]: value })))
  return grid.map((params, i) => ({ index: i + 1, params }))
}

/** The swept stage and every stage after it: these run once per combination. */
export function sweptStages(spec: Pick<Spec, 'stages' | 'data'>, swept: string): string[] {
  const nodes = buildDag({ stages: spec.stages, data: {} })
  const inside = new Set([swept])
  for (let grew = true; grew; ) {
    grew = false
    for (const node of nodes.values()) {
      if (!inside.has(node.name) && node.after.some((id) => inside.has(id.replace(/^stage:/, '')))) {
        inside.add(node.name)
        grew = true
      }
    }
  }
  return Object.keys(spec.stages).filter((name) => inside.has(name))
}

export function planJobs(spec: Pick<Spec, 'stages' | 'data'>): { plan: JobPlan; problems: PlanProblem[] } {
  const problems: PlanProblem[] = []
  const nodes = buildDag(spec)
  const matrixStages = Object.keys(spec.stages).filter((name) => spec.stages[name]!.matrix)
  for (const name of matrixStages.slice(1)) problems.push({ path: ['stages', name, 'matrix'], message: `only one stage may sweep a matrix; "${matrixStages[0]}" already does` })
  const sweepStage = matrixStages[0]
  const sweep = sweepStage ? { stage: sweepStage, stages: sweptStages(spec, sweepStage), combos: matrixCombos(spec.stages[sweepStage]!.matrix!) } : undefined
  if (sweep && sweep.combos.length > MAX_MATRIX_JOBS) {
    problems.push({ path: ['stages', sweep.stage, 'matrix'], message: `the matrix has ${sweep.combos.length} combinations; GitHub runs at most ${MAX_MATRIX_JOBS} jobs per matrix` })
  }

  const writtenBy = new Map<string, string>()
  for (const [name] of Object.entries(spec.data)) {
    const writer = dataWriter(nodes, name)
    if (writer) writtenBy.set(name, writer)
  }
  const validate: ValidateJob[] = []
  for (const [name, entry] of Object.entries(spec.data)) {
    if (writtenBy.has(name)) {
      if (entry.shards > 1) problems.push({ path: ['data', name, 'shards'], message: `"${name}" is written by stage "${writtenBy.get(name)}", so it is checked in that stage's job and cannot be split into shards` })
      if (sweep?.stages.includes(writtenBy.get(name)!)) problems.push({ path: ['data', name, 'path'], message: `"${name}" is written by stage "${writtenBy.get(name)}", which runs once per matrix combination; check the data a sweep reads, not what it writes` })
      continue
    }
    for (let shard = 0; shard < entry.shards; shard++) validate.push({ job: validateJobId(name, shard, entry.shards), data: name, shard, shards: entry.shards })
  }
  if (validate.length > MAX_MATRIX_JOBS) {
    const widest = Object.entries(spec.data).sort(([, a], [, b]) => b.shards - a.shards)[0]![0]
    problems.push({ path: ['data', widest, 'shards'], message: `the data checks need ${validate.length} jobs (every shard of every dataset); GitHub runs at most ${MAX_MATRIX_JOBS} jobs per matrix` })
  }

  // A stage's level is one more than the deepest stage it comes after.
  const level = new Map<string, number>()
  const levelOf = (name: string): number => {
    const known = level.get(name)
    if (known !== undefined) return known
    level.set(name, 0) // a cycle is reported elsewhere; this stops the recursion
    const before = nodes.get(stageId(name))!.after.flatMap((id) => stageBefore(id))
    const value = 1 + Math.max(0, ...before.map(levelOf))
    level.set(name, value)
    return value
  }
  // A stage comes after the writer of a dataset it reads.
  const stageBefore = (id: string): string[] => {
    const node = nodes.get(id)
    if (!node) return []
    return node.kind === 'stage' ? [node.name] : node.after.flatMap(stageBefore)
  }

  const levels: StageJob[][] = []
  for (const [name, stage] of Object.entries(spec.stages)) {
    const depth = levelOf(name)
    if (depth > MAX_STAGE_LEVELS) {
      problems.push({ path: ['stages', name], message: `stage "${name}" is ${depth} stages deep; the reusable workflow runs at most ${MAX_STAGE_LEVELS} levels of stage jobs (merge short stages into one, or run the pipeline as one job with command: run)` })
      continue
    }
    const after = nodes.get(stageId(name))!.after
    const data = [...new Set(after.flatMap(function dataBefore(id): string[] {
      const node = nodes.get(id)
      return node?.kind === 'data' ? [node.name] : []
    }))]
    const upstream = [...new Set(after.flatMap(stageBefore))]
    const checks = [...writtenBy].filter(([, writer]) => writer === name).map(([data]) => data)
    const swept = sweep?.stages.includes(name)
    for (const combo of swept ? sweep!.combos.map((c) => c.index) : [undefined]) {
      const needs = upstream.map((up) => stageJobId(up, sweep?.stages.includes(up) ? combo : undefined))
      ;(levels[depth - 1] ??= []).push({ job: stageJobId(name, combo), stage: name, ...(combo === undefined ? {} : { combo }), 'runs-on': stage['runs-on'], 'timeout-minutes': Math.ceil(stage['timeout-minutes']) + 5, needs, data, checks })
    }
  }
  for (const [i, jobs] of levels.entries()) {
    if ((jobs?.length ?? 0) > MAX_MATRIX_JOBS) problems.push({ path: ['stages', jobs![0]!.stage], message: `level ${i + 1} of the stages needs ${jobs!.length} jobs; GitHub runs at most ${MAX_MATRIX_JOBS} jobs per matrix` })
  }
  return { plan: { validate, levels: Array.from(levels, (jobs) => jobs ?? []), ...(sweep ? { sweep } : {}) }, problems }
}

/** A combination in words, for reports and logs: `train.learning_rate=0.01, train.depth=3`. */
export function describeCombo(params: Params): string {
  return Object.entries(params).map(([key, value]) => `${key}=${String(value)}`).join(', ')
}
