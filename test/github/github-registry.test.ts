import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createGitHubRegistry, GITHUB_ACTIONS_TAGGER } from '../../src/github/github-registry.js'
import { createGitHubClient, type GitHubClient } from '../../src/github/octokit.js'
import type { RunRecord } from '../../src/pipeline/run-record.js'
import { Manifest } from '../../src/registry/manifest.js'
import { buildManifest } from '../../src/registry/registration.js'
import { AlreadyRegisteredError, RegistryError, type Registry } from '../../src/registry/registry.js'
import { formatAssignmentMessage, formatRegistrationMessage, tryParseManifestMessage } from '../../src/registry/tag-format.js'
import { buildRunRecord } from '../builders.js'
import { startFakeGitHub, type FakeGitHub } from '../fake-github/server.js'

// The GitHub registry against the fake GitHub (REST checked against GitHub's OpenAPI description).
// The client's throttling spaces writes 1 s apart, so the tests seed what they only read.

const MODEL = 'penguin'
let fake: FakeGitHub
let github: GitHubClient
let registry: Registry
let runs = 0

beforeEach(async () => {
  fake = await startFakeGitHub()
  github = createGitHubClient({ token: fake.token, baseUrl: fake.url })
  registry = createGitHubRegistry({ github, owner: fake.owner, repo: fake.repo })
})

afterEach(async () => {
  expect(fake.violations).toEqual([])
  await fake.close()
})

/** A successful run on a new commit the fake knows, with its own model file hash. */
function newRun(overrides: Partial<RunRecord> = {}): RunRecord {
  runs += 1
  const commit = fake.state.addCommit({ message: `train ${runs}` })
  return buildRunRecord({
    id: `run-${runs}`,
    model: { name: MODEL },
    git: { commit, branch: 'main', dirty: false },
    artifacts: [{ path: 'models/model.json', sha256: String(runs).padStart(64, '0'), size: 100 + runs }],
    ...overrides,
  })
}

/** Seeds a registration (and optionally a stage assignment) as annotated tags, like an earlier promotion. */
function seedVersion(version: string, opts: { stage?: string; counter?: number; date: string }): Manifest {
  const run = newRun()
  const manifest = buildManifest(run, { version, tag: `${MODEL}@v${version}`, commit: run.git.commit!, createdAt: opts.date, createdBy: 'alice' })
  fake.state.addAnnotatedTag({ tag: manifest.tag, commit: manifest.commit, message: formatRegistrationMessage(manifest), tagger: { ...GITHUB_ACTIONS_TAGGER, date: opts.date } })
  if (opts.stage) {
    fake.state.addAnnotatedTag({
      tag: `${MODEL}#${opts.stage}#${opts.counter}`,
      commit: manifest.commit,
      message: formatAssignmentMessage(MODEL, version, opts.stage, 'alice'),
      tagger: { ...GITHUB_ACTIONS_TAGGER, date: opts.date },
    })
  }
  return manifest
}

const writes = () => fake.requests.filter((r) => r.method !== 'GET').length

