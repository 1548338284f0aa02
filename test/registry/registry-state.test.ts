import { describe, expect, it } from 'vitest'
import type { GitTag } from '../../src/registry/git.js'
import { RegistryError } from '../../src/registry/registry.js'
import {
  activeVersions,
  checkStageOrder,
  computeModelState,
  describeVersions,
  nextAssignmentTag,
  nextVersion,
  requireActiveVersion,
  resolveManifest,
  versionInStage,
} from '../../src/registry/registry-state.js'
import { formatRegistrationMessage } from '../../src/registry/tag-format.js'
import { buildManifest } from '../builders.js'

const MODEL = 'penguin-classifier'
const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const C = 'c'.repeat(40)

/** Minutes after 09:00 UTC, as git prints a tagger date. */
function at(minute: number): string {
  return new Date(Date.parse('2024-05-01T09:00:00Z') + minute * 60_000).toISOString().replace('.000Z', '+00:00')
}

function tag(name: string, target: string, minute: number | undefined, overrides: Partial<GitTag> = {}): GitTag {
  return {
    name,
    annotated: true,
    target,
    targetType: 'commit',
    message: '',
    tagger: 'Tagger',
    taggerEmail: 'tagger@example.com',
    taggedAt: minute === undefined ? undefined : at(minute),
    ...overrides,
  }
}

function registration(version: string, target: string, minute: number | undefined, createdBy = 'alice'): GitTag {
  const manifest = buildManifest({ version, tag: `${MODEL}@v${version}`, commit: target, createdBy })
  return tag(`${MODEL}@v${version}`, target, minute, { message: formatRegistrationMessage(manifest) })
}

function assignment(stage: string, counter: number, target: string, minute: number, actor = 'bob'): GitTag {
  return tag(`${MODEL}#${stage}#${counter}`, target, minute, { message: `Assigning stage ${stage}\n\nActor: ${actor}\n` })
}

/** 0.1.0 on A, then 0.2.0 on B, each assigned to production right after registering. */
const twoReleases = [
  registration('0.1.0', A, 1),
  assignment('production', 1, A, 2),
  registration('0.2.0', B, 3),
  assignment('production', 2, B, 4),
]

