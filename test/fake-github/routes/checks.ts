import { HttpError, iso, notFound, validationFailed } from '../http.js'
import { checkRunJson } from '../present.js'
import type { CheckRunRec } from '../state.js'
import { bodyOf, intParam, type Handlers, type RouteContext } from './types.js'

interface CheckRunBody {
  name: string
  head_sha: string
  details_url: string
  external_id: string
  status: string
  started_at: string
  conclusion: string
  completed_at: string
  output: { title?: string; summary?: string; text?: string; annotations?: unknown[] }
}

/** Only GitHub Apps (such as the workflow GITHUB_TOKEN) may write check runs. */
function assertApp(ctx: RouteContext): void {
  if (ctx.caller.spec.kind !== 'app') throw new HttpError(403, 'You must authenticate via a GitHub App.')
}

function apply(run: CheckRunRec, b: Partial<CheckRunBody>): void {
  if (b.name !== undefined) run.name = b.name
  if (b.details_url !== undefined) run.details_url = b.details_url
  if (b.external_id !== undefined) run.external_id = b.external_id
  if (b.started_at !== undefined) run.started_at = b.started_at
  if (b.conclusion !== undefined) {
    run.conclusion = b.conclusion
    run.status = 'completed'
  }
  if (b.status !== undefined) run.status = b.status
  if (b.completed_at !== undefined) run.completed_at = b.completed_at
  if (run.status === 'completed') {
    if (!run.conclusion) throw validationFailed({ resource: 'CheckRun', code: 'missing_field', field: 'conclusion' })
    run.completed_at ??= iso()
  }
  if (b.output) {
    if (b.output.title !== undefined) run.output.title = b.output.title
    if (b.output.summary !== undefined) run.output.summary = b.output.summary
    if (b.output.text !== undefined) run.output.text = b.output.text
    run.output.annotations.push(...(b.output.annotations ?? []))
  }
}

export const checkHandlers: Handlers = {
  'checks/create': (ctx) => {
    assertApp(ctx)
    const { state } = ctx.fake
    const b = bodyOf<CheckRunBody>(ctx)
    if (!state.commits.has(b.head_sha ?? '')) throw validationFailed({ resource: 'CheckRun', code: 'invalid', field: 'head_sha' })
    const run: CheckRunRec = {
      id: state.nextId(),
      name: b.name ?? '',
      head_sha: b.head_sha!,
      status: 'queued',
      conclusion: null,
      started_at: iso(),
      completed_at: null,
      details_url: null,
      external_id: null,
      output: { title: null, summary: null, text: null, annotations: [] },
      app: ctx.caller.spec.login,
    }
    apply(run, b)
    state.checkRuns.set(run.id, run)
    return { status: 201, body: checkRunJson(ctx.fake, run) }
  },
  'checks/update': (ctx) => {
    assertApp(ctx)
    const run = ctx.fake.state.checkRuns.get(intParam(ctx, 'check_run_id'))
    if (!run) throw notFound()
    apply(run, bodyOf<CheckRunBody>(ctx))
    return { status: 200, body: checkRunJson(ctx.fake, run) }
  },
  'checks/get': (ctx) => {
    const run = ctx.fake.state.checkRuns.get(intParam(ctx, 'check_run_id'))
    if (!run) throw notFound()
    return { status: 200, body: checkRunJson(ctx.fake, run) }
  },
}
