import { DefaultArtifactClient } from '@actions/artifact'
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
