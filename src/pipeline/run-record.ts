import { z } from 'zod'
import { DataResult } from '../data/result.js'
import { Evaluation } from '../metrics/evaluation/evaluation-result.js'
import { GateVerdict, Metrics } from '../metrics/result.js'

// The run record (.mlops/runs/<id>/run.json) is the contract between the engine and every front
// end: reports, the registry and the GitHub Action read it and nothing else from a run.

export const RUN_RECORD_SCHEMA_VERSION = 1

export const ParamValue = z.union([z.string(), z.number(), z.boolean(), z.null()])
export const Params = z.record(z.string(), ParamValue)

/** Path → sha256 (hex) of a file, or of a directory's sorted listing and contents. */
export const FileHashes = z.record(z.string(), z.string())

export const StageStatus = z.enum([
  'succeeded',
  'cached', // skipped: command, deps, params and outs unchanged since a recorded success
  'failed', // non-zero exit, killed by a signal, or could not start
  'timed-out',
  'blocked', // not started because a stage or data check it depends on failed
])

export const StageRecord = z.object({
  name: z.string(),
  command: z.string(),
  status: StageStatus,
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  durationMs: z.number().optional(),
  exitCode: z.number().int().nullable().optional(),
  signal: z.string().nullable().optional(),
  /** Why it failed or was blocked, in one line. */
  reason: z.string().optional(),
  /** Hash over command, deps, params and env: equal hashes mean the stage may be skipped. */
  hash: z.string(),
  deps: FileHashes,
  outs: FileHashes,
  params: Params,
})

export const PlotSeries = z.object({
  stage: z.string(),
  file: z.string(),
  title: z.string().optional(),
  x: z.string(),
  y: z.array(z.string()),
  /** Rows as [x, y1, y2, …]; downsampled to at most MAX_PLOT_POINTS. */
  points: z.array(z.array(z.number().nullable())),
})

export const ArtifactRecord = z.object({
  path: z.string(),
  sha256: z.string(),
  size: z.number().int().nonnegative(),
})

export const GitState = z.object({
  commit: z.string().nullable(),
  branch: z.string().nullable(),
  /** Whether changes the commit does not hold may have shaped the model (see dirty-files.ts). */
  dirty: z.boolean(),
  /** The first of those files (relative to the spec's directory), sorted. */
  dirtyFiles: z.array(z.string()).optional(),
  dirtyCount: z.number().int().nonnegative().optional(),
})

/** One combination of a matrix sweep: its params, how its stages ended, and its metrics. */
export const SweepCombo = z.object({
  index: z.number().int().positive(),
  params: Params,
  status: z.enum(['succeeded', 'failed']),
  reason: z.string().optional(),
  metrics: z.record(z.string(), z.number()),
})

export const SweepRecord = z.object({
  /** The stage with the matrix, and it with every stage after it (run once per combination). */
  stage: z.string(),
  stages: z.array(z.string()),
  metric: z.string(),
  goal: z.enum(['max', 'min']),
  /** Index of the combination whose stages, files and metrics the run carries on with. */
  winner: z.number().int().positive().optional(),
  combos: z.array(SweepCombo),
})

export const RunRecord = z.object({
  schema: z.literal(RUN_RECORD_SCHEMA_VERSION),
  id: z.string(),
  model: z.object({ name: z.string(), description: z.string().optional() }),
  spec: z.object({ path: z.string(), sha256: z.string() }),
  git: GitState,
  startedAt: z.string(),
  finishedAt: z.string(),
  status: z.enum(['succeeded', 'failed']),
  params: Params,
  stages: z.array(StageRecord),
  data: z.array(DataResult),
  metrics: Metrics,
  /** Metric names that a declared metrics file did not yield, with the reason. */
  metricErrors: z.array(z.object({ file: z.string(), message: z.string() })).default([]),
  /** The engine's evaluation of the predictions file, overall and per slice (mlops.yml evaluation:). */
  evaluation: Evaluation.optional(),
  /** A matrix sweep: every combination, and the winner the rest of the record is about. */
  sweep: SweepRecord.optional(),
  gates: GateVerdict,
  plots: z.array(PlotSeries),
  artifacts: z.array(ArtifactRecord),
})

export const MAX_PLOT_POINTS = 200

/** The record of a stage that never ran its command (blocked, or failed before or around it). */
export function notRunRecord(name: string, command: string, status: 'failed' | 'blocked', reason: string): z.infer<typeof StageRecord> {
  return { name, command, status, reason, hash: '', deps: {}, outs: {}, params: {} }
}

export type RunRecord = z.infer<typeof RunRecord>
export type StageRecord = z.infer<typeof StageRecord>
export type StageStatus = z.infer<typeof StageStatus>
export type PlotSeries = z.infer<typeof PlotSeries>
export type ArtifactRecord = z.infer<typeof ArtifactRecord>
export type Params = z.infer<typeof Params>
export type GitState = z.infer<typeof GitState>
export type FileHashes = z.infer<typeof FileHashes>
export type SweepRecord = z.infer<typeof SweepRecord>
export type SweepCombo = z.infer<typeof SweepCombo>
