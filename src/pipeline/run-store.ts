import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { RunRecord } from './run-record.js'
import { writeJsonAtomic } from './stage-state.js'

// Run records live in .mlops/runs/<id>/run.json; `latest` holds the newest id (a file, not a
// symlink, so it works on Windows runners too).

export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError'
}

export const runsDir = (root: string) => path.join(root, '.mlops', 'runs')

/** Where a run keeps the full profile of one dataset, relative to its folder. */
export const runProfileFile = (data: string) => `profiles/${data}.json`

/** Writes a dataset's profile into the run's folder; returns its path relative to that folder and its hash. */
export async function writeRunProfile(root: string, runId: string, data: string, profile: unknown): Promise<{ path: string; sha256: string }> {
  const rel = runProfileFile(data)
  const text = `${JSON.stringify(profile)}\n`
  await mkdir(path.join(runsDir(root), runId, 'profiles'), { recursive: true })
  await writeFile(path.join(runsDir(root), runId, rel), text)
  return { path: rel, sha256: createHash('sha256').update(text).digest('hex') }
}

/**
 * Makes .mlops/ ignore itself (a .gitignore holding "*"), so runs, caches and the local store
 * never show in `git status` nor get committed by `git add -A`. True when it was missing.
 */
export async function ignoreStateDir(root: string): Promise<boolean> {
  await mkdir(path.join(root, '.mlops'), { recursive: true })
  return writeFile(path.join(root, '.mlops', '.gitignore'), '*\n', { flag: 'wx' }).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return false
      throw error
    },
  )
}

/** Sortable and unique: 20261125-101500-3f9a. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return `${stamp}-${randomBytes(2).toString('hex')}`
}

export async function writeRunRecord(root: string, record: RunRecord): Promise<string> {
  const file = path.join(runsDir(root), record.id, 'run.json')
  await writeJsonAtomic(file, RunRecord.parse(record))
  await writeFile(path.join(runsDir(root), 'latest'), `${record.id}\n`)
  return file
}

/** Reads a run by id, by path to a run.json, or the latest one. */
export async function readRunRecord(root: string, ref = 'latest'): Promise<{ record: RunRecord; file: string }> {
  let file: string
  if (ref.endsWith('.json')) {
    file = path.resolve(root, ref)
  } else {
    const id = ref === 'latest' ? await readFile(path.join(runsDir(root), 'latest'), 'utf8').then((s) => s.trim()).catch(() => undefined) : ref
    if (!id) throw new RunNotFoundError('no run recorded yet; run "mlops run" first')
    if (!/^[\w.-]+$/.test(id)) throw new RunNotFoundError(`invalid run id "${id}"`)
    file = path.join(runsDir(root), id, 'run.json')
  }
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new RunNotFoundError(`run record not found: "${path.relative(root, file)}"`, { cause: error })
  }
  const parsed = RunRecord.safeParse(JSON.parse(text))
  if (!parsed.success) throw new RunNotFoundError(`"${path.relative(root, file)}" is not a valid run record: ${parsed.error.issues[0]?.message}`)
  return { record: parsed.data, file }
}
