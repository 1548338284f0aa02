import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  declaredPaths,
  findDirtyFiles,
  findUnignoredOutputs,
  gitignoreFix,
  MAX_RECORDED_DIRTY_FILES,
  mergeDirtyFiles,
  readGitState,
  summarizeDirtyFiles,
  type DeclaredPaths,
} from '../../src/pipeline/dirty-files.js'
import { buildSpec, writeFiles } from './helpers.js'

const exec = promisify(execFile)
const savedEnv = { ...process.env }
let dir: string

const git = async (...args: string[]) => (await exec('git', args, { cwd: dir })).stdout.trim()

async function commitAll(files: Record<string, string>): Promise<string> {
  await writeFiles(dir, files)
  await git('add', '-A')
  await git('commit', '-q', '-m', 'files')
  return git('rev-parse', 'HEAD')
}

const spec = buildSpec({
  params: 'params.yaml',
  data: { raw: { path: 'data/raw.csv' } },
  stages: {
    prepare: { run: 'true', deps: ['data/raw.csv', 'src/prepare.py'], outs: ['data/train.csv'] },
    train: { run: 'true', deps: ['data/train.csv', 'src/'], outs: ['models/'], plots: [{ file: 'reports/history.csv', x: 'epoch', y: 'loss' }] },
    evaluate: { run: 'true', deps: ['models/model.json', 'extra/'], metrics: ['reports/metrics.json'] },
  },
})
const paths: DeclaredPaths = declaredPaths(spec, 'mlops.yml')

beforeAll(() => {
  process.env.GIT_CONFIG_GLOBAL = os.devNull
  process.env.GIT_CONFIG_NOSYSTEM = '1'
  Object.assign(process.env, { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@x' })
})
afterAll(() => {
  process.env = savedEnv
})
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-dirty-'))
  await git('init', '-q', '-b', 'main')
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const SOURCES = { 'mlops.yml': 'version: 1\n', 'params.yaml': 'a: 1\n', 'data/raw.csv': 'x\n1\n', 'src/prepare.py': '', 'src/train.py': '', 'README.md': '' }

describe('declaredPaths', () => {
  it('splits the spec into what the pipeline writes and what it reads, normalised', () => {
    expect(paths.outputs.sort()).toEqual(['data/train.csv', 'models', 'models/model.json', 'reports/history.csv', 'reports/metrics.json'])
    expect(paths.inputs.sort()).toEqual(['data/raw.csv', 'data/train.csv', 'extra', 'mlops.yml', 'models/model.json', 'params.yaml', 'src', 'src/prepare.py'])
  })
})

describe('readGitState', () => {
  it('gives commit null and a clean state outside a repository or before the first commit', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'mlops-norepo-'))
    process.env.GIT_CEILING_DIRECTORIES = path.dirname(outside)
    try {
      expect(await readGitState(outside, paths)).toEqual({ commit: null, branch: null, dirty: false })
    } finally {
      delete process.env.GIT_CEILING_DIRECTORIES
      await rm(outside, { recursive: true, force: true })
    }
    await writeFiles(dir, { 'src/new.py': '' })
    expect(await readGitState(dir, paths)).toEqual({ commit: null, branch: 'main', dirty: false })
  })

  it('is clean with untracked declared outputs, .mlops/ and unrelated untracked files', async () => {
    const commit = await commitAll(SOURCES)
    await writeFiles(dir, {
      'data/train.csv': 'x\n',
      'models/model.json': '{}',
      'models/extra.bin': '',
      'reports/metrics.json': '{}',
      'reports/history.csv': 'epoch,loss\n',
      '.mlops/runs/latest': 'r\n',
      '.mlops/state.json': '{}',
      'notes.txt': 'scratch',
    })
    expect(await readGitState(dir, paths)).toEqual({ commit, branch: 'main', dirty: false })
  })

  it('counts declared outputs that are tracked and rewritten as clean, other tracked edits as dirty', async () => {
    await commitAll({ ...SOURCES, 'reports/metrics.json': '{"a":1}', '.mlops/state.json': '{}' })
    await writeFiles(dir, { 'reports/metrics.json': '{"a":2}', '.mlops/state.json': '{"x":1}' })
    expect((await readGitState(dir, paths)).dirty).toBe(false)
    await writeFiles(dir, { 'README.md': 'edited' })
    expect(await readGitState(dir, paths)).toMatchObject({ dirty: true, dirtyFiles: ['README.md'], dirtyCount: 1 })
  })

  it('counts untracked inputs: a dep file, a file under a dep directory, the params file, the spec', async () => {
    await commitAll({ 'data/raw.csv': 'x\n', 'src/prepare.py': '' })
    await writeFiles(dir, { 'src/helpers/new.py': '', 'extra/lookup.csv': '', 'mlops.yml': '', 'params.yaml': '', 'unrelated.py': '' })
    expect(await readGitState(dir, paths)).toMatchObject({
      dirty: true,
      dirtyFiles: ['extra/lookup.csv', 'mlops.yml', 'params.yaml', 'src/helpers/new.py'],
      dirtyCount: 4,
    })
  })

  it('counts an untracked part file of a dataset whose path is a glob (git takes pathspecs literally)', async () => {
    await commitAll({ 'data/raw.csv': 'x\n', 'events/part-1.csv': 'x\n' })
    const globbed = declaredPaths(buildSpec({ data: { events: { path: 'events/part-*.csv' } }, stages: { train: { run: 'true' } } }), 'mlops.yml')
    await writeFiles(dir, { 'events/part-2.csv': 'x\n', 'unrelated.py': '' })
    expect(await readGitState(dir, globbed)).toMatchObject({ dirty: true, dirtyFiles: ['events/part-2.csv'], dirtyCount: 1 })
  })

  it('does not count an untracked input that a .gitignore covers', async () => {
    await commitAll({ ...SOURCES, '.gitignore': 'extra/\n' })
    await writeFiles(dir, { 'extra/big.csv': '' })
    expect((await readGitState(dir, paths)).dirty).toBe(false)
  })

  it('works when mlops.yml sits in a subdirectory of the repository', async () => {
    await commitAll(Object.fromEntries(Object.entries(SOURCES).map(([k, v]) => [`ml/${k}`, v])))
    await writeFiles(dir, { 'ml/models/model.json': '{}', 'ml/src/new.py': '', 'docs/untracked.md': '' })
    await writeFile(path.join(dir, 'ml', 'README.md'), 'edited')
    const state = await readGitState(path.join(dir, 'ml'), paths)
    expect(state).toMatchObject({ dirty: true, dirtyFiles: ['README.md', 'src/new.py'] })
  })

  it('keeps the first files sorted and the full count', async () => {
    await commitAll(SOURCES)
    const many = Object.fromEntries(Array.from({ length: MAX_RECORDED_DIRTY_FILES + 5 }, (_, i) => [`src/gen/f${String(i).padStart(3, '0')}.py`, '']))
    await writeFiles(dir, many)
    const state = await readGitState(dir, paths)
    expect(state.dirtyCount).toBe(MAX_RECORDED_DIRTY_FILES + 5)
    expect(state.dirtyFiles).toHaveLength(MAX_RECORDED_DIRTY_FILES)
    expect(state.dirtyFiles![0]).toBe('src/gen/f000.py')
  })
})

