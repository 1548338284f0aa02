import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { Faults, failsWithStatus, faultResponse, type ActiveFault, type FaultSpec } from './faults.js'
import { HttpError, readBody, type RouteResult } from './http.js'
import { checkRequest, loadOpenApi, matchOperation, type OpenApiIndex, type OpenApiStats, type Operation } from './openapi.js'
import type { FakeContext } from './present.js'
import { ResultsService, type RawResult } from './results-service.js'
import { handlers, IMPLEMENTED_OPERATIONS } from './routes/index.js'
import type { Caller, TokenSpec } from './routes/types.js'
import { makeRuntimeToken } from './runtime-token.js'
import { complete, validateSchema } from './schema.js'
import { FakeState, type WorkflowRunRec } from './state.js'

export { makeRuntimeToken, parseRuntimeToken } from './runtime-token.js'
export { FakeState } from './state.js'
export { zipFiles, unzipFiles } from './zip.js'
export type { FaultSpec, ActiveFault } from './faults.js'
export type { TokenSpec } from './routes/types.js'
export type * from './state.js'

// A fake GitHub for tests: REST API (checked against GitHub's OpenAPI description), the uploads host
// (under /uploads), and the Actions results service with its blob storage (a second port).

/** Tokens every fake accepts unless `tokens` is given. */
export const DEFAULT_TOKENS: Readonly<Record<string, TokenSpec>> = {
  ghs_fake_workflow_token: { login: 'github-actions[bot]', kind: 'app', permissions: 'write' },
  ghs_fake_fork_pr_token: { login: 'github-actions[bot]', kind: 'app', permissions: 'read' },
  ghp_fake_user_token: { login: 'octocat', kind: 'user', permissions: 'write' },
}

export interface FakeGitHubOptions {
  owner?: string
  repo?: string
  /** Token -> who it is. Default DEFAULT_TOKENS. */
  tokens?: Record<string, TokenSpec>
  /** Repository setting (default true). Also settable later through `fake.immutableReleases`. */
  immutableReleases?: boolean
}

export type ServerKind = 'api' | 'uploads' | 'web' | 'results' | 'blob'

export interface RequestLogEntry {
  seq: number
  server: ServerKind
  method: string
  /** The path as it arrived (percent-encoding kept), e.g. /repos/o/r/git/ref/tags%2Fv1 */
  path: string
  query: Record<string, string>
  /** Decoded path parameters of the matched operation. */
  params: Record<string, string>
  /** OpenAPI operationId, or the Twirp method for the results service. */
  operationId?: string
  /** The status answered; 0 when the connection was dropped. */
  status: number
  /** Parsed JSON request body, when there was one. */
  body?: unknown
  bodyBytes: number
  /** Login of the token used, if it was a known one. */
  login?: string
  /** Id of the injected fault that shaped this answer. */
  fault?: number
  dropped?: boolean
  durationMs: number
}

export interface Violation {
  kind:
    | 'unknown-route'
    | 'unimplemented'
    | 'wrong-host'
    | 'unknown-repository'
    | 'path-param'
    | 'query-param'
    | 'unknown-query-param'
    | 'body'
    | 'unknown-property'
    | 'content-type'
    | 'response-schema'
    | 'fake-error'
  method: string
  path: string
  operationId?: string
  message: string
}

export type CallFilter = { method?: string; path?: string | RegExp; operationId?: string; status?: number; server?: ServerKind } | ((entry: RequestLogEntry) => boolean)

export interface ActionsEnvOptions {
  /** The workflow run the step runs in; created (in_progress) when the fake does not know it. */
  runId?: number
  jobId?: string
  token?: string
  sha?: string
  ref?: string
  eventName?: string
  workspace?: string
}

