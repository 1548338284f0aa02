import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { startFakeGitHub, unzipFiles, type FakeGitHub } from './server.js'

// @actions/artifact v6 in a child process (as inside a workflow step) against the fake: upload through
// the results service and blob storage, then download through the REST API and the results service.
// The child runs asynchronously: a spawnSync would block the event loop that serves it.

const run = promisify(execFile)
const SCRIPT = path.join(import.meta.dirname, 'fixtures', 'artifact-roundtrip.mjs')

let fake: FakeGitHub
let dir: string
beforeEach(async () => {
  fake = await startFakeGitHub()
  dir = mkdtempSync(path.join(os.tmpdir(), 'fake-github-artifact-'))
})
afterEach(async () => {
  await fake.close()
  rmSync(dir, { recursive: true, force: true })
})

it('uploads with uploadArtifact and downloads with downloadArtifact (findBy and same-run)', async () => {
  const runId = 8100000001
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ROUNDTRIP_DIR: dir, ...fake.actionsEnv({ runId, workspace: dir }) }
  // A transient failure of the results service: its twirp client retries (after 3 s).
  // (Not injected on the REST side: downloadArtifact with findBy uses a plain getOctokit without retries.)
  fake.inject({ path: /FinalizeArtifact$/, status: 503 })
  const { stdout } = await run(process.execPath, [SCRIPT], { env, timeout: 60_000 }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`child failed:\n${error.stdout}\n${error.stderr}`)
  })
  const result = JSON.parse(stdout.split('\nRESULT ')[1]!) as {
    uploaded: { id: number; size: number; digest: string }
    viaRest: { digestMismatch: boolean; model: string; metrics: string }
    viaResults: { digestMismatch: boolean; model: string }
    listed: { id: number; name: string; size: number; digest: string }[]
    found: { id: number; name: string; digest: string }
  }

  const artifact = fake.state.artifacts.get(result.uploaded.id)!
  expect(artifact).toMatchObject({ run_id: runId, name: 'penguin-model', size_in_bytes: result.uploaded.size, digest: `sha256:${result.uploaded.digest}` })
  expect(Object.keys(unzipFiles(artifact.archive)).sort()).toEqual(['model.json', 'nested/metrics.json'])
  expect(result.viaRest).toEqual({ digestMismatch: false, model: '{"weights":[0.1,0.2,0.3]}', metrics: '{"accuracy":0.97}' })
  expect(result.viaResults.model).toBe('{"weights":[0.1,0.2,0.3]}')
  expect(result.listed).toEqual([{ id: artifact.id, name: 'penguin-model', size: artifact.size_in_bytes, digest: artifact.digest }])
  expect(result.found).toEqual({ id: artifact.id, name: 'penguin-model', digest: artifact.digest })

  expect(fake.calls({ server: 'results' }).map((c) => `${c.operationId} ${c.status}`)).toEqual([
    'CreateArtifact 200',
    'FinalizeArtifact 503',
    'FinalizeArtifact 200',
    'ListArtifacts 200',
    'GetSignedArtifactURL 200',
    'ListArtifacts 200',
  ])
  expect(fake.calls({ server: 'blob', method: 'PUT' }).map((c) => c.query.comp)).toEqual(['block', 'blocklist'])
  expect(fake.calls({ operationId: 'actions/download-artifact' }).map((c) => c.status)).toEqual([302])
  expect(fake.violations).toEqual([])
  expect(fake.responseViolations).toEqual([])
})

it('refuses a second artifact with the same name in a run (409), like the results service', async () => {
  const env = fake.actionsEnv({ runId: 42 })
  const rpc = (method: string, body: object) =>
    fetch(`${env.ACTIONS_RESULTS_URL}twirp/github.actions.results.api.v1.ArtifactService/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.ACTIONS_RUNTIME_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  fake.state.addArtifact(42, { name: 'dup', files: { a: 'a' } })
  const ids = JSON.parse(Buffer.from(env.ACTIONS_RUNTIME_TOKEN!.split('.')[1]!, 'base64url').toString()).scp.split(' ')[1].split(':')
  const response = await rpc('CreateArtifact', { workflow_run_backend_id: ids[1], workflow_job_run_backend_id: ids[2], name: 'dup', version: 7 })
  expect(response.status).toBe(409)
  expect(await response.json()).toMatchObject({ code: 'already_exists' })
  expect((await rpc('CreateArtifact', { workflow_run_backend_id: 'other', workflow_job_run_backend_id: ids[2], name: 'x' })).status).toBe(403)
})
