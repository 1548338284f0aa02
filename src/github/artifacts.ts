import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { ArtifactNotFoundError, DefaultArtifactClient } from '@actions/artifact'
import type { GitHubClient } from './octokit.js'
import { withRetry } from './retry.js'

// Workflow artifacts through @actions/artifact: upload inside the current run, and find and
// download from another run (the reviewed pull-request run) through the REST API.

export interface ArtifactRef {
  id: number
  name: string
  expired: boolean
  workflowRunId: number
}

export async function uploadRunArtifact(name: string, files: string[], rootDirectory: string, retentionDays?: number): Promise<number | undefined> {
  const client = new DefaultArtifactClient()
  const { id } = await client.uploadArtifact(name, files, rootDirectory, retentionDays ? { retentionDays } : {})
  return id
}

/** The named artifact of a workflow run, or undefined; an expired one is returned flagged. */
export async function tryFindRunArtifact(github: GitHubClient, owner: string, repo: string, runId: number, name: string): Promise<ArtifactRef | undefined> {
  const artifacts = await github.paginate(github.rest.actions.listWorkflowRunArtifacts, { owner, repo, run_id: runId, name, per_page: 100 })
  const hit = artifacts.filter((a) => a.name === name).sort((a, b) => b.id - a.id)[0]
  return hit && { id: hit.id, name: hit.name, expired: hit.expired, workflowRunId: runId }
}

export async function downloadRunArtifact(token: string, owner: string, repo: string, artifact: ArtifactRef, into: string): Promise<string> {
  const client = new DefaultArtifactClient()
  // Its findBy download uses an Octokit without the retry plugin: one 502 would fail a promotion.
  const { downloadPath } = await withRetry(() =>
    client.downloadArtifact(artifact.id, {
      path: into,
      findBy: { token, workflowRunId: artifact.workflowRunId, repositoryOwner: owner, repositoryName: repo },
    }),
  )
  return downloadPath ?? into
}

/** Every file under `dir`, for an upload that keeps the folder's layout. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
}

/**
 * Uploads a folder as an artifact of this workflow run. A re-run job replaces what its earlier
 * attempt left under the same name, as upload-artifact's overwrite does.
 */
export async function uploadFolderArtifact(name: string, dir: string, retentionDays?: number): Promise<void> {
  const client = new DefaultArtifactClient()
  await client.deleteArtifact(name).catch((error: unknown) => {
    if (!(error instanceof ArtifactNotFoundError)) throw error
  })
  await client.uploadArtifact(name, await filesUnder(dir), dir, retentionDays ? { retentionDays } : {})
}

/** Downloads the named artifacts of this workflow run into `into/<name>`; the names of those that do not exist are returned. */
export async function downloadFolderArtifacts(names: readonly string[], into: (name: string) => string): Promise<string[]> {
  const client = new DefaultArtifactClient()
  const missing: string[] = []
  for (const name of names) {
    try {
      const { artifact } = await withRetry(() => client.getArtifact(name), { isRetryable: (error) => !(error instanceof ArtifactNotFoundError) })
      await withRetry(() => client.downloadArtifact(artifact.id, { path: into(name) }))
    } catch (error) {
      if (!(error instanceof ArtifactNotFoundError)) throw error
      missing.push(name)
    }
  }
  return missing
}
