import { describe, expect, it } from 'vitest'
import type { GitTag } from '../../src/registry/git.js'
import { Manifest } from '../../src/registry/manifest.js'
import { buildManifest, refuseDuplicate, refuseUnregistrable, sameArtifacts, validateNames, wholeSeconds } from '../../src/registry/registration.js'
import { AlreadyRegisteredError, RegistryError } from '../../src/registry/registry.js'
import { computeModelState, resolveManifest } from '../../src/registry/registry-state.js'
import { formatRegistrationMessage } from '../../src/registry/tag-format.js'
import { buildDataResult, buildGateVerdict, buildRunRecord, buildStageRecord } from '../builders.js'

const COMMIT = '3f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e'
const ids = { version: '0.2.0', tag: 'penguin-classifier@v0.2.0', commit: COMMIT, createdAt: '2025-06-01T12:05:00.000Z', createdBy: 'alice' }

function registeredAt(manifest: Manifest): GitTag {
  return {
    name: manifest.tag,
    annotated: true,
    target: manifest.commit,
    targetType: 'commit',
    message: formatRegistrationMessage(manifest).trim(),
    tagger: 'github-actions[bot]',
    taggerEmail: 'bot@example.com',
    taggedAt: manifest.createdAt,
  }
}

describe('refuseUnregistrable', () => {
  it('returns the commit of a successful, gated, clean run with artifacts', () => {
    expect(refuseUnregistrable(buildRunRecord())).toBe(COMMIT)
  })

  it.each([
    ['a failed run', { status: 'failed' as const, stages: [buildStageRecord({ status: 'failed' })] }, /failed: train \(failed\)/],
    [
      'failed gates',
      { gates: buildGateVerdict({ results: [{ metric: 'accuracy', rule: 'min', threshold: 0.95, value: 0.9, status: 'fail', message: '' }] }) },
      /did not pass its gates: accuracy min 0.95 \(got 0.9\)/,
    ],
    ['no commit', { git: { commit: null, branch: null, dirty: false } }, /has no git commit/],
    ['a dirty tree', { git: { commit: COMMIT, branch: 'main', dirty: true } }, /uncommitted changes on top of 3f2c1d0, so/],
    ['a dirty tree, naming its files', { git: { commit: COMMIT, branch: 'main', dirty: true, dirtyFiles: ['a.py', 'b "q".csv'], dirtyCount: 2 } }, /3f2c1d0 \("a\.py", "b \\"q\\"\.csv"\), so/],
    [
      'a dirty tree with more files than listed',
      { git: { commit: COMMIT, branch: 'main', dirty: true, dirtyFiles: Array.from({ length: 20 }, (_, i) => `f${i}`), dirtyCount: 250 } },
      /"f8", "f9" and 240 more\), so/,
    ],
    ['no artifacts', { artifacts: [] }, /recorded no artifacts/],
  ])('refuses %s', (_, overrides, message) => {
    expect(() => refuseUnregistrable(buildRunRecord(overrides))).toThrow(message)
  })
})

describe('buildManifest', () => {
  it('carries the run and ids, and the source lineage when given', () => {
    const run = buildRunRecord({ model: { name: 'penguin-classifier', description: 'Species' }, data: [buildDataResult()] })
    const source = { repository: 'octo/penguins', pullRequest: 12, approvers: ['bob'], workflowRunUrl: 'https://github.com/octo/penguins/actions/runs/2' }
    const manifest = buildManifest(run, ids, source)
    expect(Manifest.parse(manifest)).toEqual(manifest)
    expect(manifest).toMatchObject({ ...ids, model: 'penguin-classifier', description: 'Species', runId: run.id, artifacts: run.artifacts, source })
    expect(manifest.data).toEqual([{ name: 'penguins', path: 'data/penguins.csv', sha256: 'a'.repeat(64), rows: 344 }])
    expect('source' in buildManifest(run, ids)).toBe(false)
  })
})

describe('refuseDuplicate', () => {
  const run = buildRunRecord()
  const manifest = buildManifest(run, ids)
  const state = computeModelState('penguin-classifier', [registeredAt(manifest)])
  const read = async () => resolveManifest('penguin-classifier', state.versions.get('0.2.0')!, undefined)

  it('passes a commit without a version', async () => {
    await expect(refuseDuplicate(state, buildRunRecord({ git: { commit: 'f'.repeat(40), branch: null, dirty: false } }), 'f'.repeat(40), read)).resolves.toBeUndefined()
  })

  it('says AlreadyRegistered for the same commit and artifacts (in any order)', async () => {
    const error = await refuseDuplicate(state, run, COMMIT, read).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AlreadyRegisteredError)
    expect(error).toMatchObject({ model: 'penguin-classifier', version: '0.2.0', commit: COMMIT })
  })

  it('refuses the same commit with different artifacts as a plain RegistryError', async () => {
    const other = buildRunRecord({ artifacts: [{ path: 'models/model.json', sha256: 'e'.repeat(64), size: 1 }] })
    const error = await refuseDuplicate(state, other, COMMIT, read).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RegistryError)
    expect(error).not.toBeInstanceOf(AlreadyRegisteredError)
    expect((error as Error).message).toMatch(/already has penguin-classifier 0.2.0 with different artifacts; GTO allows one version per commit/)
  })
})

describe('helpers', () => {
  it('compares artifacts as sets of path and hash', () => {
    const a = [
      { path: 'a', sha256: '1', size: 1 },
      { path: 'b', sha256: '2', size: 2 },
    ]
    expect(sameArtifacts(a, [...a].reverse())).toBe(true)
    expect(sameArtifacts(a, [{ ...a[0]!, sha256: '3' }, a[1]!])).toBe(false)
  })

  it('validates names as RegistryErrors and cuts dates to whole seconds', () => {
    expect(() => validateNames('bad name', undefined)).toThrow(RegistryError)
    expect(() => validateNames('penguin', 'prod#1')).toThrow(/invalid stage name/)
    expect(wholeSeconds(new Date('2025-06-01T12:00:00.999Z')).toISOString()).toBe('2025-06-01T12:00:00.000Z')
  })
})