export interface FakeGitHub {
  /** API base URL (GITHUB_API_URL), e.g. http://127.0.0.1:PORT - no /api/v3 prefix. */
  readonly url: string
  /** Uploads base (the origin + path of every release's upload_url): `${url}/uploads`. */
  readonly uploadsUrl: string
  /** ACTIONS_RESULTS_URL: the results service and blob storage, on a second port. */
  readonly resultsUrl: string
  readonly owner: string
  readonly repo: string
  readonly state: FakeState
  /** Every request, in arrival order. */
  readonly requests: RequestLogEntry[]
  /** Requests that do not fit GitHub's API description (or routes the fake lacks). Assert it stays empty. */
  readonly violations: Violation[]
  /** Answers of the fake itself that do not fit the description (a bug in the fake). */
  readonly responseViolations: Violation[]
  /** Fault rules still armed. */
  readonly faults: readonly ActiveFault[]
  readonly tokens: Readonly<Record<string, TokenSpec>>
  /** The first write-capable app token (the workflow GITHUB_TOKEN). */
  readonly token: string
  immutableReleases: boolean
  readonly openApiStats: OpenApiStats
  countCalls(filter?: CallFilter): number
  calls(filter?: CallFilter): RequestLogEntry[]
  inject(fault: FaultSpec): ActiveFault
  clearFaults(): void
  /** ACTIONS_RUNTIME_TOKEN for a run (created, in_progress, if unknown). */
  runtimeToken(runId: number, jobId?: string): string
  /** The environment a workflow step sees, pointing every GitHub service at this fake. */
  actionsEnv(options?: ActionsEnvOptions): Record<string, string>
  close(): Promise<void>
}

