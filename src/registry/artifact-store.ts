import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { Manifest } from './manifest.js'
import { RegistryError } from './registry.js'

// A copy of each registered version's artifacts plus its manifest.json, in
// storeDir/<model>/<version>/. Tags stay the source of truth and one writer at a time is assumed:
// a version directory without a registration tag is an orphan, and adding the version replaces it.

export const MANIFEST_FILE = 'manifest.json'

export interface ArtifactStoreOptions {
  /** Directory the manifest's artifact paths are relative to (the one holding mlops.yml). */
  sourceDir: string
  storeDir: string
}

/** A data profile to keep beside the manifest: its file name there, where it is now, and its recorded hash. */
export interface StoredProfile {
  file: string
  source: string
  sha256: string
}

export interface ArtifactStore {
  /** storeDir/<model>/<version>, whether or not it exists. */
  versionDir(model: string, version: string): string
  /**
   * Copies the manifest's artifacts from sourceDir, checks each copy against its recorded sha256
   * and writes manifest.json; returns the version directory.
   */
  add(manifest: Manifest, profiles?: readonly StoredProfile[]): Promise<string>
  /** The stored manifest.json; undefined when missing or not a valid manifest. */
  readManifest(model: string, version: string): Promise<Manifest | undefined>
  /** Deletes the version directory, e.g. when tagging the registration failed; no error when absent. */
  remove(model: string, version: string): Promise<void>
}

export function createArtifactStore(options: ArtifactStoreOptions): ArtifactStore {
  const sourceDir = resolve(options.sourceDir)
  const storeDir = resolve(options.storeDir)
  const versionDir = (model: string, version: string) => join(storeDir, model, version)

  return {
    versionDir,
    add: (manifest, profiles = []) => addVersion(sourceDir, join(storeDir, manifest.model), manifest, profiles),

    async readManifest(model, version) {
      const parsed = Manifest.safeParse(await tryReadJson(join(versionDir(model, version), MANIFEST_FILE)))
      return parsed.success ? parsed.data : undefined
    },

    async remove(model, version) {
      await rm(versionDir(model, version), { recursive: true, force: true })
    },
  }
}

// Copies into a temp directory beside the final one and renames it into place only when every
// copy checks out: a crash or a changed artifact never leaves a half-written version.
async function addVersion(sourceDir: string, modelDir: string, manifest: Manifest, profiles: readonly StoredProfile[]): Promise<string> {
  await mkdir(modelDir, { recursive: true })
  const temp = await mkdtemp(join(modelDir, `.tmp-${manifest.version}-`))
  try {
    for (const artifact of manifest.artifacts) {
      const rel = insideRelative(sourceDir, artifact.path)
      if (rel === MANIFEST_FILE) throw new RegistryError(`artifact "${artifact.path}" would overwrite the version's ${MANIFEST_FILE}; rename it`)
      const source = join(sourceDir, rel)
      const info = await stat(source).catch((error: unknown) => {
        throw new RegistryError(`artifact "${artifact.path}" of run ${manifest.runId} is missing at ${source}`, { cause: error })
      })
      if (!info.isFile()) throw new RegistryError(`artifact "${artifact.path}" is not a regular file; list the files it holds instead`)
      const target = join(temp, rel)
      await mkdir(dirname(target), { recursive: true })
      await copyFile(source, target).catch((error: unknown) => {
        throw new RegistryError(`could not copy artifact "${artifact.path}" into the store: ${(error as Error).message}`, { cause: error })
      })
      // The copy is hashed, not the source: it is what the store will serve.
      const actual = await sha256File(target)
      if (actual !== artifact.sha256) {
        throw new RegistryError(
          `artifact "${artifact.path}" changed since run ${manifest.runId}: its sha256 is ${actual}, the run recorded ${artifact.sha256}; run the pipeline again`,
        )
      }
    }
    for (const profile of profiles) await copyProfile(profile, temp, manifest)
    await writeFile(join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
    const final = join(modelDir, manifest.version)
    await rm(final, { recursive: true, force: true })
    await rename(temp, final)
    return final
  } catch (error) {
    await rm(temp, { recursive: true, force: true })
    throw error
  }
}

async function copyProfile(profile: StoredProfile, temp: string, manifest: Manifest): Promise<void> {
  // Profiles sit beside the artifacts; an artifact of the same name would be overwritten.
  if (manifest.artifacts.some((a) => a.path === profile.file)) throw new RegistryError(`artifact "${profile.file}" has the name of a data profile; rename it`)
  const target = join(temp, profile.file)
  await copyFile(profile.source, target).catch((error: unknown) => {
    throw new RegistryError(`the data profile of run ${manifest.runId} is missing at ${profile.source}; run the pipeline again`, { cause: error })
  })
  if ((await sha256File(target)) !== profile.sha256) {
    throw new RegistryError(`the data profile ${profile.source} changed since run ${manifest.runId}; run the pipeline again`)
  }
}

function insideRelative(root: string, path: string): string {
  const rel = relative(root, resolve(root, path))
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new RegistryError(`artifact path "${path}" leaves the project directory ${root}`)
  }
  return rel
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function tryReadJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'))
  } catch {
    return undefined
  }
}
