import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { iso } from './http.js'
import type { FakeContext } from './present.js'
import { parseRuntimeToken } from './runtime-token.js'
import { sha256, type ArtifactRec, type WorkflowRunRec } from './state.js'

// The Actions results service as @actions/artifact v6 uses it: Twirp JSON RPCs under
// /twirp/github.actions.results.api.v1.ArtifactService/<Method> (bearer: ACTIONS_RUNTIME_TOKEN), and
// Azure-Blob-like signed storage under /blob/... (Put Block, Put Block List, Put Blob, Get Blob).

export interface RawResult {
  status: number
  headers?: Record<string, string>
  body?: Uint8Array | string
}

interface PendingUpload {
  key: string
  run: WorkflowRunRec
  jobBackendId: string
  name: string
  contentType: string
  expiresAt: string | undefined
  blocks: Map<string, Buffer>
  blob: Buffer | undefined
}

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService/'

const TWIRP_STATUS: Record<string, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 412,
  internal: 500,
}

const twirpError = (code: string, msg: string): RawResult => ({
  status: TWIRP_STATUS[code] ?? 500,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ code, msg }),
})
const twirpOk = (value: unknown): RawResult => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) })

const blobError = (status: number, code: string, message: string): RawResult => ({
  status,
  headers: { 'content-type': 'application/xml', 'x-ms-error-code': code },
  body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
})

/** A StringValue/Int64Value wrapper may arrive as a bare value (protobuf JSON) or as { value }. */
function unwrap(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'object' && 'value' in (v as object)) return String((v as { value: unknown }).value)
  return String(v)
}

export interface BlobAccess {
  /** Checks a signed storage URL (sig, se, sp); returns an error message or undefined. */
  verify(url: URL, permission: 'r' | 'w'): string | undefined
}

export class ResultsService {
  private readonly pending = new Map<string, PendingUpload>()

  constructor(
    private readonly fake: FakeContext,
    private readonly access: BlobAccess,
  ) {}

  isTwirp(path: string): boolean {
    return path.startsWith('/twirp/')
  }

  twirpMethod(path: string): string | undefined {
    return path.startsWith(SERVICE) ? path.slice(SERVICE.length) : undefined
  }

  handleTwirp(method: string, path: string, headers: IncomingHttpHeaders, raw: Buffer): RawResult {
    const rpc = this.twirpMethod(path)
    if (method !== 'POST' || !rpc) return twirpError('not_found', `no such method: ${path}`)
    const auth = /^Bearer\s+(.+)$/i.exec(String(headers.authorization ?? ''))
    const ids = auth ? parseRuntimeToken(auth[1]!) : undefined
    if (!ids) return twirpError('unauthenticated', 'missing or invalid ACTIONS_RUNTIME_TOKEN')
    let req: Record<string, unknown>
    try {
      req = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>
    } catch {
      return twirpError('invalid_argument', 'body is not JSON')
    }
    if (req.workflow_run_backend_id !== ids.runBackendId || req.workflow_job_run_backend_id !== ids.jobBackendId) {
      return twirpError('permission_denied', 'workflow run/job backend ids do not match the runtime token')
    }
    const run = this.fake.state.runByBackendId(ids.runBackendId)
    if (!run) return twirpError('not_found', `workflow run ${ids.runBackendId} not found`)
    switch (rpc) {
      case 'CreateArtifact':
        return this.create(run, ids.jobBackendId, req)
      case 'FinalizeArtifact':
        return this.finalize(run, req)
      case 'ListArtifacts':
        return this.list(run, req)
      case 'GetSignedArtifactURL':
        return this.signedUrl(run, req)
      case 'DeleteArtifact':
        return this.delete(run, req)
      default:
        return twirpError('not_found', `no such method: ${rpc}`)
    }
  }

  private artifactsOf(run: WorkflowRunRec): ArtifactRec[] {
    return [...this.fake.state.artifacts.values()].filter((a) => a.run_id === run.id && !a.expired)
  }

