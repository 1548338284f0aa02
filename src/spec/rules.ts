import path from 'node:path'
import { buildDag, findCycle, normalizePath, pathsOverlap } from '../pipeline/dag.js'
import { planJobs } from '../pipeline/job-plan.js'
import { type DriftMethod, isPValueMethod } from '../data/drift/defaults.js'
import { isPartGlob } from '../data/read/part-files.js'
import { isFairnessMetric } from '../metrics/evaluation/fairness.js'
import { groupMetricNames, sliceName } from '../metrics/evaluation/slice-gates.js'
import type { DataEntry, Spec } from './schema.js'
import { didYouMean } from './suggest.js'
import type { SpecIssue } from './zod-issues.js'

// Cross-field rules: what the schema alone cannot say. Each returns issues with the path of the
// offending value so the loader can point at it.

const DATA_EXTENSIONS = new Set(['.csv', '.tsv', '.jsonl', '.json', '.parquet'])

export function checkRules(spec: Spec): { errors: SpecIssue[]; warnings: SpecIssue[] } {
  const errors = [...checkPaths(spec), ...checkNeeds(spec), ...checkOuts(spec), ...checkCycle(spec), ...checkGates(spec), ...checkData(spec), ...checkEvaluation(spec), ...checkServe(spec), ...checkSweep(spec), ...checkJobPlan(spec)]
  return { errors, warnings: checkArtifacts(spec) }
}

/** Every path field, with its location in the spec. */
function* pathFields(spec: Spec): Generator<[string, (string | number)[]]> {
  for (const [i, p] of spec.model.artifacts.entries()) yield [p, ['model', 'artifacts', i]]
  if (spec.params) yield [spec.params, ['params']]
  for (const [name, entry] of Object.entries(spec.data)) yield [entry.path, ['data', name, 'path']]
  if (spec.evaluation) yield [spec.evaluation.predictions, ['evaluation', 'predictions']]
  if (spec.serve) yield [spec.serve.requests, ['serve', 'requests']]
  for (const [name, stage] of Object.entries(spec.stages)) {
    for (const key of ['deps', 'outs', 'metrics'] as const) {
      for (const [i, p] of stage[key].entries()) yield [p, ['stages', name, key, i]]
    }
    for (const [i, plot] of stage.plots.entries()) yield [plot.file, ['stages', name, 'plots', i, 'file']]
  }
}

/** Paths are relative to the spec's directory and may not leave it. */
export function leavesWorkspace(p: string): boolean {
  if (path.posix.isAbsolute(p) || path.win32.isAbsolute(p) || p.includes('\0')) return true
  const normal = path.posix.normalize(p.replaceAll('\\', '/'))
  return normal === '..' || normal.startsWith('../')
}

function checkPaths(spec: Spec): SpecIssue[] {
  const issues: SpecIssue[] = []
  for (const [p, at] of pathFields(spec)) {
    if (leavesWorkspace(p)) issues.push({ path: at, atKey: false, message: `path "${p}" leaves the repository; use a path relative to mlops.yml, e.g. "data/train.csv"` })
  }
  return issues
}

function checkNeeds(spec: Spec): SpecIssue[] {
  const names = Object.keys(spec.stages)
  const issues: SpecIssue[] = []
  for (const [name, stage] of Object.entries(spec.stages)) {
    for (const [i, need] of stage.needs.entries()) {
      if (need === name) issues.push({ path: ['stages', name, 'needs', i], atKey: false, message: `stage "${name}" needs itself` })
      else if (!Object.hasOwn(spec.stages, need)) issues.push({ path: ['stages', name, 'needs', i], atKey: false, message: `stage "${name}" needs "${need}", which is not a stage${didYouMean(need, names)}` })
    }
  }
  return issues
}

function checkOuts(spec: Spec): SpecIssue[] {
  const seen: { stage: string; out: string }[] = []
  const issues: SpecIssue[] = []
  for (const [name, stage] of Object.entries(spec.stages)) {
    for (const [i, out] of stage.outs.entries()) {
      const clash = seen.find((s) => s.stage !== name && pathsOverlap(s.out, out))
      if (clash) issues.push({ path: ['stages', name, 'outs', i], atKey: false, message: `"${out}" is also written by stage "${clash.stage}"${normalizePath(clash.out) === normalizePath(out) ? '' : ` ("${clash.out}")`}; each output must have one stage that writes it` })
      seen.push({ stage: name, out })
    }
  }
  return issues
}

