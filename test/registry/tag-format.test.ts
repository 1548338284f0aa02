import { describe, expect, it } from 'vitest'
import type { Manifest } from '../../src/registry/manifest.js'
import {
  assertValidName,
  formatAssignmentMessage,
  formatAssignmentTag,
  formatDeprecationTag,
  formatDeregistrationTag,
  formatRegistrationMessage,
  formatRegistrationTag,
  formatUnassignmentTag,
  isValidName,
  isValidVersion,
  nextCounter,
  TagFormatError,
  tryNormalizeVersion,
  tryParseActor,
  tryParseManifestMessage,
  tryParseTag,
} from '../../src/registry/tag-format.js'

describe('formatting GTO tag names', () => {
  it('formats the five kinds of tags the way gto does', () => {
    expect(formatRegistrationTag('penguin', '1.2.3')).toBe('penguin@v1.2.3')
    expect(formatDeregistrationTag('penguin', '1.2.3')).toBe('penguin@v1.2.3!')
    expect(formatAssignmentTag('penguin', 'production', 4)).toBe('penguin#production#4')
    expect(formatUnassignmentTag('penguin', 'production', 5)).toBe('penguin#production!#5')
    expect(formatDeprecationTag('penguin', 6)).toBe('penguin@deprecated#6')
  })

  it('refuses names, versions and counters that gto could not parse back', () => {
    expect(() => formatRegistrationTag('my model', '1.0.0')).toThrow(TagFormatError)
    expect(() => formatRegistrationTag('penguin', 'v1.0.0')).toThrow(/invalid version "v1.0.0"/)
    expect(() => formatRegistrationTag('penguin', '1.0')).toThrow(TagFormatError)
    expect(() => formatAssignmentTag('penguin', 'prod.eu', 1)).toThrow(/invalid stage name "prod.eu"/)
    expect(() => formatAssignmentTag('penguin', 'prod', 0)).toThrow(/invalid tag counter 0/)
    expect(() => assertValidName('-model', 'model')).toThrow(/invalid model name "-model"/)
  })
})

describe('tryParseTag', () => {
  it('reads the tag names from gto tests', () => {
    expect(tryParseTag('path@v1.2.3')).toEqual({ action: 'register', model: 'path', version: '1.2.3' })
    expect(tryParseTag('path@v1.2.3#5')).toEqual({ action: 'register', model: 'path', version: '1.2.3', counter: 5 })
    expect(tryParseTag('path@v1.2.3!')).toEqual({ action: 'deregister', model: 'path', version: '1.2.3' })
    expect(tryParseTag('path@v1.2.3!#2')).toEqual({ action: 'deregister', model: 'path', version: '1.2.3', counter: 2 })
    expect(tryParseTag('path#stage')).toEqual({ action: 'assign', model: 'path', stage: 'stage' })
    expect(tryParseTag('path#stage#1')).toEqual({ action: 'assign', model: 'path', stage: 'stage', counter: 1 })
    expect(tryParseTag('path#stage!#2')).toEqual({ action: 'unassign', model: 'path', stage: 'stage', counter: 2 })
    expect(tryParseTag('path@deprecated#3')).toEqual({ action: 'deprecate', model: 'path', counter: 3 })
  })

  it('keeps prerelease versions and names with "/" and "_"', () => {
    expect(tryParseTag('team/model_a@v2.0.0-rc.1')).toEqual({ action: 'register', model: 'team/model_a', version: '2.0.0-rc.1' })
  })

  it('returns undefined for tags that are not GTO tags', () => {
    for (const name of ['v1.0.0', 'penguin@1.0.0', 'penguin@v1.0', 'penguin#prod#x', 'penguin@created', '-x@v1.0.0', 'a b@v1.0.0', 'penguin#']) {
      expect(tryParseTag(name), name).toBeUndefined()
    }
  })

  it('round-trips every formatted tag', () => {
    const tags = [
      formatRegistrationTag('m', '0.1.0'),
      formatDeregistrationTag('m', '0.1.0'),
      formatAssignmentTag('m', 's', 1),
      formatUnassignmentTag('m', 's', 2),
      formatDeprecationTag('m', 3),
    ]
    expect(tags.map((t) => tryParseTag(t)?.action)).toEqual(['register', 'deregister', 'assign', 'unassign', 'deprecate'])
  })
})

describe('nextCounter', () => {
  it('counts over all counted tags of the model, across stages and actions', () => {
    const tags = ['penguin@v0.1.0', 'penguin#staging#1', 'penguin#production#2', 'penguin#staging!#3', 'penguin@deprecated#4']
    expect(nextCounter('penguin', tags)).toBe(5)
  })

  it('ignores other models, uncounted tags and non-GTO tags', () => {
    expect(nextCounter('penguin', ['other#prod#9', 'penguin#prod', 'release-7', 'penguin@v1.0.0'])).toBe(1)
  })
})

describe('names and versions', () => {
  it('follows the current gto name rule', () => {
    for (const ok of ['1', 'm', 'model-prod', 'model_A', 'dvclive/model']) expect(isValidName(ok), ok).toBe(true)
    for (const bad of ['', 'm/', '/m', '_model', 'model-', 'model@1', 'model#1', 'a model', 'prod.eu']) expect(isValidName(bad), bad).toBe(false)
  })

  it('accepts plain semver and normalises a leading v', () => {
    expect(isValidVersion('1.2.3-rc.1')).toBe(true)
    expect(isValidVersion('1.2.3+build')).toBe(false)
    expect(isValidVersion('01.2.3')).toBe(false)
    expect(tryNormalizeVersion('v1.2.3')).toBe('1.2.3')
    expect(tryNormalizeVersion('1.2')).toBeUndefined()
  })
})

describe('tag messages', () => {
  const manifest: Manifest = {
    schema: 1,
    model: 'penguin',
    version: '0.1.0',
    tag: 'penguin@v0.1.0',
    commit: 'a'.repeat(40),
    runId: 'run-1',
    createdAt: '2024-05-01T09:00:00.000Z',
    createdBy: 'alice',
    artifacts: [{ path: 'models/model.json', sha256: 'b'.repeat(64), size: 12 }],
    metrics: { accuracy: { value: 0.93, file: 'reports/metrics.json', direction: 'higher' } },
    params: { 'train.epochs': 10 },
    data: [],
    gates: { passed: true, results: [] },
  }

  it('puts a GTO-style first line above the manifest and reads the manifest back', () => {
    const message = formatRegistrationMessage(manifest)
    expect(message.split('\n')[0]).toBe('Registering artifact penguin version v0.1.0')
    expect(tryParseManifestMessage(message)).toEqual(manifest)
  })

  it('gives undefined for messages without a valid manifest', () => {
    expect(tryParseManifestMessage('Registering artifact penguin version v0.1.0')).toBeUndefined()
    expect(tryParseManifestMessage('x\n\n{ not json }')).toBeUndefined()
    expect(tryParseManifestMessage('x\n\n{"schema": 1}')).toBeUndefined()
  })

  it('records the actor of an assignment', () => {
    const message = formatAssignmentMessage('penguin', '0.1.0', 'production', 'alice')
    expect(message.split('\n')[0]).toBe('Assigning stage production to artifact penguin version v0.1.0')
    expect(tryParseActor(message)).toBe('alice')
    expect(tryParseActor('Assigning stage production to artifact penguin version v0.1.0')).toBeUndefined()
  })
})
