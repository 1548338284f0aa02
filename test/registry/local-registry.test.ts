import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { RunRecord } from '../../src/pipeline/run-record.js'
import { formatVersions } from '../../src/registry/format-versions.js'
import { readGitState } from '../../src/pipeline/dirty-files.js'
import { createLocalRegistry } from '../../src/registry/local-registry.js'
import { Manifest } from '../../src/registry/manifest.js'
import { AlreadyRegisteredError, RegistryError, type Registry } from '../../src/registry/registry.js'

const run = promisify(execFile)
const MODEL = 'penguin'
const ARTIFACT = 'models/model.json'
const savedEnv = { ...process.env }

let repo: string
let store: string
let registry: Registry
let clock: number
let runCount: number

async function git(...args: string[]): Promise<string> {
  return (await run('git', args, { cwd: repo })).stdout.trim()
}

async function commit(file: string, content: string): Promise<string> {
  await mkdir(path.dirname(path.join(repo, file)), { recursive: true })
  await writeFile(path.join(repo, file), content)
  await git('add', file)
  await git('commit', '-q', '-m', `change ${file}`)
  return git('rev-parse', 'HEAD')
}

async function writeModel(content: string): Promise<void> {
  await mkdir(path.join(repo, 'models'), { recursive: true })
  await writeFile(path.join(repo, ARTIFACT), content)
}

function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex')
}

/** A run record of the repository as it is now, like the pipeline would write it. */
async function recordRun(overrides: Partial<RunRecord> = {}): Promise<RunRecord> {
  const content = await readFile(path.join(repo, ARTIFACT))
  runCount += 1
  return RunRecord.parse({
    schema: 1,
    id: `run-${runCount}`,
    model: { name: MODEL, description: 'Predicts the species' },
    spec: { path: 'mlops.yml', sha256: '0'.repeat(64) },
    git: await readGitState(repo, { inputs: ['src'], outputs: [ARTIFACT] }),
    startedAt: '2024-05-01T08:00:00.000Z',
    finishedAt: '2024-05-01T08:01:00.000Z',
    status: 'succeeded',
    params: { 'train.epochs': 10 },
    stages: [],
    data: [{ name: 'penguins', path: 'data/penguins.csv', format: 'csv', sha256: 'c'.repeat(64), rows: 344, passed: true, checks: [] }],
    metrics: { accuracy: { value: 0.9 + runCount / 100, file: 'reports/metrics.json', direction: 'higher' } },
    gates: {
      passed: true,
      results: [{ metric: 'accuracy', rule: 'min', threshold: 0.9, value: 0.93, status: 'pass', message: 'accuracy 0.93 ≥ 0.9' }],
    },
    plots: [],
    artifacts: [{ path: ARTIFACT, sha256: sha256(content), size: content.length }],
    ...overrides,
  })
}

async function newModelVersion(n: number): Promise<RunRecord> {
  await commit('src/train.py', `epochs = ${n}\n`)
  await writeModel(`{"weights": [${n}]}`)
  return recordRun()
}

const options = { bump: 'minor', stage: 'production', actor: 'alice' } as const

async function storeEntries(): Promise<string[]> {
  return readdir(path.join(store, MODEL)).catch(() => [])
}

beforeAll(() => {
  process.env.GIT_CONFIG_GLOBAL = os.devNull
  process.env.GIT_CONFIG_NOSYSTEM = '1'
})

afterAll(() => {
  process.env = savedEnv
})

beforeEach(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'mlops-registry-'))
  store = path.join(repo, '.mlops', 'registry')
  await git('init', '-q', '-b', 'main')
  await git('config', 'user.name', 'Test User')
  await git('config', 'user.email', 'test@example.com')
  await commit('.gitignore', 'models/\n.mlops/\n')
  clock = Date.parse('2024-05-01T09:00:00Z')
  runCount = 0
  // Each registry operation happens a minute after the previous one.
  registry = createLocalRegistry({ repoDir: repo, storeDir: '.mlops/registry', now: () => new Date((clock += 60_000)) })
})

afterEach(async () => {
  await rm(repo, { recursive: true, force: true })
})

