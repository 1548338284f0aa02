import { z } from 'zod'
import type { RunRecord } from '../pipeline/run-record.js'
import type { Promote } from '../spec/schema.js'
import { Manifest } from './manifest.js'

// What the engine and the front ends need from a model registry. The local registry (git tags
// plus a directory of artifacts) implements it; a GitHub-backed one will too.

export type Bump = Promote['bump']

export const Assignment = z.object({
  model: z.string(),
  version: z.string(),
  stage: z.string(),
  tag: z.string(),
  commit: z.string(),
  at: z.string(),
  /** Version that held the stage before, if any. */
  previous: z.string().optional(),
})

export const Registration = z.object({
  manifest: Manifest,
  tag: z.string(),
  /** Directory holding the stored artifacts and manifest.json, when the registry keeps files. */
  path: z.string().optional(),
  assignment: Assignment.optional(),
})

export const VersionInfo = z.object({
  model: z.string(),
  version: z.string(),
  tag: z.string(),
  commit: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  /** Stages this version holds now (GTO: the latest active assignment per stage wins). */
  stages: z.array(z.string()),
  /** Absent when neither the store nor the tag message has a readable manifest. */
  manifest: Manifest.optional(),
})

export const HistoryEventKind = z.enum(['registration', 'deregistration', 'assignment', 'unassignment', 'deprecation'])

export const HistoryEvent = z.object({
  kind: HistoryEventKind,
  model: z.string(),
  /** Absent for deprecations and for assignments to a commit that has no registered version. */
  version: z.string().optional(),
  stage: z.string().optional(),
  tag: z.string(),
  commit: z.string(),
  at: z.string(),
  actor: z.string(),
  message: z.string(),
})

export type Assignment = z.infer<typeof Assignment>
export type Registration = z.infer<typeof Registration>
export type VersionInfo = z.infer<typeof VersionInfo>
export type HistoryEvent = z.infer<typeof HistoryEvent>
export type HistoryEventKind = z.infer<typeof HistoryEventKind>

export interface StageOrder {
  /** Ordered stages from promote.stages, e.g. ["staging", "production"]. */
  stages?: readonly string[]
  /** Refuse a stage unless the version has been in the stage before it in `stages`. */
  enforceOrder?: boolean
}

export interface RegisterOptions extends StageOrder {
  bump: Bump
  /** Stage to assign right after registering; none when omitted. */
  stage?: string
  /** Who registers, recorded as the manifest's createdBy. */
  actor: string
  /** Explicit version ("1.2.0" or "v1.2.0") instead of bumping the highest one. */
  version?: string
  /** Lineage the front end knows (pull request, approvers, workflow run), kept in the manifest. */
  source?: Manifest['source']
  /** The run's folder, holding the data profiles to store with the version; without it none are stored. */
  runDir?: string
}

export interface AssignOptions extends StageOrder {
  actor: string
}

export interface Registry {
  /** Registered versions that are not deregistered, highest first. */
  listVersions(model: string): Promise<VersionInfo[]>
  findInStage(model: string, stage: string): Promise<Manifest | undefined>
  register(run: RunRecord, opts: RegisterOptions): Promise<Registration>
  /** Assigns an existing version to a stage, e.g. to roll back. */
  assign(model: string, version: string, stage: string, opts: AssignOptions): Promise<Assignment>
  /** Every registry event of the model, oldest first. */
  history(model: string): Promise<HistoryEvent[]>
  /** The parsed JSON profile of a dataset stored with the version; undefined when it has none. */
  readProfile(manifest: Manifest, data: string): Promise<unknown>
}

export class RegistryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'RegistryError'
  }
}

/** The run's commit and artifacts are registered already; front ends may treat this as a no-op. */
export class AlreadyRegisteredError extends RegistryError {
  constructor(
    readonly model: string,
    readonly version: string,
    readonly commit: string,
  ) {
    super(`${model} ${version} already registers commit ${commit.slice(0, 7)} with the same artifacts; nothing to register`)
    this.name = 'AlreadyRegisteredError'
  }
}