function checkCycle(spec: Spec): SpecIssue[] {
  const cycle = findCycle(buildDag({ stages: spec.stages, data: {} }))
  if (!cycle) return []
  const names = cycle.map((id) => id.replace(/^stage:/, ''))
  return [{ path: ['stages', names[0]!], atKey: true, message: `stages form a cycle: ${names.join(' -> ')} (through needs or deps on another stage's outs)` }]
}

function checkGates(spec: Spec): SpecIssue[] {
  const issues: SpecIssue[] = []
  for (const [metric, gate] of Object.entries(spec.gates)) {
    for (const rule of ['max_drop', 'max_rise'] as const) {
      if (gate[rule] !== undefined && !spec.promote) {
        issues.push({ path: ['gates', metric, rule], atKey: true, message: `gate "${metric}.${rule}" compares with the promoted baseline, but there is no promote section to say which stage holds it; add e.g. "promote: { stage: production }"` })
      }
    }
    if (gate.min !== undefined && gate.max !== undefined && gate.min > gate.max) {
      issues.push({ path: ['gates', metric, 'min'], atKey: false, message: `gate "${metric}": min ${gate.min} is greater than max ${gate.max}` })
    }
  }
  return issues
}

/** The evaluation's file must come from a stage, and slice gates need slices and metrics the engine computes per group. */
function checkEvaluation(spec: Spec): SpecIssue[] {
  const issues: SpecIssue[] = []
  const evaluation = spec.evaluation
  for (const [metric, gate] of Object.entries(spec.gates)) {
    const at = ['gates', metric]
    const sliceRule = gate.per_slice !== undefined ? 'per_slice' : gate.max_gap !== undefined ? 'max_gap' : undefined
    if (isFairnessMetric(metric) && evaluation) {
      const other = (['max_drop', 'max_rise', 'per_slice', 'max_gap'] as const).find((rule) => gate[rule] !== undefined)
      if (other) issues.push({ path: [...at, other], atKey: true, message: `gate "${metric}": a fairness metric is gated with min or max on each slice, not ${other}` })
      if (evaluation.task === 'regression') issues.push({ path: at, atKey: true, message: `gate "${metric}": fairness metrics are for classifiers; evaluation.task is regression` })
    }
    if (sliceRule === undefined && !(isFairnessMetric(metric) && evaluation)) {
      if (gate.slices) issues.push({ path: [...at, 'slices'], atKey: true, message: `gate "${metric}": slices applies to per_slice, max_gap and fairness gates; this gate has none` })
      continue
    }
    if (!evaluation) {
      issues.push({ path: [...at, sliceRule!], atKey: true, message: `gate "${metric}.${sliceRule}" gates evaluation slices, but there is no evaluation section; add e.g. "evaluation: { predictions: reports/predictions.csv, label: y, prediction: pred, slices: [group] }"` })
      continue
    }
    if (evaluation.slices.length === 0) issues.push({ path: at, atKey: true, message: `gate "${metric}" gates slices, but evaluation.slices is empty; add e.g. "slices: [sex]"` })
    const listed = new Set(evaluation.slices.map(sliceName))
    for (const [i, slice] of (gate.slices ?? []).entries()) {
      if (!listed.has(sliceName(slice))) issues.push({ path: [...at, 'slices', i], atKey: false, message: `gate "${metric}": slice ${sliceName(slice)} is not in evaluation.slices${didYouMean(sliceName(slice), [...listed])}` })
    }
    const names = groupMetricNames(evaluation)
    if (sliceRule && !names.includes(metric)) {
      issues.push({ path: at, atKey: true, message: `gate "${metric}.${sliceRule}": the evaluation computes ${names.join(', ')} per group, not "${metric}"${didYouMean(metric, names)}` })
    }
  }
  if (!evaluation) return issues
  const at = ['evaluation']
  const outs = Object.values(spec.stages).flatMap((s) => s.outs)
  if (!outs.some((o) => pathsOverlap(o, evaluation.predictions))) {
    // A file no stage writes may be left from an earlier run: it would grade the wrong model.
    issues.push({ path: [...at, 'predictions'], atKey: false, message: `"${evaluation.predictions}" is not in any stage's outs; list it under the outs of the stage that writes it` })
  }
  if (!evaluation.format && !DATA_EXTENSIONS.has(path.extname(evaluation.predictions).toLowerCase())) {
    issues.push({ path: [...at, 'predictions'], atKey: false, message: `cannot tell the format of "${evaluation.predictions}" from its extension; add format: csv|tsv|jsonl|json|parquet` })
  }
  if (evaluation.task === 'regression') {
    for (const key of ['score', 'positive'] as const) {
      if (evaluation[key] !== undefined) issues.push({ path: [...at, key], atKey: true, message: `evaluation.${key} is for classifiers; evaluation.task is regression` })
    }
  }
  const seen = new Set<string>()
  for (const [i, slice] of evaluation.slices.entries()) {
    const columns = typeof slice === 'string' ? [slice] : slice
    const key = JSON.stringify(columns)
    if (seen.has(key)) issues.push({ path: [...at, 'slices', i], atKey: false, message: `slice ${columns.join(' × ')} is listed twice` })
    seen.add(key)
    if (new Set(columns).size !== columns.length) issues.push({ path: [...at, 'slices', i], atKey: false, message: `slice ${columns.join(' × ')} names a column twice` })
    for (const column of columns) {
      if (column === evaluation.label || column === evaluation.prediction) issues.push({ path: [...at, 'slices', i], atKey: false, message: `slice by "${column}" is the ${column === evaluation.label ? 'label' : 'prediction'} column; slice by a feature or group column` })
    }
  }
  return issues
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** The staging check talks to a server on this machine only: a URL elsewhere would send the requests (and their timing) off the runner. */
function checkServe(spec: Spec): SpecIssue[] {
  const serve = spec.serve
  if (!serve) return []
  const issues: SpecIssue[] = []
  for (const key of ['ready', 'url'] as const) {
    let url: URL | undefined
    try {
      url = new URL(serve[key].replaceAll('{port}', '1'))
    } catch {
      issues.push({ path: ['serve', key], atKey: false, message: `serve.${key} "${serve[key]}" is not a URL; e.g. "http://127.0.0.1:{port}/health"` })
      continue
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') issues.push({ path: ['serve', key], atKey: false, message: `serve.${key} must be an http:// URL, not ${url.protocol}` })
    else if (!LOCAL_HOSTS.has(url.hostname)) issues.push({ path: ['serve', key], atKey: false, message: `serve.${key} must be on this machine (127.0.0.1, localhost or [::1]), not "${url.hostname}"` })
    else if (!serve[key].includes('{port}') && url.port === '') issues.push({ path: ['serve', key], atKey: false, message: `serve.${key} names no port; use {port}, the free port mlops gives the server as MLOPS_SERVE_PORT` })
  }
  return issues
}

/** A matrix sweeps params its stage declares, and says how the winner is chosen. */
function checkSweep(spec: Spec): SpecIssue[] {
  const issues: SpecIssue[] = []
  for (const [name, stage] of Object.entries(spec.stages)) {
    if (stage.select && !stage.matrix) issues.push({ path: ['stages', name, 'select'], atKey: true, message: `stage "${name}" has select but no matrix to choose from` })
    if (!stage.matrix) continue
    if (!stage.select) issues.push({ path: ['stages', name, 'matrix'], atKey: true, message: `stage "${name}" sweeps a matrix but has no select to choose the winner, e.g. "select: { metric: f1_macro, goal: max }"` })
    for (const key of Object.keys(stage.matrix)) {
      if (!stage.params.some((p) => key === p || key.startsWith(`${p}.`))) {
        issues.push({ path: ['stages', name, 'matrix', key], atKey: true, message: `matrix key "${key}" is not a param stage "${name}" declares (params: [${stage.params.join(', ')}])${didYouMean(key, stage.params)}` })
      }
    }
  }
  return issues
}

/** The workflow-job plan's limits, so a pipeline GitHub would refuse fails here rather than in a workflow run. */
function checkJobPlan(spec: Spec): SpecIssue[] {
  const issues: SpecIssue[] = planJobs(spec).problems.map((p) => ({ path: p.path, atKey: true, message: p.message }))
  for (const [name, entry] of Object.entries(spec.data)) {
    const format = entry.format ?? path.extname(entry.path).slice(1).toLowerCase()
    // Part files shard by file in any format; one file only by CSV byte ranges.
    if (entry.shards > 1 && !isPartGlob(entry.path) && format !== 'csv' && format !== 'tsv') issues.push({ path: ['data', name, 'shards'], atKey: true, message: `shards split CSV and TSV files by byte ranges; "${entry.path}" is ${format || 'of unknown format'} (a glob of part files shards in any format)` })
  }
  return issues
}

function checkData(spec: Spec): SpecIssue[] {
  const issues: SpecIssue[] = []
  for (const [name, entry] of Object.entries(spec.data)) {
    const ext = path.extname(entry.path).toLowerCase()
    if (!entry.format && !DATA_EXTENSIONS.has(ext)) {
      issues.push({ path: ['data', name, 'path'], atKey: false, message: `cannot tell the format of "${entry.path}" from its extension; add format: csv|tsv|jsonl|json|parquet` })
    }
    if (entry.rows?.min !== undefined && entry.rows.max !== undefined && entry.rows.min > entry.rows.max) {
      issues.push({ path: ['data', name, 'rows', 'min'], atKey: false, message: `rows.min ${entry.rows.min} is greater than rows.max ${entry.rows.max}` })
    }
    for (const [column, spec_] of Object.entries(entry.columns)) {
      const at = ['data', name, 'columns', column]
      if (spec_.min !== undefined && spec_.max !== undefined && spec_.min > spec_.max) {
        issues.push({ path: [...at, 'min'], atKey: false, message: `column "${column}": min ${spec_.min} is greater than max ${spec_.max}` })
      }
      if (spec_.pattern !== undefined) {
        try {
          new RegExp(spec_.pattern)
        } catch (error) {
          issues.push({ path: [...at, 'pattern'], atKey: false, message: `column "${column}": invalid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}` })
        }
      }
      const aggregate = (['mean', 'stddev', 'quantiles'] as const).find((key) => spec_[key] !== undefined)
      if (aggregate && spec_.type && !NUMERIC_TYPES.includes(spec_.type)) {
        issues.push({ path: [...at, aggregate], atKey: true, message: `column "${column}": ${aggregate} needs type number or integer, not "${spec_.type}"` })
      }
      if ((spec_.min !== undefined || spec_.max !== undefined) && spec_.type && !['number', 'integer', 'date'].includes(spec_.type)) {
        issues.push({ path: [...at, 'type'], atKey: false, message: `column "${column}": min/max need type number, integer or date, not "${spec_.type}"` })
      }
    }
    issues.push(...checkDrift(name, entry))
    for (const [i, column] of (entry.drift?.columns ?? []).entries()) {
      if (Object.keys(entry.columns).length > 0 && !Object.hasOwn(entry.columns, column)) {
        issues.push({ path: ['data', name, 'drift', 'columns', i], atKey: false, message: `drift column "${column}" is not declared under columns${didYouMean(column, Object.keys(entry.columns))}` })
      }
    }
  }
  return issues
}

const NUMERIC_TYPES: readonly string[] = ['number', 'integer']
const CATEGORICAL_TYPES: readonly string[] = ['string', 'category', 'boolean', 'date', 'datetime']

/** A threshold's meaning depends on the method (p-value or distance), and numeric methods need numbers. */
function checkDrift(name: string, entry: DataEntry): SpecIssue[] {
  const issues: SpecIssue[] = []
  const check = (at: Array<string | number>, method: DriftMethod | undefined, threshold: number | undefined, type: string | undefined, column?: string): void => {
    const where = column === undefined ? 'drift' : `column "${column}": drift`
    if (threshold !== undefined && method === undefined && column === undefined) {
      issues.push({ path: [...at, 'threshold'], atKey: true, message: `${where} threshold needs a method: it is a p-value for ks and chisquare, a distance for the others` })
    }
    if (method && threshold !== undefined && isPValueMethod(method) && threshold > 1) {
      issues.push({ path: [...at, 'threshold'], atKey: false, message: `${where} threshold ${threshold} for ${method} is a p-value and must be at most 1` })
    }
    if (method && type && (method === 'ks' || method === 'wasserstein') && CATEGORICAL_TYPES.includes(type)) {
      issues.push({ path: [...at, 'method'], atKey: false, message: `${where} method ${method} compares numbers; column "${column}" has type ${type}: use jensenshannon, chisquare or psi` })
    }
  }
  if (entry.drift) check(['data', name, 'drift'], entry.drift.method, entry.drift.threshold, undefined)
  for (const [column, spec_] of Object.entries(entry.columns)) {
    const drift = spec_.drift
    if (!drift) continue
    const method = drift.method ?? entry.drift?.method
    check(['data', name, 'columns', column, 'drift'], method, drift.threshold ?? entry.drift?.threshold, spec_.type, column)
  }
  return issues
}

function checkArtifacts(spec: Spec): SpecIssue[] {
  const outs = Object.values(spec.stages).flatMap((s) => s.outs)
  return spec.model.artifacts
    .map((artifact, i) => ({ artifact, i }))
    .filter(({ artifact }) => !outs.some((o) => pathsOverlap(o, artifact)))
    .map(({ artifact, i }) => ({ path: ['model', 'artifacts', i], atKey: false, message: `artifact "${artifact}" is not in any stage's outs, so no stage is known to produce it` }))
}