const JSON_TYPE = 'application/json; charset=utf-8'

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const index = loadOpenApi(IMPLEMENTED_OPERATIONS)
  const owner = options.owner ?? 'octo'
  const repo = options.repo ?? 'penguins'
  const tokens = options.tokens ?? DEFAULT_TOKENS
  const state = new FakeState(owner, repo)
  if (options.immutableReleases !== undefined) state.immutableReleases = options.immutableReleases
  const secret = randomBytes(32)
  const faults = new Faults()
  const requests: RequestLogEntry[] = []
  const violations: Violation[] = []
  const responseViolations: Violation[] = []
  const rateUsed = new Map<string, number>()

  const api = createServer()
  const storage = createServer()
  const apiPort = await listen(api)
  const storagePort = await listen(storage)
  const apiUrl = `http://127.0.0.1:${apiPort}`
  const resultsUrl = `http://127.0.0.1:${storagePort}`

  const sign = (path: string, se: string, sp: string) => createHmac('sha256', secret).update(`${path}\n${se}\n${sp}`).digest('base64url')
  const ctx: FakeContext = {
    state,
    apiUrl,
    uploadsUrl: `${apiUrl}/uploads`,
    resultsUrl,
    webUrl: 'https://github.com',
    signBlobUrl(path, ttlMs = 60_000, permission = 'r') {
      const se = new Date(Date.now() + ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z')
      return `${resultsUrl}${path}?sv=2025-01-05&se=${encodeURIComponent(se)}&sr=b&sp=${permission}&sig=${sign(path, se, permission)}`
    },
  }
  const results = new ResultsService(ctx, {
    verify(url, permission) {
      const se = url.searchParams.get('se')
      const sp = url.searchParams.get('sp') ?? ''
      const sig = url.searchParams.get('sig')
      if (!se || !sig) return 'Server failed to authenticate the request: no signature.'
      const expected = Buffer.from(sign(url.pathname, se, sp))
      const given = Buffer.from(sig)
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'Signature did not match.'
      if (Date.parse(se) < Date.now()) return 'Signed expiry time has passed.'
      if (permission === 'r' ? !sp.includes('r') : !/[cw]/.test(sp)) return 'This request is not authorized to perform this operation using this permission.'
      return undefined
    },
  })

  const recordViolation = (list: Violation[], v: Violation) => {
    list.push(v)
  }

  function callerFor(req: IncomingMessage): Caller | HttpError {
    const header = String(req.headers.authorization ?? '')
    if (!header) return new HttpError(401, 'Requires authentication')
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(header)
    const spec = m ? tokens[m[1]!] : undefined
    if (!m || !spec) return new HttpError(401, 'Bad credentials')
    return { token: m[1]!, spec, user: state.user(spec.login, spec.kind === 'app' ? 'Bot' : 'User'), canWrite: (spec.permissions ?? 'write') === 'write' }
  }

  function commonHeaders(caller: Caller | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      'x-github-request-id': `${randomBytes(2).toString('hex').toUpperCase()}:${randomBytes(4).toString('hex').toUpperCase()}`,
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
    }
    if (caller) {
      const used = (rateUsed.get(caller.token) ?? 0) + 1
      rateUsed.set(caller.token, used)
      Object.assign(headers, {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(Math.max(1, 5000 - used)),
        'x-ratelimit-used': String(Math.min(used, 4999)),
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
        'x-ratelimit-resource': 'core',
      })
    }
    return headers
  }

  function errorResult(error: HttpError, op: Operation | undefined): RouteResult {
    return {
      status: error.status,
      headers: error.headers,
      body: {
        message: error.message,
        documentation_url: op?.docsUrl ?? 'https://docs.github.com/rest',
        status: String(error.status),
        ...(error.errors ? { errors: error.errors } : {}),
      },
    }
  }

  /** Handles one API/uploads request after faults were applied. */
  async function handleApi(entry: RequestLogEntry, req: IncomingMessage, url: URL, raw: Buffer, parsed: ParsedBody, routed: ApiRoute): Promise<RouteResult> {
    if (routed.kind === 'web') return handleWeb(url)
    const caller = callerFor(req)
    const result = await answerApi(entry, req, url, raw, parsed, routed, caller)
    result.headers = { ...commonHeaders(caller instanceof HttpError ? undefined : caller), ...result.headers }
    return result
  }

  async function answerApi(entry: RequestLogEntry, req: IncomingMessage, url: URL, raw: Buffer, parsed: ParsedBody, routed: ApiRoute & { kind: 'op' }, caller: Caller | HttpError): Promise<RouteResult> {
    const { op, params } = routed
    if (!op) {
      recordViolation(violations, { kind: 'unknown-route', method: entry.method, path: url.pathname, message: `${entry.method} ${routed.path} is not an operation of the GitHub REST API` })
      return errorResult(new HttpError(404, 'Not Found'), undefined)
    }
    const v = (kind: Violation['kind'], message: string) => recordViolation(violations, { kind, method: entry.method, path: url.pathname, operationId: op.operationId, message })
    if (op.uploads !== routed.uploads) {
      v('wrong-host', op.uploads ? `${op.operationId} must be sent to the uploads host (the release's upload_url), not the API host` : `${op.operationId} was sent to the uploads host`)
      return errorResult(new HttpError(404, 'Not Found'), op)
    }
    if ((params.owner !== undefined && params.owner.toLowerCase() !== owner.toLowerCase()) || (params.repo !== undefined && params.repo.toLowerCase() !== repo.toLowerCase())) {
      v('unknown-repository', `the fake serves ${owner}/${repo}, not ${params.owner}/${params.repo}`)
      return errorResult(new HttpError(404, 'Not Found'), op)
    }
    const check = checkRequest(op, params, url.searchParams, parsed.json, req.headers['content-type'], raw.length > 0 && !op.uploads)
    for (const p of check.problems) v(p.kind, p.message)
    if (parsed.invalid) return errorResult(new HttpError(400, 'Problems parsing JSON'), op)

    if (caller instanceof HttpError) return errorResult(caller, op)
    entry.login = caller.spec.login
    if (req.method !== 'GET' && req.method !== 'HEAD' && !caller.canWrite) {
      return errorResult(new HttpError(403, caller.spec.kind === 'app' ? 'Resource not accessible by integration' : 'Resource not accessible by personal access token'), op)
    }
    if (check.reject) return errorResult(new HttpError(check.reject.status, check.reject.message), op)
    const handler = handlers[op.operationId]
    if (!handler) {
      v('unimplemented', `the fake does not implement ${op.operationId} (${op.method} ${op.template})`)
      return errorResult(new HttpError(404, `Not Found (fake-github does not implement ${op.operationId})`), op)
    }
    let result: RouteResult
    try {
      result = await handler({ fake: ctx, method: entry.method, params, query: url.searchParams, body: parsed.json, rawBody: raw, headers: req.headers, caller, selfUrl: url.toString(), operation: op })
    } catch (error) {
      if (!(error instanceof HttpError)) {
        recordViolation(responseViolations, { kind: 'fake-error', method: entry.method, path: url.pathname, operationId: op.operationId, message: String((error as Error)?.stack ?? error) })
        return errorResult(new HttpError(500, 'Server Error'), op)
      }
      result = errorResult(error, op)
    }
    const schema = op.responses[String(result.status)]
    if (schema && result.body !== undefined && result.raw === undefined) {
      result.body = complete(schema, result.body)
      // Error bodies carry GitHub's `status` string, which the error schemas do not list.
      for (const e of validateSchema(schema, result.body, { unknownProperties: result.status < 400 }).slice(0, 5)) {
        recordViolation(responseViolations, { kind: 'response-schema', method: entry.method, path: url.pathname, operationId: op.operationId, message: `${result.status} ${e.at || '/'}: ${e.message}` })
      }
    } else if (result.status >= 200 && result.status < 300 && result.status !== 204 && !(String(result.status) in op.responses)) {
      recordViolation(responseViolations, { kind: 'response-schema', method: entry.method, path: url.pathname, operationId: op.operationId, message: `status ${result.status} is not documented` })
    }
    return result
  }

  /** browser_download_url: public, redirects to signed storage like github.com does. */
  function handleWeb(url: URL): RouteResult {
    const m = /^\/_web\/[^/]+\/[^/]+\/releases\/download\/([^/]+)\/([^/]+)$/.exec(url.pathname)
    if (m) {
      const tag = decodeURIComponent(m[1]!)
      const name = decodeURIComponent(m[2]!)
      for (const release of state.releases.values()) {
        if ((release.draft ? `untagged-${release.id}` : release.tag_name) !== tag) continue
        const asset = release.assets.find((a) => a.name === name)
        if (asset) return { status: 302, headers: { location: ctx.signBlobUrl(`/blob/release-assets/${asset.id}/${encodeURIComponent(asset.name)}`) } }
      }
    }
    return { status: 404, raw: Buffer.from('Not Found'), headers: { 'content-type': 'text/plain' } }
  }

  async function onRequest(server: 'api' | 'storage', req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    const method = (req.method ?? 'GET').toUpperCase()
    const url = new URL(req.url ?? '/', server === 'api' ? apiUrl : resultsUrl)
    const entry: RequestLogEntry = { seq: requests.length + 1, server: 'api', method, path: url.pathname, query: Object.fromEntries(url.searchParams), params: {}, status: 0, bodyBytes: 0, durationMs: 0 }
    requests.push(entry)
    let raw: Buffer
    try {
      raw = await readBody(req)
    } catch {
      res.destroy()
      return
    }
    entry.bodyBytes = raw.length

    let routed: ApiRoute | undefined
    if (server === 'api') {
      routed = routeApi(index, method, url.pathname)
      entry.server = routed.kind === 'web' ? 'web' : routed.uploads ? 'uploads' : 'api'
      if (routed.kind === 'op' && routed.op) {
        entry.operationId = routed.op.operationId
        entry.params = routed.params
      }
    } else {
      entry.server = results.isTwirp(url.pathname) ? 'results' : 'blob'
      if (entry.server === 'results') entry.operationId = results.twirpMethod(url.pathname)
    }
    // Uploads and blobs are raw bytes, whatever their content type.
    const parsed = entry.server === 'api' || entry.server === 'results' ? parseBody(raw, req.headers['content-type']) : { json: undefined, invalid: false }
    if (parsed.json !== undefined) entry.body = parsed.json

    const fault = faults.take(method, url.pathname, entry.operationId)
    if (fault) entry.fault = fault.id
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs))

    const finish = (result: RouteResult | RawResult) => {
      entry.status = result.status
      entry.durationMs = performance.now() - started
      send(res, method, result)
    }
    const failNow = () => {
      if (fault!.drop) {
        entry.dropped = true
        entry.durationMs = performance.now() - started
        req.socket.destroy()
        return
      }
      const f = faultResponse(fault!)
      finish(entry.server === 'results' ? { status: f.status, headers: { ...f.headers, 'content-type': 'application/json' }, body: JSON.stringify({ code: 'internal', msg: f.body.message }) } : { status: f.status, headers: f.headers, body: f.body })
    }
    if (fault && !fault.after && (fault.drop || failsWithStatus(fault))) return failNow()

    let result: RouteResult | RawResult
    try {
      if (server === 'api') result = await handleApi(entry, req, url, raw, parsed, routed!)
      else if (entry.server === 'results') result = results.handleTwirp(method, url.pathname, req.headers, raw)
      else result = results.handleBlob(method, url, req.headers, raw)
    } catch (error) {
      recordViolation(responseViolations, { kind: 'fake-error', method, path: url.pathname, message: String((error as Error)?.stack ?? error) })
      result = { status: 500, body: { message: 'Server Error' } }
    }
    if (fault?.after && (fault.drop || failsWithStatus(fault))) return failNow()
    finish(result)
  }

  const listener = (server: 'api' | 'storage') => (req: IncomingMessage, res: ServerResponse) => {
    onRequest(server, req, res).catch((error: unknown) => {
      recordViolation(responseViolations, { kind: 'fake-error', method: req.method ?? '', path: req.url ?? '', message: String((error as Error)?.stack ?? error) })
      if (!res.headersSent) res.writeHead(500).end()
    })
  }
  api.on('request', listener('api'))
  storage.on('request', listener('storage'))

  const matches = (e: RequestLogEntry, f: CallFilter | undefined) => {
    if (!f) return true
    if (typeof f === 'function') return f(e)
    if (f.method && f.method.toUpperCase() !== e.method) return false
    if (f.operationId && f.operationId !== e.operationId) return false
    if (f.status !== undefined && f.status !== e.status) return false
    if (f.server && f.server !== e.server) return false
    if (f.path !== undefined && (typeof f.path === 'string' ? f.path !== e.path : !f.path.test(e.path))) return false
    return true
  }

  const ensureRun = (runId: number, headSha?: string): WorkflowRunRec =>
    state.workflowRuns.get(runId) ?? state.addWorkflowRun({ id: runId, status: 'in_progress', conclusion: null, ...(headSha ? { head_sha: headSha } : {}) })

  const defaultToken = Object.entries(tokens).find(([, s]) => s.kind === 'app' && (s.permissions ?? 'write') === 'write')?.[0] ?? Object.keys(tokens)[0] ?? ''

  const fake: FakeGitHub = {
    url: apiUrl,
    uploadsUrl: ctx.uploadsUrl,
    resultsUrl,
    owner,
    repo,
    state,
    requests,
    violations,
    responseViolations,
    get faults() {
      return faults.active
    },
    tokens,
    token: defaultToken,
    get immutableReleases() {
      return state.immutableReleases
    },
    set immutableReleases(value: boolean) {
      state.immutableReleases = value
    },
    openApiStats: index.stats,
    countCalls: (filter) => requests.filter((e) => matches(e, filter)).length,
    calls: (filter) => requests.filter((e) => matches(e, filter)),
    inject: (spec) => faults.inject(spec),
    clearFaults: () => faults.clear(),
    runtimeToken(runId, jobId = 'job-1') {
      return makeRuntimeToken(ensureRun(runId).backend_id, jobId)
    },
    actionsEnv(o = {}) {
      const run = ensureRun(o.runId ?? 7000000001, o.sha)
      const env: Record<string, string> = {
        GITHUB_ACTIONS: 'true',
        CI: 'true',
        GITHUB_API_URL: apiUrl,
        GITHUB_GRAPHQL_URL: `${apiUrl}/graphql`,
        // @actions/artifact refuses to run on GHES; anything but github.com / *.ghe.com / *.localhost is GHES to it.
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: `${owner}/${repo}`,
        GITHUB_REPOSITORY_OWNER: owner,
        GITHUB_REPOSITORY_ID: String(state.repoId),
        GITHUB_RUN_ID: String(run.id),
        GITHUB_RUN_NUMBER: String(run.run_number),
        GITHUB_RUN_ATTEMPT: String(run.run_attempt),
        GITHUB_WORKFLOW: run.name,
        GITHUB_EVENT_NAME: o.eventName ?? run.event,
        GITHUB_SHA: o.sha ?? run.head_sha,
        GITHUB_REF: o.ref ?? `refs/heads/${run.head_branch ?? state.defaultBranch}`,
        GITHUB_TOKEN: o.token ?? defaultToken,
        ACTIONS_RUNTIME_TOKEN: makeRuntimeToken(run.backend_id, o.jobId ?? 'job-1'),
        ACTIONS_RESULTS_URL: `${resultsUrl}/`,
      }
      if (o.workspace) env.GITHUB_WORKSPACE = o.workspace
      return env
    },
    async close() {
      faults.clear()
      await Promise.all([api, storage].map((s) => closeServer(s)))
    },
  }
  return fake
}