describe('register', () => {
  it('creates an annotated tag object, then its ref, for the version and the stage; reads them back', async () => {
    const run = newRun()
    const source = { repository: 'octo/penguins', pullRequest: 7, approvers: ['bob'], workflowRunUrl: 'https://github.com/octo/penguins/actions/runs/1' }
    const registration = await registry.register(run, { bump: 'minor', stage: 'production', actor: 'carol', source })

    expect(registration.tag).toBe('penguin@v0.1.0')
    expect(registration.manifest).toMatchObject({ version: '0.1.0', commit: run.git.commit, createdBy: 'carol', source })
    expect(registration.assignment).toMatchObject({ stage: 'production', version: '0.1.0', tag: 'penguin#production#1', commit: run.git.commit })

    // Both refs point at tag objects (annotated), which point at the run's commit.
    for (const tag of ['penguin@v0.1.0', 'penguin#production#1']) {
      const object = fake.state.tagObjects.get(fake.state.refs.get(`refs/tags/${tag}`)!)
      expect(object).toMatchObject({ tag, object: { sha: run.git.commit, type: 'commit' }, tagger: { name: 'github-actions[bot]' } })
    }
    const message = fake.state.tagObjects.get(fake.state.refs.get('refs/tags/penguin@v0.1.0')!)!.message
    expect(tryParseManifestMessage(message)).toEqual(registration.manifest)
    expect(fake.state.tagsCreatedByReleases).toEqual([])
    // The tag object is written before the ref that names it.
    expect(fake.requests.filter((r) => r.method === 'POST').map((r) => r.operationId)).toEqual(['git/create-tag', 'git/create-ref', 'git/create-tag', 'git/create-ref'])

    expect(await registry.findInStage(MODEL, 'production')).toEqual(registration.manifest)
    const [info] = await registry.listVersions(MODEL)
    expect(info).toMatchObject({ version: '0.1.0', tag: 'penguin@v0.1.0', commit: run.git.commit, createdBy: 'carol', stages: ['production'] })
    expect((await registry.history(MODEL)).map((e) => [e.kind, e.version, e.stage ?? null, e.actor])).toEqual([
      ['registration', '0.1.0', null, 'carol'],
      ['assignment', '0.1.0', 'production', 'carol'],
    ])
  })

  it('reads only its own model among tags with the same prefix, and counts lightweight tags as taken', async () => {
    seedVersion('0.3.0', { stage: 'production', counter: 4, date: '2025-01-01T00:00:00Z' })
    const other = fake.state.addCommit()
    fake.state.addAnnotatedTag({ tag: 'penguin-v2@v5.0.0', commit: other, message: 'Registering artifact penguin-v2 version v5.0.0' })
    fake.state.addAnnotatedTag({ tag: 'penguins#production#9', commit: other, message: 'Assigning stage production to artifact penguins version v1.0.0' })
    fake.state.setRef('refs/tags/penguin@v0.9.0', other) // lightweight: GTO ignores it, its name is taken all the same

    const versions = await registry.listVersions(MODEL)
    expect(versions.map((v) => [v.version, v.stages])).toEqual([['0.3.0', ['production']]])
    // Tag objects of other models are never fetched.
    expect(fake.countCalls({ operationId: 'git/get-tag' })).toBe(2)

    const registration = await registry.register(newRun(), { bump: 'minor', actor: 'carol' })
    expect(registration.tag).toBe('penguin@v0.10.0')
  })

  it('refuses to register the same commit and artifacts twice without writing anything', async () => {
    const manifest = seedVersion('1.0.0', { date: '2025-01-01T00:00:00Z' })
    const run = newRun({ git: { commit: manifest.commit, branch: 'main', dirty: false }, artifacts: manifest.artifacts })
    const error = await registry.register(run, { bump: 'minor', actor: 'carol' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AlreadyRegisteredError)
    expect(error).toMatchObject({ version: '1.0.0', commit: manifest.commit })

    const changed = { ...run, artifacts: [{ path: 'models/model.json', sha256: 'f'.repeat(64), size: 1 }] }
    await expect(registry.register(changed, { bump: 'minor', actor: 'carol' })).rejects.toThrow(/already has penguin 1.0.0 with different artifacts/)
    expect(writes()).toBe(0)
  })

  it('gives two concurrent registrations of different commits two different versions', async () => {
    seedVersion('1.0.0', { date: '2025-01-01T00:00:00Z' })
    const [a, b] = await Promise.all([
      registry.register(newRun(), { bump: 'minor', actor: 'a' }),
      createGitHubRegistry({ github, owner: fake.owner, repo: fake.repo }).register(newRun(), { bump: 'minor', actor: 'b' }),
    ])
    expect([a.manifest.version, b.manifest.version].sort()).toEqual(['1.1.0', '1.2.0'])
    expect(a.manifest.commit).not.toBe(b.manifest.commit)
    // The loser's first ref was refused; it re-read the tags and took the next version.
    expect(fake.countCalls({ operationId: 'git/create-ref', status: 422 })).toBe(1)
    for (const r of [a, b]) expect(fake.state.tagObjects.get(fake.state.refs.get(`refs/tags/${r.tag}`)!)?.object.sha).toBe(r.manifest.commit)
  })

  it('treats a ref whose creation answer was lost (a 502 after GitHub made it) as its own', async () => {
    fake.inject({ operationId: 'git/create-ref', status: 502, after: true })
    const run = newRun()
    const registration = await registry.register(run, { bump: 'patch', actor: 'carol' })
    expect(registration.tag).toBe('penguin@v0.0.1')
    // The retry met its own ref (422 already exists) and took it as done: one tag object, one ref.
    expect(fake.countCalls({ operationId: 'git/create-ref' })).toBe(2)
    expect(fake.countCalls({ operationId: 'git/create-tag' })).toBe(1)
    expect([...fake.state.refs.keys()].filter((r) => r.startsWith('refs/tags/'))).toEqual(['refs/tags/penguin@v0.0.1'])
  })

  it('reports API failures as RegistryErrors with the status and endpoint', async () => {
    const run = newRun({ git: { commit: 'e'.repeat(40), branch: 'main', dirty: false } }) // a commit GitHub does not have
    const error = await registry.register(run, { bump: 'minor', actor: 'carol' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RegistryError)
    expect((error as Error).message).toBe(
      `could not create tag object "penguin@v0.1.0" on eeeeeee: HTTP 422 on POST /repos/${fake.owner}/${fake.repo}/git/tags: Object does not exist`,
    )
  })
})

describe('assign (rollback)', () => {
  it('moves the stage back to an earlier version with a new assignment tag', async () => {
    seedVersion('1.0.0', { stage: 'production', counter: 1, date: '2025-01-01T00:00:00Z' })
    seedVersion('1.1.0', { stage: 'production', counter: 2, date: '2025-01-02T00:00:00Z' })
    expect((await registry.findInStage(MODEL, 'production'))?.version).toBe('1.1.0')

    const assignment = await registry.assign(MODEL, 'v1.0.0', 'production', { actor: 'dave' })
    expect(assignment).toMatchObject({ version: '1.0.0', stage: 'production', tag: 'penguin#production#3', previous: '1.1.0' })
    expect(fake.state.tagObjects.has(fake.state.refs.get('refs/tags/penguin#production#3')!)).toBe(true)
    expect((await registry.findInStage(MODEL, 'production'))?.version).toBe('1.0.0')
    expect((await registry.history(MODEL)).at(-1)).toMatchObject({ kind: 'assignment', version: '1.0.0', actor: 'dave' })

    await expect(registry.assign(MODEL, '1.0.0', 'production', { actor: 'dave' })).rejects.toThrow(/already in stage "production"/)
    await expect(registry.assign(MODEL, '2.0.0', 'production', { actor: 'dave' })).rejects.toThrow(/2.0.0 is not registered \(registered: 1.0.0, 1.1.0\)/)
    await expect(registry.assign(MODEL, '1.1.0', 'production', { actor: 'dave', stages: ['staging', 'production'], enforceOrder: true })).rejects.toThrow(
      /never been in stage "staging"/,
    )
  })
})
