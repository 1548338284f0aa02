import { HttpError, iso, notFound, paginate, validationFailed } from '../http.js'
import { artifactJson, workflowRunJson } from '../present.js'
import type { ArtifactRec } from '../state.js'
import { bodyOf, intParam, type Handlers, type RouteContext } from './types.js'

const CONCLUSIONS = new Set(['action_required', 'cancelled', 'failure', 'neutral', 'skipped', 'stale', 'success', 'timed_out'])

function findArtifact(ctx: RouteContext): ArtifactRec {
  const artifact = ctx.fake.state.artifacts.get(intParam(ctx, 'artifact_id'))
  if (!artifact) throw notFound()
  return artifact
}

function listArtifacts(ctx: RouteContext, artifacts: ArtifactRec[]) {
  const name = ctx.query.get('name')
  const asc = ctx.query.get('direction') === 'asc'
  const list = artifacts.filter((a) => name === null || a.name === name).sort((a, b) => (asc ? a.id - b.id : b.id - a.id))
  return paginate(list, ctx.query, ctx.selfUrl, (page, total) => ({ total_count: total, artifacts: page.map((a) => artifactJson(ctx.fake, a)) }))
}

export const actionHandlers: Handlers = {
  'actions/create-workflow-dispatch': (ctx) => {
    const input = bodyOf<{ ref: string; inputs: Record<string, unknown> }>(ctx)
    if (typeof input.ref !== 'string' || input.ref === '') throw validationFailed({ resource: 'WorkflowDispatch', code: 'missing_field', field: 'ref' })
    if (!/^[\w.-]+\.ya?ml$|^\d+$/.test(ctx.params.workflow_id ?? '')) throw notFound()
    ctx.fake.state.workflowDispatches.push({ workflow_id: ctx.params.workflow_id!, ref: input.ref, inputs: input.inputs ?? {}, sender: ctx.caller.user.login, at: iso() })
    return { status: 204 }
  },
  'actions/list-workflow-runs-for-repo': (ctx) => {
    const q = ctx.query
    const status = q.get('status')
    const exclude = q.get('exclude_pull_requests') === 'true'
    const runs = [...ctx.fake.state.workflowRuns.values()]
      .filter((r) => (q.get('head_sha') === null || r.head_sha === q.get('head_sha')) && (q.get('event') === null || r.event === q.get('event')))
      .filter((r) => q.get('branch') === null || r.head_branch === q.get('branch'))
      .filter((r) => q.get('actor') === null || r.actor.login === q.get('actor'))
      .filter((r) => status === null || (CONCLUSIONS.has(status) ? r.conclusion === status : r.status === status))
      .filter((r) => q.get('check_suite_id') === null || r.id + 1 === Number(q.get('check_suite_id')))
      .sort((a, b) => (a.created_at === b.created_at ? b.id - a.id : a.created_at < b.created_at ? 1 : -1))
    return paginate(runs, q, ctx.selfUrl, (page, total) => ({ total_count: total, workflow_runs: page.map((r) => workflowRunJson(ctx.fake, r, exclude)) }))
  },
  'actions/get-workflow-run': (ctx) => {
    const run = ctx.fake.state.workflowRuns.get(intParam(ctx, 'run_id'))
    if (!run) throw notFound()
    return { status: 200, body: workflowRunJson(ctx.fake, run, ctx.query.get('exclude_pull_requests') === 'true') }
  },
  'actions/list-workflow-run-artifacts': (ctx) => {
    const runId = intParam(ctx, 'run_id')
    if (!ctx.fake.state.workflowRuns.has(runId)) throw notFound()
    return listArtifacts(ctx, [...ctx.fake.state.artifacts.values()].filter((a) => a.run_id === runId))
  },
  'actions/list-artifacts-for-repo': (ctx) => listArtifacts(ctx, [...ctx.fake.state.artifacts.values()]),
  'actions/get-artifact': (ctx) => ({ status: 200, body: artifactJson(ctx.fake, findArtifact(ctx)) }),
  'actions/download-artifact': (ctx) => {
    const artifact = findArtifact(ctx)
    if (ctx.params.archive_format !== 'zip') throw notFound()
    if (artifact.expired) throw new HttpError(410, 'Artifact has expired')
    const location = ctx.fake.signBlobUrl(`/blob/artifacts/${artifact.id}.zip`)
    return { status: 302, headers: { location } }
  },
  'actions/delete-artifact': (ctx) => {
    ctx.fake.state.artifacts.delete(findArtifact(ctx).id)
    return { status: 204 }
  },
}
