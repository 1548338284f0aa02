import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createGitHubClient, type GitHubClient } from '../../src/github/octokit.js'
import { fitReleaseBody, publishRelease, RELEASE_BODY_LIMIT, RELEASE_TRUNCATION_NOTE, ReleaseError, toAssetName, type ReleaseAsset } from '../../src/github/release.js'
import { startFakeGitHub, type FakeGitHub } from '../fake-github/server.js'

// Releases against the fake GitHub, whose repository has immutable releases on: a published
// release takes no assets, and its tag name can never be used again.

const TAG = 'penguin@v1.0.0'
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
let fake: FakeGitHub
let github: GitHubClient
let dir: string
let assets: ReleaseAsset[]

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-release-'))
  await writeFile(path.join(dir, 'model.json'), '{"weights":[1,2,3]}')
  assets = [
    { name: 'model.json', path: path.join(dir, 'model.json'), contentType: 'application/octet-stream' },
    { name: 'manifest.json', content: '{"version":"1.0.0"}\n', contentType: 'application/json' },
    { name: 'model-card.md', content: '# penguin v1.0.0\n', contentType: 'text/markdown' },
  ]
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

beforeEach(async () => {
  fake = await startFakeGitHub()
  github = createGitHubClient({ token: fake.token, baseUrl: fake.url, log: quiet })
  fake.state.addAnnotatedTag({ tag: TAG, commit: fake.state.addCommit(), message: 'Registering artifact penguin version v1.0.0' })
})

afterEach(async () => {
  expect(fake.violations).toEqual([])
  await fake.close()
})

const options = () => ({ owner: fake.owner, repo: fake.repo, tag: TAG, name: 'penguin v1.0.0', body: 'Release notes', assets })
const release = () => [...fake.state.releases.values()].filter((r) => r.tag_name === TAG)
const writes = () => fake.calls((r) => r.method !== 'GET').map((r) => `${r.method} ${r.operationId}`)

describe('publishRelease', () => {
  it('creates a draft, uploads every asset, then publishes; a second call changes nothing', async () => {
    const body = `# Report\n${'x'.repeat(RELEASE_BODY_LIMIT * 2)}`
    const result = await publishRelease(github, { ...options(), body })
    expect(result).toMatchObject({ tag: TAG, published: true, created: true, uploaded: ['model.json', 'manifest.json', 'model-card.md'] })
    expect(result.url).toBe(`https://github.com/${fake.owner}/${fake.repo}/releases/tag/${encodeURIComponent(TAG)}`)
    expect(writes()).toEqual([
      'POST repos/create-release',
      'POST repos/upload-release-asset',
      'POST repos/upload-release-asset',
      'POST repos/upload-release-asset',
      'PATCH repos/update-release',
    ])
    expect(fake.calls({ operationId: 'repos/create-release' })[0]?.body).toMatchObject({ tag_name: TAG, draft: true })
    expect(fake.calls({ operationId: 'repos/update-release' })[0]?.body).toEqual({ draft: false })
    const [published] = release()
    expect(published).toMatchObject({ draft: false, immutable: true, name: 'penguin v1.0.0' })
    // A body over GitHub's limit is cut, with a note.
    expect(published?.body?.length).toBeLessThanOrEqual(RELEASE_BODY_LIMIT)
    expect(published?.body?.startsWith('# Report\nxxx')).toBe(true)
    expect(published?.body?.endsWith(RELEASE_TRUNCATION_NOTE)).toBe(true)
    expect(published?.assets.map((a) => [a.name, a.size])).toEqual([
      ['model.json', 19],
      ['manifest.json', 20],
      ['model-card.md', 17],
    ])
    // The tag stayed the annotated one; GitHub made no tag of its own.
    expect(fake.state.tagsCreatedByReleases).toEqual([])
    expect(fake.state.tagObjects.has(fake.state.refs.get(`refs/tags/${TAG}`)!)).toBe(true)

    const before = fake.requests.length
    const again = await publishRelease(github, options())
    expect(again).toMatchObject({ id: result.id, published: false, created: false, uploaded: [] })
    expect(fake.requests.slice(before).map((r) => r.method)).toEqual(['GET'])
    expect(release()).toHaveLength(1)
  })

  it('never adds assets to a published immutable release, and says the tag is spent', async () => {
    const published = fake.state.addRelease({ tag_name: TAG, name: 'penguin v1.0.0' })
    fake.state.addReleaseAsset(published.id, 'manifest.json', '{"version":"1.0.0"}\n')
    expect(published.immutable).toBe(true)

    const error = await publishRelease(github, options()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReleaseError)
    expect((error as Error).message).toMatch(/release penguin@v1.0.0 is published and immutable but lacks model.json, model-card.md; assets cannot be added/)
    expect(writes()).toEqual([])
  })

  it('completes through a dropped upload, duplicating nothing', async () => {
    // The upload goes through, but the answer never arrives: the retry meets its own asset.
    fake.inject({ operationId: 'repos/upload-release-asset', drop: true, after: true })

    const result = await publishRelease(github, options())
    expect(result).toMatchObject({ published: true, uploaded: ['model.json', 'manifest.json', 'model-card.md'] })
    expect(fake.faults).toEqual([])
    const [published] = release()
    expect(release()).toHaveLength(1)
    expect(published?.draft).toBe(false)
    expect(published?.assets.map((a) => a.name)).toEqual(['model.json', 'manifest.json', 'model-card.md'])
    expect(fake.countCalls({ operationId: 'repos/create-release' })).toBe(1)
    // Dropped after the upload was made → the retry met its own asset (422) and checked it.
    expect(fake.calls({ operationId: 'repos/upload-release-asset' }).map((r) => r.status)).toEqual([0, 422, 201, 201])
  })

  it('refuses a missing or lightweight tag instead of letting GitHub create one', async () => {
    await expect(publishRelease(github, { ...options(), tag: 'penguin@v2.0.0' })).rejects.toThrow(/tag penguin@v2.0.0 does not exist; it must be created \(annotated\) before its release/)
    fake.state.setRef('refs/tags/penguin@v3.0.0', fake.state.addCommit())
    await expect(publishRelease(github, { ...options(), tag: 'penguin@v3.0.0' })).rejects.toThrow(/is a lightweight tag/)
    expect(fake.state.releases.size).toBe(0)
    // Nor is a draft whose tag has gone published (GitHub would tag its target lightweight).
    const orphan = fake.state.addRelease({ tag_name: 'penguin@v4.0.0', draft: true })
    await expect(publishRelease(github, { ...options(), tag: 'penguin@v4.0.0' })).rejects.toThrow(/tag penguin@v4.0.0 does not exist/)
    expect(orphan.draft).toBe(true)
    expect(writes()).toEqual([])
    expect(fake.state.tagsCreatedByReleases).toEqual([])
  })
})

describe('helpers', () => {
  it('fits bodies without splitting a surrogate pair', () => {
    expect(fitReleaseBody('short')).toBe('short')
    const limit = RELEASE_TRUNCATION_NOTE.length + 10
    const cut = fitReleaseBody('😀'.repeat(100), limit)
    expect(cut.length).toBeLessThanOrEqual(limit)
    expect(cut.startsWith('😀😀😀😀\n\n')).toBe(true)
  })

  it('names assets the way GitHub keeps them', () => {
    expect(toAssetName('model.json')).toBe('model.json')
    expect(toAssetName('models__a b(1).bin')).toBe('models__a_b_1_.bin')
    expect(toAssetName('.hidden.')).toBe('hidden')
  })
})