describe('register', () => {
  it('tags the first version 0.1.0 with an annotated tag, stores artifacts and manifest, and assigns the stage', async () => {
    const record = await newModelVersion(1)
    const registration = await registry.register(record, options)

    expect(registration.tag).toBe('penguin@v0.1.0')
    expect(registration.manifest).toMatchObject({ model: MODEL, version: '0.1.0', commit: record.git.commit, runId: 'run-1', createdBy: 'alice' })
    expect(await git('cat-file', '-t', 'penguin@v0.1.0')).toBe('tag')
    expect(await git('rev-parse', 'penguin@v0.1.0^{commit}')).toBe(record.git.commit)
    expect(await git('tag', '-l', '--format=%(contents:subject)', 'penguin@v0.1.0')).toBe('Registering artifact penguin version v0.1.0')

    const versionDir = path.join(store, MODEL, '0.1.0')
    expect(registration.path).toBe(versionDir)
    const manifest = Manifest.parse(JSON.parse(await readFile(path.join(versionDir, 'manifest.json'), 'utf8')))
    expect(manifest.artifacts).toEqual(record.artifacts)
    expect(sha256(await readFile(path.join(versionDir, ARTIFACT)))).toBe(record.artifacts[0]?.sha256)
    expect(await storeEntries()).toEqual(['0.1.0'])

    expect(registration.assignment).toMatchObject({ stage: 'production', version: '0.1.0', tag: 'penguin#production#1' })
    expect(registration.assignment?.previous).toBeUndefined()
    expect(await git('cat-file', '-t', 'penguin#production#1')).toBe('tag')
    expect(await git('rev-parse', 'penguin#production#1^{commit}')).toBe(record.git.commit)
    expect(await registry.findInStage(MODEL, 'production')).toEqual(manifest)
  })

  it('bumps to 0.2.0 after a new commit, and the new version takes the stage', async () => {
    await registry.register(await newModelVersion(1), options)
    const second = await registry.register(await newModelVersion(2), options)

    expect(second.manifest.version).toBe('0.2.0')
    expect(second.assignment).toMatchObject({ tag: 'penguin#production#2', previous: '0.1.0' })
    expect((await registry.findInStage(MODEL, 'production'))?.version).toBe('0.2.0')
    const versions = await registry.listVersions(MODEL)
    expect(versions.map((v) => [v.version, v.stages])).toEqual([
      ['0.2.0', ['production']],
      ['0.1.0', []],
    ])
    expect(versions[0]).toMatchObject({ createdBy: 'alice', tag: 'penguin@v0.2.0', createdAt: '2024-05-01T09:03:00.000Z' })
  })

  it('applies the bump to 0.0.0 for the first version, and takes an explicit version', async () => {
    expect((await registry.register(await newModelVersion(1), { ...options, bump: 'major' })).manifest.version).toBe('1.0.0')
    expect((await registry.register(await newModelVersion(2), { ...options, bump: 'patch' })).manifest.version).toBe('1.0.1')
    expect((await registry.register(await newModelVersion(3), { ...options, version: 'v3.0.0-rc.1' })).manifest.version).toBe('3.0.0-rc.1')
    await expect(registry.register(await newModelVersion(4), { ...options, version: '1.0.1' })).rejects.toThrow(
      'penguin 1.0.1 is registered already (tag penguin@v1.0.1)',
    )
  })

  it('registers without assigning when no stage is given', async () => {
    const registration = await registry.register(await newModelVersion(1), { bump: 'minor', actor: 'alice' })
    expect(registration.assignment).toBeUndefined()
    expect(await git('tag', '-l')).toBe('penguin@v0.1.0')
    expect(await registry.findInStage(MODEL, 'production')).toBeUndefined()
  })
})

