import os from 'node:os'
import path from 'node:path'
import { createLocalRegistry } from '../registry/local-registry.js'
import type { Manifest } from '../registry/manifest.js'
import type { Registry } from '../registry/registry.js'
import type { Spec } from '../spec/schema.js'
import type { CliSettings } from './args.js'
import type { Project } from './load-project.js'

// The CLI's registry is the embedded default: git tags in the repository plus a local store.

export function openRegistry(project: Project, settings: CliSettings): Registry {
  return createLocalRegistry({ repoDir: project.root, storeDir: path.resolve(settings.cwd, settings.registry) })
}

export function localActor(): string {
  try {
    return os.userInfo().username
  } catch {
    return 'unknown'
  }
}

/** The version in the promote stage; none outside a git repository or before any promotion. */
export async function tryFindBaseline(registry: Registry, spec: Spec): Promise<Manifest | undefined> {
  if (!spec.promote) return undefined
  return registry.findInStage(spec.model.name, spec.promote.stage).catch(() => undefined)
}

export async function tryFindVersion(registry: Registry, model: string, version: string): Promise<Manifest | undefined> {
  const versions = await registry.listVersions(model).catch(() => [])
  return versions.find((v) => v.version === version)?.manifest
}
