import { stat } from 'node:fs/promises'
import path from 'node:path'
import { openRepository, type Git } from '../registry/git.js'
import type { Spec } from '../spec/schema.js'
import { dataLocation, normalizePath } from './dag.js'
import type { GitState } from './run-record.js'
import type { PipelineOptions } from './run-pipeline.js'

// Which changes make a run "dirty", i.e. its commit would not describe the model: tracked
// changes anywhere, and untracked files the pipeline reads (stage deps, data files, params, the
// spec itself). What the pipeline declares it writes (outs, metrics, plots, model artifacts)
// and its own .mlops/ folder never count, tracked or not: they are products, not inputs.

/** How many dirty files a run record keeps; the count says how many there were. */
export const MAX_RECORDED_DIRTY_FILES = 100

const STATE_DIR = '.mlops'

export interface DeclaredPaths {
  /** What the pipeline writes: never makes a run dirty. */
  outputs: string[]
  /** What the pipeline reads: dirty when untracked (unless also an output). */
  inputs: string[]
}

export function declaredPaths(spec: Spec, specFile: string): DeclaredPaths {
  const stages = Object.values(spec.stages)
  const outputs = [
    ...stages.flatMap((s) => [...s.outs, ...s.metrics, ...s.plots.map((p) => p.file)]),
    ...spec.model.artifacts,
  ]
  const inputs = [specFile, ...(spec.params ? [spec.params] : []), ...Object.values(spec.data).map((d) => dataLocation(d.path)), ...stages.flatMap((s) => s.deps)]
  return { outputs: unique(outputs.map(normalizePath)), inputs: unique(inputs.map(normalizePath)) }
}

/** What a front end passes runPipeline about git: the state before the run, and the check after it. */
export async function gitRunOptions(root: string, spec: Spec, specFile: string): Promise<Pick<PipelineOptions, 'git' | 'dirtyFilesAfterRun'>> {
  const paths = declaredPaths(spec, specFile)
  return { git: await readGitState(root, paths), dirtyFilesAfterRun: () => findDirtyFiles(root, paths) }
}

/** Commit, branch and the files that make the run dirty; no commit outside a repository. */
export async function readGitState(root: string, paths: DeclaredPaths): Promise<GitState> {
  const git = await openRepository(root)
  if (!git) return { commit: null, branch: null, dirty: false }
  const [commit, branch] = await Promise.all([git.tryRevParse('HEAD^{commit}'), git.currentBranch()])
  // Without a commit there is nothing a change could be "on top of"; registration refuses anyway.
  const files = commit ? await listDirtyFiles(git, paths) : []
  return { commit: commit ?? null, branch, ...summarizeDirtyFiles(files) }
}

/** The files that make a run dirty, sorted; empty outside a repository or without a commit. */
export async function findDirtyFiles(root: string, paths: DeclaredPaths): Promise<string[]> {
  const git = await openRepository(root)
  if (!git || !(await git.tryRevParse('HEAD^{commit}'))) return []
  return listDirtyFiles(git, paths)
}

/** The record's fields for a list of dirty files. */
export function summarizeDirtyFiles(files: readonly string[]): Pick<GitState, 'dirty' | 'dirtyFiles' | 'dirtyCount'> {
  if (files.length === 0) return { dirty: false }
  return { dirty: true, dirtyFiles: [...files].sort().slice(0, MAX_RECORDED_DIRTY_FILES), dirtyCount: files.length }
}

/** `before` (as recorded when the run started) joined with the files found after the stages. */
export function mergeDirtyFiles(before: GitState, after: readonly string[]): GitState {
  const files = unique([...(before.dirtyFiles ?? []), ...after])
  if (files.length === 0) return before
  // before's list may be cut short at MAX_RECORDED_DIRTY_FILES: the larger count is the closer one.
  return { ...before, ...summarizeDirtyFiles(files), dirtyCount: Math.max(before.dirtyCount ?? 0, files.length) }
}

async function listDirtyFiles(git: Git, paths: DeclaredPaths): Promise<string[]> {
  const [tracked, untracked] = await Promise.all([git.trackedChanges(), git.untrackedFiles(paths.inputs)])
  const counts = (file: string) => !isUnder(file, STATE_DIR) && !paths.outputs.some((out) => isUnder(file, out))
  return unique([...tracked, ...untracked].map(normalizePath).filter(counts)).sort()
}

/**
 * Declared outputs that git would offer to commit: neither covered by a .gitignore nor
 * tracked. Checked whether they exist yet or not (as `mlops init` must).
 */
export async function findUnignoredOutputs(root: string, paths: DeclaredPaths): Promise<string[]> {
  const git = await openRepository(root)
  if (!git) return []
  const outputs = paths.outputs.filter((p) => !isUnder(p, STATE_DIR))
  // "models/" in a .gitignore matches a directory only: a missing or directory output is
  // asked about in both forms.
  const forms = await Promise.all(
    outputs.map(async (p) => {
      const isFile = await stat(path.join(root, p)).then((s) => s.isFile(), () => false)
      return isFile ? [p] : [p, `${p}/`]
    }),
  )
  const [ignored, tracked] = await Promise.all([git.ignoredPaths(forms.flat()), git.trackedFiles(outputs)])
  return outputs.filter((p, i) => !forms[i]!.some((f) => ignored.has(f)) && !tracked.some((t) => isUnder(t, p)))
}

/** The one-line shell fix that ignores `outputs` (relative to `root`) in root's .gitignore. */
export function gitignoreFix(outputs: readonly string[], gitignoreFile: string): string {
  // Anchored ("/models") so only the declared path matches; glob characters escaped for git.
  const patterns = outputs.map((p) => shellQuote(`/${p.replace(/[\\*?[\]]/g, '\\$&')}`))
  return `printf '%s\\n' ${patterns.join(' ')} >> ${shellQuote(gitignoreFile)}`
}

function shellQuote(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`
}

function isUnder(file: string, dir: string): boolean {
  return dir === '.' || file === dir || file.startsWith(`${dir}/`)
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)]
}