describe('register refuses', () => {
  async function expectNothingWritten(): Promise<void> {
    expect(await git('tag', '-l')).toBe('')
    expect(await storeEntries()).toEqual([])
  }

  it('a run whose gates failed, naming the failing gates', async () => {
    const record = await newModelVersion(1)
    const failed = await recordRun({
      gates: {
        passed: false,
        results: [
          { metric: 'accuracy', rule: 'min', threshold: 0.9, value: 0.85, status: 'fail', message: 'accuracy 0.85 < 0.9' },
          { metric: 'f1', rule: 'min', threshold: 0.8, status: 'fail', message: 'f1 missing' },
          { metric: 'loss', rule: 'max', threshold: 1, value: 0.2, status: 'pass', message: 'ok' },
        ],
      },
    })
    expect(record.gates.passed).toBe(true)
    const error = await registry.register(failed, options).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RegistryError)
    expect((error as Error).message).toBe('run run-2 did not pass its gates: accuracy min 0.9 (got 0.85); f1 min 0.8 (not produced)')
    await expectNothingWritten()
  })

  it('a failed run', async () => {
    await writeModel('{}')
    const failed = await recordRun({ status: 'failed' })
    await expect(registry.register(failed, options)).rejects.toThrow('run run-1 failed; only a successful run can be registered')
    await expectNothingWritten()
  })

  it('a run outside a git repository', async () => {
    await writeModel('{}')
    const record = await recordRun({ git: { commit: null, branch: null, dirty: false } })
    await expect(registry.register(record, options)).rejects.toThrow(/has no git commit/)
    await expectNothingWritten()
  })

  it('a run made on a dirty tree, telling to commit first', async () => {
    await commit('src/train.py', 'epochs = 1\n')
    await writeFile(path.join(repo, 'src', 'train.py'), 'epochs = 2\n')
    await writeModel('{}')
    const record = await recordRun()
    expect(record.git.dirty).toBe(true)
    await expect(registry.register(record, options)).rejects.toThrow(/uncommitted changes .*commit \(or gitignore\) the changes/)
    await expectNothingWritten()
  })

  it('the same commit and artifacts twice, naming the registered version', async () => {
    const record = await newModelVersion(1)
    await registry.register(record, options)
    const again = await recordRun()
    const error = await registry.register(again, options).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AlreadyRegisteredError)
    expect((error as AlreadyRegisteredError).version).toBe('0.1.0')
    expect((error as Error).message).toMatch(/^penguin 0.1.0 already registers commit [0-9a-f]{7} with the same artifacts/)
    expect(await storeEntries()).toEqual(['0.1.0'])
  })

  it('a second version on the same commit, since GTO maps stage tags to versions by commit', async () => {
    await registry.register(await newModelVersion(1), options)
    await writeModel('{"weights": [99]}')
    await expect(registry.register(await recordRun(), options)).rejects.toThrow(
      /already has penguin 0.1.0 with different artifacts; GTO allows one version per commit/,
    )
  })

  it('artifacts that changed after the run, leaving no tag and no store entry', async () => {
    const record = await newModelVersion(1)
    await writeModel('{"weights": "retrained"}')
    await expect(registry.register(record, options)).rejects.toThrow(
      new RegExp(`artifact "${ARTIFACT}" changed since run run-1: its sha256 is ${sha256('{"weights": "retrained"}')}`),
    )
    await expectNothingWritten()
  })

  it('artifact paths that leave the project', async () => {
    const record = await newModelVersion(1)
    const escaping = { ...record, artifacts: [{ path: '../outside.bin', sha256: 'a'.repeat(64), size: 1 }] }
    await expect(registry.register(escaping, options)).rejects.toThrow('artifact path "../outside.bin" leaves the project directory')
    await expectNothingWritten()
  })

  it('stage names GTO cannot parse', async () => {
    await expect(registry.register(await newModelVersion(1), { ...options, stage: 'prod.eu' })).rejects.toThrow(RegistryError)
    await expectNothingWritten()
  })
})

describe('register cleans up when tagging fails', () => {
  it('removes the store entry when the registration tag cannot be created', async () => {
    const record = await newModelVersion(1)
    // A ref below the tag's name makes git refuse to create the tag itself.
    await git('update-ref', 'refs/tags/penguin@v0.1.0/blocker', 'HEAD')
    await expect(registry.register(record, options)).rejects.toThrow(/could not create tag "penguin@v0.1.0"/)
    expect(await storeEntries()).toEqual([])
  })

  it('removes the registration tag and the store entry when the stage tag cannot be created', async () => {
    const record = await newModelVersion(1)
    await git('update-ref', 'refs/tags/penguin#production#1/blocker', 'HEAD')
    await expect(registry.register(record, options)).rejects.toThrow(/could not create tag "penguin#production#1"/)
    expect(await git('tag', '-l', 'penguin@*')).toBe('')
    expect(await storeEntries()).toEqual([])
  })
})

