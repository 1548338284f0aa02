import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createArtifactStore, MANIFEST_FILE, type ArtifactStore } from '../../src/registry/artifact-store.js'
import type { ArtifactRecord } from '../../src/pipeline/run-record.js'
import { Manifest } from '../../src/registry/manifest.js'
import { RegistryError } from '../../src/registry/registry.js'
import { buildManifest } from '../builders.js'

const MODEL = 'penguin-classifier'

let root: string
let source: string
let storeDir: string
let store: ArtifactStore

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mlops-store-'))
  source = path.join(root, 'project')
  storeDir = path.join(root, 'store')
  await mkdir(source)
  store = createArtifactStore({ sourceDir: source, storeDir })
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

/** Writes the file into the project and returns its artifact record. */
async function artifact(file: string, content: string): Promise<ArtifactRecord> {
  await mkdir(path.dirname(path.join(source, file)), { recursive: true })
  await writeFile(path.join(source, file), content)
  return { path: file, sha256: createHash('sha256').update(content).digest('hex'), size: Buffer.byteLength(content) }
}

function manifestOf(artifacts: ArtifactRecord[], version = '0.1.0'): Manifest {
  return buildManifest({ version, tag: `${MODEL}@v${version}`, runId: 'run-1', artifacts })
}

/** Everything under the model's directory, temp directories included. */
async function modelEntries(): Promise<string[]> {
  return readdir(path.join(storeDir, MODEL)).catch(() => [])
}

describe('add', () => {
  it('copies the artifacts, nested paths included, and writes manifest.json into storeDir/<model>/<version>', async () => {
    const manifest = manifestOf([await artifact('models/model.json', '{"w": [1]}'), await artifact('models/vocab/words.txt', 'adelie\n')])

    const dir = await store.add(manifest)

    expect(dir).toBe(path.join(storeDir, MODEL, '0.1.0'))
    expect(store.versionDir(MODEL, '0.1.0')).toBe(dir)
    expect(await readFile(path.join(dir, 'models/model.json'), 'utf8')).toBe('{"w": [1]}')
    expect(await readFile(path.join(dir, 'models/vocab/words.txt'), 'utf8')).toBe('adelie\n')
    expect(JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8'))).toEqual(manifest)
    expect(await modelEntries()).toEqual(['0.1.0'])
  })

  it('replaces an orphaned version directory', async () => {
    await mkdir(path.join(storeDir, MODEL, '0.1.0'), { recursive: true })
    await writeFile(path.join(storeDir, MODEL, '0.1.0', 'stale.bin'), 'old')

    const dir = await store.add(manifestOf([await artifact('models/model.json', '{}')]))

    expect((await readdir(dir)).sort()).toEqual([MANIFEST_FILE, 'models'])
  })

  it('refuses an artifact whose content no longer matches its sha256, leaving nothing behind', async () => {
    const record = await artifact('models/model.json', '{"w": [1]}')
    await writeFile(path.join(source, 'models/model.json'), 'retrained')
    const retrained = createHash('sha256').update('retrained').digest('hex')

    const error = await store.add(manifestOf([record])).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(RegistryError)
    expect((error as Error).message).toBe(
      `artifact "models/model.json" changed since run run-1: its sha256 is ${retrained}, the run recorded ${record.sha256}; run the pipeline again`,
    )
    expect(await modelEntries()).toEqual([])
  })

  it('refuses missing artifacts, directories, paths leaving the project and a file named manifest.json', async () => {
    const cases: Array<[ArtifactRecord, RegExp]> = [
      [{ path: 'models/absent.bin', sha256: 'a'.repeat(64), size: 1 }, /^artifact "models\/absent.bin" of run run-1 is missing at /],
      [{ path: 'models', sha256: 'a'.repeat(64), size: 1 }, /^artifact "models" is not a regular file/],
      [{ path: '../outside.bin', sha256: 'a'.repeat(64), size: 1 }, /^artifact path "..\/outside.bin" leaves the project directory/],
      [{ path: '.', sha256: 'a'.repeat(64), size: 1 }, /^artifact path "." leaves the project directory/],
      [await artifact(MANIFEST_FILE, '{}'), /would overwrite the version's manifest.json/],
    ]
    await mkdir(path.join(source, 'models'), { recursive: true })
    for (const [record, message] of cases) {
      await expect(store.add(manifestOf([record]))).rejects.toThrow(message)
      expect(await modelEntries()).toEqual([])
    }
  })
})

describe('readManifest and remove', () => {
  it('reads back the stored manifest', async () => {
    const manifest = manifestOf([await artifact('models/model.json', '{}')])
    await store.add(manifest)
    expect(await store.readManifest(MODEL, '0.1.0')).toEqual(manifest)
  })

  it('gives undefined for a missing, unreadable or invalid manifest', async () => {
    expect(await store.readManifest(MODEL, '0.1.0')).toBeUndefined()
    const dir = store.versionDir(MODEL, '0.1.0')
    await mkdir(dir, { recursive: true })
    await writeFile(path.join(dir, MANIFEST_FILE), '{not json')
    expect(await store.readManifest(MODEL, '0.1.0')).toBeUndefined()
    await writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify({ schema: 99 }))
    expect(await store.readManifest(MODEL, '0.1.0')).toBeUndefined()
  })

  it('removes a version directory, and does not mind one that is absent', async () => {
    await store.add(manifestOf([await artifact('models/model.json', '{}')]))
    await store.add(manifestOf([await artifact('models/model.json', '{}')], '0.2.0'))

    await store.remove(MODEL, '0.1.0')
    await store.remove(MODEL, '0.9.0')

    expect(await modelEntries()).toEqual(['0.2.0'])
  })
})