describe('computeModelState', () => {
  it('reads versions, stage holders and events from the tags in tagger-date order, whatever the input order', () => {
    const state = computeModelState(MODEL, [...twoReleases].reverse())

    expect([...state.versions.keys()]).toEqual(['0.1.0', '0.2.0'])
    expect(state.versions.get('0.1.0')).toMatchObject({ commit: A, active: true, tag: { name: `${MODEL}@v0.1.0` } })
    expect([...state.holders]).toEqual([['production', '0.2.0']])
    expect(state.events.map((e) => [e.kind, e.version, e.stage, e.tag, e.actor, e.at])).toEqual([
      ['registration', '0.1.0', undefined, `${MODEL}@v0.1.0`, 'alice', '2024-05-01T09:01:00.000Z'],
      ['assignment', '0.1.0', 'production', `${MODEL}#production#1`, 'bob', '2024-05-01T09:02:00.000Z'],
      ['registration', '0.2.0', undefined, `${MODEL}@v0.2.0`, 'alice', '2024-05-01T09:03:00.000Z'],
      ['assignment', '0.2.0', 'production', `${MODEL}#production#2`, 'bob', '2024-05-01T09:04:00.000Z'],
    ])
  })

  it('ignores other models, non-GTO tags and lightweight tags, but keeps every tag name of the model', () => {
    const state = computeModelState(MODEL, [
      registration('0.1.0', A, 1),
      tag(`${MODEL}-v2@v1.0.0`, A, 2),
      tag('other#production#9', A, 2),
      tag('release-1.0', A, 2),
      tag(`${MODEL}#staging#7`, A, 3, { annotated: false, taggedAt: undefined }),
    ])

    expect(state.tagNames).toEqual([`${MODEL}@v0.1.0`, `${MODEL}#staging#7`])
    expect(state.holders.has('staging')).toBe(false)
    expect(state.events.map((e) => e.tag)).toEqual([`${MODEL}@v0.1.0`])
    expect(nextAssignmentTag(state, 'staging')).toBe(`${MODEL}#staging#8`)
  })

  it('gives the stage to the latest active assignment; unassigning hands it back to the one before', () => {
    const state = computeModelState(MODEL, [
      ...twoReleases,
      tag(`${MODEL}#production!#3`, B, 5, { tagger: 'gto' }),
    ])

    expect(state.holders.get('production')).toBe('0.1.0')
    expect(state.events.at(-1)).toMatchObject({ kind: 'unassignment', version: '0.2.0', stage: 'production', actor: 'gto' })
  })

  it('drops a deregistered version and the stages it held', () => {
    const state = computeModelState(MODEL, [
      ...twoReleases,
      tag(`${MODEL}@v0.2.0!#3`, B, 5, { message: 'Deregistering\n\nActor: carol\n' }),
    ])

    expect(state.versions.get('0.2.0')?.active).toBe(false)
    expect(activeVersions(state).map((v) => v.version)).toEqual(['0.1.0'])
    expect(state.holders.get('production')).toBe('0.1.0')
    expect(state.events.at(-1)).toMatchObject({ kind: 'deregistration', version: '0.2.0', actor: 'carol' })
  })

  it('resolves an assignment to the version on its commit; an unregistered commit can hold a stage', () => {
    const state = computeModelState(MODEL, [...twoReleases, assignment('staging', 3, C, 5)])

    expect(state.holders.has('staging')).toBe(true)
    expect(state.holders.get('staging')).toBeUndefined()
    expect(versionInStage(state, 'staging')).toBeUndefined()
    expect(state.events.at(-1)).not.toHaveProperty('version')
  })

  it('breaks same-second ties: registrations first, then counted tags by counter', () => {
    const state = computeModelState(MODEL, [
      assignment('production', 2, B, 1),
      registration('0.2.0', B, 1),
      assignment('production', 1, A, 1),
      registration('0.1.0', A, 1),
    ])

    expect(state.events.map((e) => e.tag)).toEqual([
      `${MODEL}@v0.1.0`,
      `${MODEL}@v0.2.0`,
      `${MODEL}#production#1`,
      `${MODEL}#production#2`,
    ])
    expect(state.holders.get('production')).toBe('0.2.0')
  })

  it('puts tags without a tagger date first, with no date, and records deprecations', () => {
    const state = computeModelState(MODEL, [registration('0.2.0', B, 1), registration('0.1.0', A, undefined), tag(`${MODEL}@deprecated#1`, A, 2)])

    expect(state.events.map((e) => [e.kind, e.tag, e.at, e.actor])).toEqual([
      ['registration', `${MODEL}@v0.1.0`, '', 'alice'],
      ['registration', `${MODEL}@v0.2.0`, '2024-05-01T09:01:00.000Z', 'alice'],
      ['deprecation', `${MODEL}@deprecated#1`, '2024-05-01T09:02:00.000Z', 'Tagger'],
    ])
  })
})