type ApiRoute = { kind: 'web' } | { kind: 'op'; uploads: boolean; path: string; op: Operation | undefined; params: Record<string, string> }

function routeApi(index: OpenApiIndex, method: string, pathname: string): ApiRoute {
  if (pathname.startsWith('/_web/')) return { kind: 'web' }
  const uploads = pathname === '/uploads' || pathname.startsWith('/uploads/')
  const path = uploads ? pathname.slice('/uploads'.length) || '/' : pathname
  const match = matchOperation(index, method, path)
  return { kind: 'op', uploads, path, op: match?.operation, params: match?.params ?? {} }
}

interface ParsedBody {
  json: unknown
  invalid: boolean
}

function parseBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  if (raw.length === 0) return { json: undefined, invalid: false }
  if (contentType !== undefined && !/json/i.test(contentType)) return { json: undefined, invalid: false }
  try {
    return { json: JSON.parse(raw.toString('utf8')), invalid: false }
  } catch {
    return { json: undefined, invalid: contentType !== undefined }
  }
}

function send(res: ServerResponse, method: string, result: RouteResult | RawResult): void {
  const headers: Record<string, string> = { ...(result.headers ?? {}) }
  let payload: Uint8Array | undefined
  if ('raw' in result && result.raw !== undefined) payload = result.raw
  else if (result.body !== undefined) {
    if (typeof result.body === 'string' || result.body instanceof Uint8Array) payload = typeof result.body === 'string' ? Buffer.from(result.body) : result.body
    else {
      payload = Buffer.from(JSON.stringify(result.body))
      headers['content-type'] ??= JSON_TYPE
    }
  }
  if (result.status === 204 || result.status === 304) payload = undefined
  headers['content-length'] = String(payload?.length ?? 0)
  res.writeHead(result.status, headers)
  res.end(method === 'HEAD' ? undefined : payload)
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
