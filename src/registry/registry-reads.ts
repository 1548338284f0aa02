import type { Manifest } from './manifest.js'
import { activeVersions, checkStageOrder, describeVersions, requireActiveVersion, versionInStage, type ModelState, type VersionState } from './registry-state.js'
import { type AssignOptions, type Registry, RegistryError } from './registry.js'

// What every registry answers the same way once it can read its tags and manifests: the local
// one from git and its store, the GitHub one from the REST API.

export interface RegistrySource {
  readState(model: string): Promise<ModelState>
  readManifest(model: string, version: VersionState): Promise<Manifest | undefined>
}

export function createRegistryReads(source: RegistrySource): Pick<Registry, 'listVersions' | 'findInStage' | 'history'> {
  return {
    async listVersions(model) {
      const state = await source.readState(model)
      const manifests = await Promise.all(activeVersions(state).map(async (v) => [v.version, await source.readManifest(model, v)] as const))
      return describeVersions(state, new Map(manifests))
    },
    async findInStage(model, stage) {
      const v = versionInStage(await source.readState(model), stage)
      return v ? source.readManifest(model, v) : undefined
    },
    async history(model) {
      return [...(await source.readState(model)).events]
    },
  }
}

/** The version to assign, after the checks both registries make before writing a stage tag. */
export function requireAssignable(state: ModelState, version: string, stage: string, opts: AssignOptions): VersionState {
  const v = requireActiveVersion(state, version)
  if (state.holders.get(stage) === v.version) throw new RegistryError(`${state.model} ${v.version} is already in stage "${stage}"`)
  checkStageOrder(state, v.version, stage, opts)
  return v
}