describe('stages, rollback and history', () => {
  it('rolls back with assign: the older version holds the stage and history lists every event in order', async () => {
    await registry.register(await newModelVersion(1), options)
    await registry.register(await newModelVersion(2), options)

    const rollback = await registry.assign(MODEL, '0.1.0', 'production', { actor: 'bob' })
    expect(rollback).toMatchObject({ version: '0.1.0', stage: 'production', tag: 'penguin#production#3', previous: '0.2.0' })
    expect((await registry.findInStage(MODEL, 'production'))?.version).toBe('0.1.0')
    expect((await registry.listVersions(MODEL)).map((v) => [v.version, v.stages])).toEqual([
      ['0.2.0', []],
      ['0.1.0', ['production']],
    ])

    const history = await registry.history(MODEL)
    expect(history.map((e) => [e.kind, e.version, e.stage, e.tag, e.actor])).toEqual([
      ['registration', '0.1.0', undefined, 'penguin@v0.1.0', 'alice'],
      ['assignment', '0.1.0', 'production', 'penguin#production#1', 'alice'],
      ['registration', '0.2.0', undefined, 'penguin@v0.2.0', 'alice'],
      ['assignment', '0.2.0', 'production', 'penguin#production#2', 'alice'],
      ['assignment', '0.1.0', 'production', 'penguin#production#3', 'bob'],
    ])
    expect(history.map((e) => e.at)).toEqual([1, 2, 3, 4, 5].map((m) => new Date(Date.parse('2024-05-01T09:00:00Z') + m * 60_000).toISOString()))
  })

  it('refuses to assign an unknown version or one already in the stage', async () => {
    await registry.register(await newModelVersion(1), options)
    await expect(registry.assign(MODEL, '0.9.0', 'production', { actor: 'bob' })).rejects.toThrow('penguin 0.9.0 is not registered (registered: 0.1.0)')
    await expect(registry.assign(MODEL, '0.1.0', 'production', { actor: 'bob' })).rejects.toThrow('penguin 0.1.0 is already in stage "production"')
  })

  it('enforces ordered stages when asked', async () => {
    const order = { stages: ['staging', 'production'], enforceOrder: true }
    await expect(registry.register(await newModelVersion(1), { ...options, ...order })).rejects.toThrow(
      'penguin 0.1.0 has never been in stage "staging", which comes before "production"; assign it to "staging" first',
    )
    expect(await git('tag', '-l')).toBe('')

    await registry.register(await recordRun(), { ...options, ...order, stage: 'staging' })
    await registry.assign(MODEL, '0.1.0', 'production', { actor: 'bob', ...order })
    expect((await registry.findInStage(MODEL, 'production'))?.version).toBe('0.1.0')
    expect((await registry.findInStage(MODEL, 'staging'))?.version).toBe('0.1.0')
    await expect(registry.assign(MODEL, '0.1.0', 'canary', { actor: 'bob', ...order })).rejects.toThrow(
      'stage "canary" is not one of the ordered stages [staging, production]',
    )
  })

  it('follows GTO: unassignment hands the stage back, lightweight tags are ignored but counted', async () => {
    await registry.register(await newModelVersion(1), options)
    const second = await registry.register(await newModelVersion(2), options)
    // As `gto unassign` would write it, half a minute after the last assignment.
    const unassign = ['-c', 'user.name=gto', 'tag', '-a', '-m', 'Unassigning stage', 'penguin#production!#3', second.manifest.commit]
    await run('git', unassign, { cwd: repo, env: { ...process.env, GIT_COMMITTER_DATE: `${clock / 1000 + 30} +0000` } })
    expect((await registry.findInStage(MODEL, 'production'))?.version).toBe('0.1.0')

    await git('tag', 'penguin#staging#7', second.manifest.commit)
    expect(await registry.findInStage(MODEL, 'staging')).toBeUndefined()
    const assignment = await registry.assign(MODEL, '0.2.0', 'staging', { actor: 'bob' })
    expect(assignment.tag).toBe('penguin#staging#8')
    expect((await registry.history(MODEL)).map((e) => e.kind)).toEqual([
      'registration',
      'assignment',
      'registration',
      'assignment',
      'unassignment',
      'assignment',
    ])
  })

  it('reads the manifest from the tag message when the store lacks it', async () => {
    const registration = await registry.register(await newModelVersion(1), options)
    await rm(store, { recursive: true, force: true })
    expect(await registry.findInStage(MODEL, 'production')).toEqual(registration.manifest)
    expect((await registry.listVersions(MODEL))[0]?.manifest).toEqual(registration.manifest)
  })

  it('renders the versions table and history', async () => {
    await registry.register(await newModelVersion(1), options)
    const second = await registry.register(await newModelVersion(2), options)
    await registry.assign(MODEL, '0.1.0', 'production', { actor: 'bob' })
    const output = formatVersions(MODEL, await registry.listVersions(MODEL), await registry.history(MODEL))
    const short = second.manifest.commit.slice(0, 7)
    expect(output).toContain('penguin: 2 versions')
    expect(output).toMatch(/^VERSION {2}CREATED \(UTC\) {5}COMMIT {3}STAGES {6}METRICS$/m)
    expect(output).toContain(`0.2.0    2024-05-01 09:03  ${short}  -           accuracy=0.92`)
    expect(output).toMatch(/^0\.1\.0 {4}2024-05-01 09:01 {2}[0-9a-f]{7} {2}production {2}accuracy=0\.91$/m)
    expect(output).toContain('2024-05-01 09:05  assigned 0.1.0 to production (penguin#production#3) by bob')
    expect(formatVersions(MODEL, [], [])).toBe('No versions of penguin are registered yet.\n')
  })
})
