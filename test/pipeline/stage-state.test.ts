import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readStageState, stateFilePath, writeJsonAtomic, writeStageState, type StateFile } from '../../src/pipeline/stage-state.js'
import { tempDirs, writeFiles } from './helpers.js'

const dirs = tempDirs()
let root: string

beforeEach(async () => {
  root = await dirs.make('mlops-state-')
})
afterEach(() => dirs.cleanup())

const entry = (n: number) => ({ hash: `h${n}`, outs: { [`out${n}`]: `o${n}` }, finishedAt: '2025-01-01T00:00:00.000Z' })

describe('stage state', () => {
  it('round-trips through .mlops/state.json', async () => {
    const state: StateFile = { schema: 1, stages: { train: entry(1) } }
    await writeStageState(root, state)
    expect(stateFilePath(root)).toBe(path.join(root, '.mlops', 'state.json'))
    expect(await readStageState(root)).toEqual(state)
  })

  it('treats a missing, corrupt or foreign state file as "nothing cached"', async () => {
    expect(await readStageState(root)).toEqual({ schema: 1, stages: {} })
    await writeFiles(root, { '.mlops/state.json': '{ half a file' })
    expect(await readStageState(root)).toEqual({ schema: 1, stages: {} })
    await writeFiles(root, { '.mlops/state.json': JSON.stringify({ schema: 2, stages: {} }) })
    expect(await readStageState(root)).toEqual({ schema: 1, stages: {} })
  })

  it('survives many writes of the same file at once and leaves no temp files', async () => {
    // Stages that finish together save the state together.
    const file = path.join(root, '.mlops', 'state.json')
    const writes = Array.from({ length: 8 }, (_, i) => writeJsonAtomic(file, { schema: 1, stages: { [`s${i}`]: entry(i) } }))
    await expect(Promise.all(writes)).resolves.toHaveLength(8)
    expect(JSON.parse(await readFile(file, 'utf8')).schema).toBe(1)
    expect(await readdir(path.dirname(file))).toEqual(['state.json'])
  })
})
