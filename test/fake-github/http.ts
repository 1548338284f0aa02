import type { IncomingMessage } from 'node:http'

// Small HTTP helpers shared by the fake's routes: GitHub-shaped errors, ISO dates, pagination.

export interface ValidationErrorItem {
  resource?: string
  field?: string
  code: string
  message?: string
}

/** Thrown by handlers; answered as `{ message, documentation_url, status, errors? }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: ValidationErrorItem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

export const notFound = () => new HttpError(404, 'Not Found')
export const validationFailed = (...errors: ValidationErrorItem[]) => new HttpError(422, 'Validation Failed', errors)

export interface RouteResult {
  status: number
  /** JSON body (validated against the operation's response schema and completed). */
  body?: unknown
  /** Raw body instead of JSON. */
  raw?: Uint8Array
  headers?: Record<string, string>
}

/** GitHub's timestamp format: ISO 8601 in UTC without milliseconds. */
export function iso(date: Date | number = Date.now()): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export async function readBody(req: IncomingMessage, limit = 512 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > limit) throw new HttpError(413, 'Request body too large')
    chunks.push(buffer)
  }
  return Buffer.concat(chunks)
}

/**
 * One page of `items` the way GitHub pages lists: `per_page` (default 30, at most 100) and
 * `page` (from 1) query parameters, and a `Link` header with next/last/first/prev.
 */
export function paginate<T>(
  items: readonly T[],
  query: URLSearchParams,
  selfUrl: string,
  wrap: (page: T[], total: number) => unknown = (page) => page,
): RouteResult {
  const perPageRaw = Number.parseInt(query.get('per_page') ?? '', 10)
  const perPage = Number.isFinite(perPageRaw) && perPageRaw > 0 ? Math.min(perPageRaw, 100) : 30
  const pageRaw = Number.parseInt(query.get('page') ?? '', 10)
  const page = Number.isFinite(pageRaw) && pageRaw > 0 ? pageRaw : 1
  const lastPage = Math.max(1, Math.ceil(items.length / perPage))
  const slice = items.slice((page - 1) * perPage, page * perPage)
  const link = (p: number) => {
    const url = new URL(selfUrl)
    url.searchParams.set('per_page', String(perPage))
    url.searchParams.set('page', String(p))
    return url.toString()
  }
  const rels: string[] = []
  if (page > 1) rels.push(`<${link(Math.min(page - 1, lastPage))}>; rel="prev"`)
  if (page < lastPage) rels.push(`<${link(page + 1)}>; rel="next"`, `<${link(lastPage)}>; rel="last"`)
  if (page > 1) rels.push(`<${link(1)}>; rel="first"`)
  return { status: 200, body: wrap(slice, items.length), headers: rels.length > 0 ? { link: rels.join(', ') } : {} }
}
