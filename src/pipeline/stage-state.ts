import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { FileHashes } from './run-record.js'

// What the last successful run of each stage saw and produced (DVC's dvc.lock idea). A stage
// whose hash matches and whose outs still hash to the recorded values can be skipped.

const StageState = z.object({ hash: z.string(), outs: FileHashes, finishedAt: z.string() })
const StateFile = z.object({ schema: z.literal(1), stages: z.record(z.string(), StageState) })

export type StageState = z.infer<typeof StageState>
export type StateFile = z.infer<typeof StateFile>

export const stateFilePath = (root: string) => path.join(root, '.mlops', 'state.json')

/** A missing or unreadable state file only means nothing is cached. */
export async function readStageState(root: string): Promise<StateFile> {
  try {
    return StateFile.parse(JSON.parse(await readFile(stateFilePath(root), 'utf8')))
  } catch {
    return { schema: 1, stages: {} }
  }
}

export async function writeStageState(root: string, state: StateFile): Promise<void> {
  await writeJsonAtomic(stateFilePath(root), state)
}

/** Write to a temp file and rename, so a crash never leaves half a JSON file behind. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  // Unique per call: two writes of the same file at once must not share (and steal) a temp file.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`)
  await rename(temp, file)
}