describe('findDirtyFiles and mergeDirtyFiles', () => {
  it('finds after a run what the stages changed, joined with what was dirty before', async () => {
    const commit = await commitAll(SOURCES)
    await writeFiles(dir, { 'README.md': 'edited before' })
    const before = await readGitState(dir, paths)
    await writeFiles(dir, { 'src/written-by-a-stage.py': '', 'models/model.json': '{}' })
    const after = await findDirtyFiles(dir, paths)
    expect(after).toEqual(['README.md', 'src/written-by-a-stage.py'])
    expect(mergeDirtyFiles(before, after)).toEqual({ commit, branch: 'main', dirty: true, dirtyFiles: ['README.md', 'src/written-by-a-stage.py'], dirtyCount: 2 })
  })

  it('leaves a clean state clean, and keeps a larger count than the recorded list', () => {
    const clean = { commit: 'c', branch: null, dirty: false }
    expect(mergeDirtyFiles(clean, [])).toBe(clean)
    expect(mergeDirtyFiles({ ...clean, ...summarizeDirtyFiles(['a']), dirtyCount: 500 }, ['b'])).toMatchObject({ dirtyFiles: ['a', 'b'], dirtyCount: 500 })
  })
})

describe('findUnignoredOutputs and gitignoreFix', () => {
  it('names declared outputs that are neither ignored nor tracked, existing or not', async () => {
    await commitAll({ ...SOURCES, '.gitignore': 'models/\n', 'reports/metrics.json': '{}' })
    await writeFiles(dir, { 'reports/history.csv': '' })
    expect(await findUnignoredOutputs(dir, paths)).toEqual(['data/train.csv', 'reports/history.csv'])
  })

  it('accepts the fix it prints: after running it, nothing is left to ignore', async () => {
    await commitAll(SOURCES)
    await writeFiles(dir, { 'models/[v1].json': '' })
    const outputs = await findUnignoredOutputs(dir, { outputs: ['models/[v1].json', 'data/train.csv', "it's here"], inputs: [] })
    const fix = gitignoreFix(outputs, '.gitignore')
    expect(fix).toBe(`printf '%s\\n' '/models/\\[v1\\].json' /data/train.csv '/it'\\''s here' >> .gitignore`)
    await exec('sh', ['-c', fix], { cwd: dir })
    expect(await findUnignoredOutputs(dir, { outputs: ['models/[v1].json', 'data/train.csv', "it's here"], inputs: [] })).toEqual([])
    // The escaped pattern matches only the declared name.
    await writeFiles(dir, { 'models/v.json': '' })
    expect(await git('status', '--porcelain', '--untracked-files=all')).toContain('models/v.json')
  })
})