  private create(run: WorkflowRunRec, jobBackendId: string, req: Record<string, unknown>): RawResult {
    const name = typeof req.name === 'string' ? req.name : ''
    if (!name) return twirpError('invalid_argument', 'name is required')
    if (this.artifactsOf(run).some((a) => a.name === name)) {
      return twirpError('already_exists', `an artifact with this name already exists on the workflow run`)
    }
    const key = randomUUID()
    this.pending.set(`${run.id}/${name}`, {
      key,
      run,
      jobBackendId,
      name,
      contentType: unwrap(req.mime_type) ?? 'application/zip',
      expiresAt: typeof req.expires_at === 'string' ? req.expires_at : undefined,
      blocks: new Map(),
      blob: undefined,
    })
    return twirpOk({ ok: true, signed_upload_url: this.sign(`/blob/uploads/${key}`, 'cw') })
  }

  private finalize(run: WorkflowRunRec, req: Record<string, unknown>): RawResult {
    const name = String(req.name ?? '')
    const upload = this.pending.get(`${run.id}/${name}`)
    if (!upload) return twirpError('not_found', `no artifact upload named ${name} for this run`)
    if (!upload.blob) return twirpError('failed_precondition', 'the blob was never committed')
    const size = Number(unwrap(req.size) ?? '0')
    if (size !== upload.blob.length) return twirpError('invalid_argument', `size ${size} does not match the ${upload.blob.length} bytes uploaded`)
    const digest = `sha256:${sha256(upload.blob)}`
    const hash = unwrap(req.hash)
    if (hash !== undefined && hash !== digest) return twirpError('invalid_argument', `hash ${hash} does not match the uploaded content (${digest})`)
    this.pending.delete(`${run.id}/${name}`)
    const now = iso()
    const artifact: ArtifactRec = {
      id: this.fake.state.nextId(),
      run_id: run.id,
      name,
      size_in_bytes: upload.blob.length,
      archive: new Uint8Array(upload.blob),
      content_type: upload.contentType,
      expired: false,
      digest,
      created_at: now,
      updated_at: now,
      expires_at: upload.expiresAt ?? iso(Date.now() + 90 * 24 * 3600 * 1000),
      job_backend_id: upload.jobBackendId,
    }
    this.fake.state.artifacts.set(artifact.id, artifact)
    return twirpOk({ ok: true, artifact_id: String(artifact.id) })
  }

  private list(run: WorkflowRunRec, req: Record<string, unknown>): RawResult {
    const name = unwrap(req.name_filter)
    const id = unwrap(req.id_filter)
    const artifacts = this.artifactsOf(run).filter((a) => (name === undefined || a.name === name) && (id === undefined || String(a.id) === id))
    return twirpOk({
      artifacts: artifacts.map((a) => ({
        workflow_run_backend_id: run.backend_id,
        workflow_job_run_backend_id: a.job_backend_id,
        database_id: String(a.id),
        name: a.name,
        size: String(a.size_in_bytes),
        created_at: a.created_at,
        ...(a.digest ? { digest: a.digest } : {}),
      })),
    })
  }

  private signedUrl(run: WorkflowRunRec, req: Record<string, unknown>): RawResult {
    const artifact = this.artifactsOf(run).find((a) => a.name === req.name)
    if (!artifact) return twirpError('not_found', `artifact ${String(req.name)} not found`)
    return twirpOk({ signed_url: this.sign(`/blob/artifacts/${artifact.id}.zip`, 'r') })
  }

  private delete(run: WorkflowRunRec, req: Record<string, unknown>): RawResult {
    const artifact = this.artifactsOf(run).find((a) => a.name === req.name)
    if (!artifact) return twirpError('not_found', `artifact ${String(req.name)} not found`)
    this.fake.state.artifacts.delete(artifact.id)
    return twirpOk({ ok: true, artifact_id: String(artifact.id) })
  }

