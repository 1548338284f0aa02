import { createHash } from 'node:crypto'
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { validateSchema, type Schema, type SchemaError } from './schema.js'

// GitHub's OpenAPI description (from @octokit/openapi), loaded once per process and reduced to an
// index of operations: method + path template, parameters, request body schema, and - for the
// operations the fake implements - the success response schemas.

export interface Parameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema?: Schema
}

type Segment = { literal: string } | { param: string; greedy: boolean }

export interface Operation {
  operationId: string
  method: string
  template: string
  docsUrl: string
  /** Served from uploads.github.com (`servers` override), e.g. repos/upload-release-asset. */
  uploads: boolean
  parameters: Parameter[]
  requestBody?: { required: boolean; content: Record<string, { schema?: Schema }> }
  /** Only kept for the operations the fake implements: status -> JSON schema. */
  responses: Record<string, Schema | undefined>
  segments: Segment[]
  literals: number
}

export interface OpenApiIndex {
  byMethod: Map<string, Operation[]>
  byId: Map<string, Operation>
  stats: OpenApiStats
}

export interface OpenApiStats {
  file: string
  /** `description`: read and parsed the OpenAPI file; `disk-cache`: read the extracted index another process wrote. */
  source: 'description' | 'disk-cache'
  /** Size of the description file. */
  bytes: number
  readMs: number
  parseMs: number
  indexMs: number
  totalMs: number
  operations: number
}

const require = createRequire(import.meta.url)
export const OPENAPI_FILE = require.resolve('@octokit/openapi/generated/api.github.com.deref.json')

/** Path parameters that may contain `/` when a client does not encode them (refs, tag names). */
const GREEDY_PARAMS = new Set(['ref', 'tag'])

let cached: OpenApiIndex | undefined

/**
 * Loads and indexes the description the first time; later calls return the same index. The
 * extracted index (about 2 MB, vs 73 MB of description) is also cached on disk, keyed by the
 * description file's size and mtime and the set of operations whose responses are kept, so that
 * other processes (vitest forks) skip the half-second parse. FAKE_GITHUB_OPENAPI_CACHE=0 disables it.
 */