describe('looking up versions', () => {
  const state = computeModelState(MODEL, twoReleases)

  it('finds an active version with or without the "v", and names the registered ones otherwise', () => {
    expect(requireActiveVersion(state, 'v0.1.0').commit).toBe(A)
    expect(() => requireActiveVersion(state, '0.9.0')).toThrow(new RegistryError(`${MODEL} 0.9.0 is not registered (registered: 0.1.0, 0.2.0)`))
    expect(() => requireActiveVersion(computeModelState(MODEL, []), 'latest')).toThrow(`${MODEL} latest is not registered (no versions registered yet)`)
  })

  it('finds the version holding a stage', () => {
    expect(versionInStage(state, 'production')?.version).toBe('0.2.0')
    expect(versionInStage(state, 'staging')).toBeUndefined()
  })

  it('prefers the stored manifest when it describes the version, else reads the tag message', () => {
    const v = requireActiveVersion(state, '0.1.0')
    const stored = buildManifest({ version: '0.1.0', commit: A, createdBy: 'from-store' })
    expect(resolveManifest(MODEL, v, stored)?.createdBy).toBe('from-store')
    expect(resolveManifest(MODEL, v, { ...stored, commit: C })?.createdBy).toBe('alice')
    expect(resolveManifest(MODEL, v, undefined)?.createdBy).toBe('alice')
    expect(resolveManifest(MODEL, { ...v, tag: { ...v.tag, message: 'Registering' } }, undefined)).toBeUndefined()
  })

  it('describes active versions highest first, with their stages and manifests', () => {
    const many = computeModelState(MODEL, [
      registration('0.9.0', A, 1),
      registration('0.10.0', B, 2),
      assignment('staging', 1, B, 3),
      assignment('production', 2, B, 4),
    ])
    const manifest = buildManifest({ version: '0.9.0', commit: A, createdBy: 'dana' })
    const infos = describeVersions(many, new Map([['0.9.0', manifest]]))

    expect(infos.map((i) => [i.version, i.stages, i.createdBy, i.createdAt])).toEqual([
      ['0.10.0', ['production', 'staging'], 'Tagger', '2024-05-01T09:02:00.000Z'],
      ['0.9.0', [], 'dana', '2024-05-01T09:01:00.000Z'],
    ])
    expect(infos[1]).toMatchObject({ model: MODEL, tag: `${MODEL}@v0.9.0`, commit: A, manifest })
    expect(infos[0]).not.toHaveProperty('manifest')
  })
})

describe('nextVersion', () => {
  it('bumps 0.0.0 for the first version', () => {
    const empty = computeModelState(MODEL, [])
    expect(nextVersion(empty, { bump: 'minor' })).toBe('0.1.0')
    expect(nextVersion(empty, { bump: 'major' })).toBe('1.0.0')
  })

  it('bumps the highest registration tag, counting deregistered and lightweight ones', () => {
    const state = computeModelState(MODEL, [
      ...twoReleases,
      tag(`${MODEL}@v0.2.0!#3`, B, 5),
      tag(`${MODEL}@v0.3.1`, C, 6, { annotated: false, taggedAt: undefined }),
    ])
    expect(nextVersion(state, { bump: 'patch' })).toBe('0.3.2')
  })

  it('takes an explicit version unless its tag name is taken or it is not plain semver', () => {
    const state = computeModelState(MODEL, [...twoReleases, tag(`${MODEL}@v0.2.0!#3`, B, 5)])
    expect(nextVersion(state, { bump: 'minor', version: 'v3.0.0-rc.1' })).toBe('3.0.0-rc.1')
    expect(() => nextVersion(state, { bump: 'minor', version: '0.2.0' })).toThrow(`${MODEL} 0.2.0 is registered already (tag ${MODEL}@v0.2.0)`)
    expect(() => nextVersion(state, { bump: 'minor', version: '1.0.0+build' })).toThrow('invalid version "1.0.0+build": expected semver such as 1.2.0')
  })
})

describe('checkStageOrder', () => {
  const state = computeModelState(MODEL, [registration('0.1.0', A, 1), assignment('staging', 1, A, 2), registration('0.2.0', B, 3)])
  const order = { stages: ['staging', 'production'], enforceOrder: true }

  it('allows anything unless enforced', () => {
    expect(() => checkStageOrder(state, '0.2.0', 'production', { stages: order.stages })).not.toThrow()
    expect(() => checkStageOrder(state, '0.2.0', 'canary', { enforceOrder: true })).not.toThrow()
  })

  it('allows the first stage, and a later one after the stage before it', () => {
    expect(() => checkStageOrder(state, '0.2.0', 'staging', order)).not.toThrow()
    expect(() => checkStageOrder(state, '0.1.0', 'production', order)).not.toThrow()
  })

  it('refuses skipping a stage and stages outside the order', () => {
    expect(() => checkStageOrder(state, '0.2.0', 'production', order)).toThrow(
      `${MODEL} 0.2.0 has never been in stage "staging", which comes before "production"; assign it to "staging" first`,
    )
    expect(() => checkStageOrder(state, '0.1.0', 'canary', order)).toThrow('stage "canary" is not one of the ordered stages [staging, production]')
  })
})