  private sign(path: string, permission: string): string {
    const url = new URL(this.fake.signBlobUrl(path, 6 * 3600 * 1000, permission))
    return url.toString()
  }

  handleBlob(method: string, url: URL, headers: IncomingHttpHeaders, raw: Buffer): RawResult {
    if (headers.authorization) {
      // Signed storage URLs carry their own credentials; a forwarded API token is an error there.
      return blobError(400, 'InvalidAuthenticationInfo', 'Authentication information is not given in the correct format (an Authorization header was sent with a SAS URL).')
    }
    const denied = this.access.verify(url, method === 'GET' || method === 'HEAD' ? 'r' : 'w')
    if (denied) return blobError(403, 'AuthenticationFailed', denied)
    const path = url.pathname
    let m: RegExpExecArray | null
    if ((m = /^\/blob\/uploads\/([^/]+)$/.exec(path)) && method === 'PUT') return this.putBlob(m[1]!, url, headers, raw)
    if ((m = /^\/blob\/artifacts\/(\d+)\.zip$/.exec(path)) && (method === 'GET' || method === 'HEAD')) {
      const artifact = this.fake.state.artifacts.get(Number(m[1]))
      if (!artifact) return blobError(404, 'BlobNotFound', 'The specified blob does not exist.')
      return {
        status: 200,
        headers: { 'content-type': artifact.content_type, 'content-disposition': `attachment; filename="${artifact.name}.zip"; filename*=UTF-8''${encodeURIComponent(artifact.name)}.zip` },
        body: artifact.archive,
      }
    }
    if ((m = /^\/blob\/release-assets\/(\d+)\/[^/]+$/.exec(path)) && (method === 'GET' || method === 'HEAD')) {
      for (const release of this.fake.state.releases.values()) {
        const asset = release.assets.find((a) => a.id === Number(m![1]))
        if (asset) {
          if (method === 'GET') asset.download_count++
          return { status: 200, headers: { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename=${asset.name}` }, body: asset.content }
        }
      }
      return blobError(404, 'BlobNotFound', 'The specified blob does not exist.')
    }
    return blobError(400, 'UnsupportedHttpVerb', `${method} ${path} is not supported by the fake blob store`)
  }

  private putBlob(key: string, url: URL, headers: IncomingHttpHeaders, raw: Buffer): RawResult {
    const upload = [...this.pending.values()].find((u) => u.key === key)
    if (!upload) return blobError(404, 'ContainerNotFound', 'No pending upload for this URL.')
    const ok = (): RawResult => ({ status: 201, headers: { etag: `"0x${Date.now().toString(16).toUpperCase()}"`, 'x-ms-request-id': randomUUID(), 'x-ms-version': '2025-01-05', 'x-ms-request-server-encrypted': 'true' } })
    const comp = url.searchParams.get('comp')
    if (comp === 'block') {
      const blockId = url.searchParams.get('blockid')
      if (!blockId) return blobError(400, 'InvalidQueryParameterValue', 'blockid is required')
      upload.blocks.set(blockId, raw)
      return ok()
    }
    if (comp === 'blocklist') {
      const ids = [...raw.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((x) => x[2]!)
      const parts: Buffer[] = []
      for (const id of ids) {
        const block = upload.blocks.get(id)
        if (!block) return blobError(400, 'InvalidBlockList', `block ${id} was not staged`)
        parts.push(block)
      }
      upload.blob = Buffer.concat(parts)
      upload.blocks.clear()
      if (headers['x-ms-blob-content-type']) upload.contentType = String(headers['x-ms-blob-content-type'])
      return ok()
    }
    if (comp === null && String(headers['x-ms-blob-type'] ?? '') === 'BlockBlob') {
      upload.blob = raw
      if (headers['x-ms-blob-content-type']) upload.contentType = String(headers['x-ms-blob-content-type'])
      return ok()
    }
    return blobError(400, 'InvalidQueryParameterValue', `unsupported blob operation comp=${comp}`)
  }
}