export function loadOpenApi(keepResponsesFor: ReadonlySet<string>): OpenApiIndex {
  if (cached) return cached
  const t0 = performance.now()
  const stat = statSync(OPENAPI_FILE)
  const key = createHash('sha1').update(`${OPENAPI_FILE}\n${stat.size}\n${stat.mtimeMs}\n${[...keepResponsesFor].sort().join(',')}\n${INDEX_FORMAT}`).digest('hex').slice(0, 16)
  const cacheFile = path.join(os.tmpdir(), `fake-github-openapi-${key}.json`)
  const useCache = process.env.FAKE_GITHUB_OPENAPI_CACHE !== '0'
  let operations: Operation[] | undefined
  let source: OpenApiStats['source'] = 'description'
  let readMs = 0
  let parseMs = 0
  if (useCache && existsSync(cacheFile)) {
    try {
      const text = readFileSync(cacheFile, 'utf8')
      const t1 = performance.now()
      operations = JSON.parse(text) as Operation[]
      readMs = t1 - t0
      parseMs = performance.now() - t1
      source = 'disk-cache'
    } catch {
      operations = undefined
    }
  }
  if (!operations) {
    const text = readFileSync(OPENAPI_FILE, 'utf8')
    const t1 = performance.now()
    const doc = JSON.parse(text) as { paths: Record<string, Record<string, RawOperation>> }
    readMs = t1 - t0
    parseMs = performance.now() - t1
    operations = extractOperations(doc, keepResponsesFor)
    if (useCache) {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`
        writeFileSync(tmp, JSON.stringify(operations))
        renameSync(tmp, cacheFile)
      } catch {
        // A cache is an optimisation only.
      }
    }
  }
  const t2 = performance.now()
  const byMethod = new Map<string, Operation[]>()
  const byId = new Map<string, Operation>()
  for (const op of operations) {
    const list = byMethod.get(op.method) ?? []
    list.push(op)
    byMethod.set(op.method, list)
    byId.set(op.operationId, op)
  }
  for (const id of keepResponsesFor) if (!byId.has(id)) throw new Error(`fake-github: ${id} is not an operation in ${OPENAPI_FILE}`)
  cached = {
    byMethod,
    byId,
    stats: { file: OPENAPI_FILE, source, bytes: stat.size, readMs, parseMs, indexMs: performance.now() - t2, totalMs: performance.now() - t0, operations: byId.size },
  }
  return cached
}

/** Bump when the shape of Operation changes (invalidates disk caches). */
const INDEX_FORMAT = 1

function extractOperations(doc: { paths: Record<string, Record<string, RawOperation>> }, keepResponsesFor: ReadonlySet<string>): Operation[] {
  const operations: Operation[] = []
  for (const [template, item] of Object.entries(doc.paths)) {
    const shared = (item as unknown as { parameters?: Parameter[] }).parameters ?? []
    for (const [method, raw] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete', 'head'].includes(method)) continue
      const segments: Segment[] = template
        .split('/')
        .slice(1)
        .map((s, i, all) => {
          const m = /^\{(.+)\}$/.exec(s)
          return m ? { param: m[1]!, greedy: i === all.length - 1 && GREEDY_PARAMS.has(m[1]!) } : { literal: s }
        })
      const responses: Record<string, Schema | undefined> = {}
      if (keepResponsesFor.has(raw.operationId)) {
        for (const [status, response] of Object.entries(raw.responses ?? {})) {
          responses[status] = response.content?.['application/json']?.schema
        }
      }
      operations.push({
        operationId: raw.operationId,
        method: method.toUpperCase(),
        template,
        docsUrl: raw.externalDocs?.url ?? 'https://docs.github.com/rest',
        uploads: (raw.servers ?? []).some((s) => s.url.includes('uploads.github.com')),
        parameters: [...shared, ...(raw.parameters ?? [])],
        requestBody: raw.requestBody ? { required: raw.requestBody.required ?? false, content: raw.requestBody.content ?? {} } : undefined,
        responses,
        segments,
        literals: segments.filter((s) => 'literal' in s).length,
      })
    }
  }
  return operations
}

interface RawOperation {
  operationId: string
  externalDocs?: { url?: string }
  servers?: { url: string }[]
  parameters?: Parameter[]
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> }
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>
}

export interface Match {
  operation: Operation
  /** Decoded path parameters. */
  params: Record<string, string>
}

/** Finds the operation for a method and a raw (still percent-encoded) path. */
export function matchOperation(index: OpenApiIndex, method: string, rawPath: string): Match | undefined {
  const parts = rawPath.split('/').slice(1)
  let best: { op: Operation; params: Record<string, string>; greedy: boolean } | undefined
  for (const op of index.byMethod.get(method === 'HEAD' ? 'GET' : method) ?? []) {
    const params = matchSegments(op.segments, parts)
    if (!params) continue
    const greedy = parts.length !== op.segments.length
    if (!best || op.literals > best.op.literals || (op.literals === best.op.literals && best.greedy && !greedy)) best = { op, params, greedy }
  }
  return best && { operation: best.op, params: best.params }
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const last = segments[segments.length - 1]
  const greedy = last !== undefined && 'param' in last && last.greedy
  if (greedy ? parts.length < segments.length : parts.length !== segments.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!
    const isLast = i === segments.length - 1
    const raw = isLast && greedy ? parts.slice(i).join('/') : parts[i]!
    if ('literal' in segment) {
      if (segment.literal !== raw) return undefined
    } else {
      if (raw === '') return undefined
      try {
        params[segment.param] = decodeURIComponent(raw)
      } catch {
        return undefined
      }
    }
  }
  return params
}

export interface RequestProblem {
  kind: 'path-param' | 'query-param' | 'unknown-query-param' | 'body' | 'unknown-property' | 'content-type'
  message: string
}

export interface RequestCheck {
  problems: RequestProblem[]
  /** What GitHub would answer instead of handling the request, if anything. */
  reject?: { status: number; message: string }
}

const TYPE_WORD: Record<string, string> = { integer: 'an integer', number: 'a number', boolean: 'a boolean', string: 'a string', object: 'an object', array: 'an array' }

/** Checks a request against its operation; `body` is the parsed JSON body or undefined when none was sent. */
export function checkRequest(op: Operation, params: Record<string, string>, query: URLSearchParams, body: unknown, contentType: string | undefined, hasBody: boolean): RequestCheck {
  const problems: RequestProblem[] = []
  let reject: RequestCheck['reject']

  for (const p of op.parameters.filter((x) => x.in === 'path')) {
    const value = params[p.name]
    if (value === undefined) {
      problems.push({ kind: 'path-param', message: `missing path parameter ${p.name}` })
      reject ??= { status: 404, message: 'Not Found' }
    } else if (p.schema && !scalarFits(p.schema, value)) {
      problems.push({ kind: 'path-param', message: `path parameter ${p.name}=${JSON.stringify(value)} is not ${describe(p.schema)}` })
      reject ??= { status: 404, message: 'Not Found' }
    }
  }

  const declared = new Map(op.parameters.filter((x) => x.in === 'query').map((x) => [x.name, x]))
  for (const [name, value] of query) {
    const p = declared.get(name)
    if (!p) problems.push({ kind: 'unknown-query-param', message: `query parameter ${name} is not documented for ${op.operationId}` })
    else if (p.schema && !scalarFits(p.schema, value)) problems.push({ kind: 'query-param', message: `query parameter ${name}=${JSON.stringify(value)} is not ${describe(p.schema)}` })
  }
  for (const p of declared.values()) {
    if (p.required && !query.has(p.name)) problems.push({ kind: 'query-param', message: `required query parameter ${p.name} is missing` })
  }

  const jsonSchema = op.requestBody?.content['application/json']?.schema
  if (jsonSchema) {
    if (hasBody && contentType !== undefined && !/json/i.test(contentType)) {
      problems.push({ kind: 'content-type', message: `body sent as ${contentType}, expected application/json` })
    }
    if (body === undefined) {
      if (op.requestBody?.required) {
        problems.push({ kind: 'body', message: 'request body is required' })
        reject ??= { status: 422, message: 'Invalid request.\n\nInvalid input: object is missing.' }
      }
    } else {
      const errors = validateSchema(jsonSchema, body, { unknownProperties: true })
      for (const e of errors) problems.push({ kind: e.kind === 'unknown' ? 'unknown-property' : 'body', message: `${e.at || '/'}: ${e.message}` })
      const fatal = errors.filter((e) => e.kind !== 'unknown')
      if (fatal.length > 0) reject ??= { status: 422, message: `Invalid request.\n\n${fatal.map(githubMessage).join('\n')}` }
    }
  } else if (hasBody && !op.requestBody) {
    problems.push({ kind: 'unknown-property', message: `${op.operationId} takes no request body, but one was sent (${truncate(JSON.stringify(body) ?? '')})` })
  }
  return { problems, reject }
}

function githubMessage(e: SchemaError): string {
  if (e.kind === 'missing') return `"${e.property}" wasn't supplied.`
  return `For '${e.at.replace(/^\//, 'properties/')}', ${e.message}.`
}

function scalarFits(schema: Schema, raw: string): boolean {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  if (schema.enum && !schema.enum.map(String).includes(raw)) return false
  if (type === 'integer') return /^-?\d+$/.test(raw)
  if (type === 'number') return raw.trim() !== '' && Number.isFinite(Number(raw))
  if (type === 'boolean') return raw === 'true' || raw === 'false'
  return true
}

function describe(schema: Schema): string {
  if (schema.enum) return `one of ${schema.enum.join(', ')}`
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  return TYPE_WORD[type ?? ''] ?? 'valid'
}

function truncate(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + '...' : s
}
