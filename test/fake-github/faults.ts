import { randomBytes } from 'node:crypto'

// Failure injection. A rule matches requests (method, path, operationId) and, for its next `times`
// matches, delays, drops the connection, or answers with an error the way GitHub does.

export interface FaultSpec {
  method?: string
  /** Tested against the request path (without the query), e.g. /repos/o/r/releases or /uploads/... */
  path?: RegExp
  operationId?: string
  /** How many matching requests to fail (default 1; Infinity for all). */
  times?: number
  /** 500/502/503: JSON server errors. 403: permission error unless a rate limit flag is set. 429: primary rate limit unless secondaryRateLimit. */
  status?: 500 | 502 | 503 | 403 | 429
  /** Seconds, sent as `retry-after` (and used for x-ratelimit-reset of a primary limit). Default 1 for rate limits. */
  retryAfter?: number
  /** 403 (or `status: 429`) with GitHub's secondary-rate-limit message and retry-after. */
  secondaryRateLimit?: boolean
  /** 403/429 with x-ratelimit-remaining: 0 and x-ratelimit-reset (the default for 429). */
  primaryRateLimit?: boolean
  /** Destroy the socket without answering. */
  drop?: boolean
  /** Wait this long first (alone: a slow but successful response). */
  delayMs?: number
  /**
   * Handle the request first (state changes happen), then fail or drop: the "it worked but the client
   * never heard" case. Without it, a failed request changes nothing.
   */
  after?: boolean
  /** Override the error message. */
  message?: string
}

export interface ActiveFault extends FaultSpec {
  readonly id: number
  remaining: number
  hits: number
  /** For a rate-limit rule that fired: requests before this time are refused too. */
  limitedUntil?: number
}

export interface FaultResponse {
  status: number
  headers: Record<string, string>
  body: Record<string, unknown>
}

let nextFaultId = 1

export class Faults {
  readonly active: ActiveFault[] = []

  inject(spec: FaultSpec): ActiveFault {
    if (spec.status === undefined && !spec.drop && spec.delayMs === undefined && !spec.secondaryRateLimit && !spec.primaryRateLimit) {
      throw new Error('fake-github: a fault needs status, drop, delayMs or a rate-limit flag')
    }
    const fault: ActiveFault = { ...spec, id: nextFaultId++, remaining: spec.times ?? 1, hits: 0 }
    this.active.push(fault)
    return fault
  }

  clear(): void {
    this.active.length = 0
  }

  /**
   * Takes one use of the first rule matching this request, if any. A rate-limit rule that fired keeps
   * answering every matching request until its retry-after window has passed (as GitHub does), without
   * using up `times`: clients that retry early are refused again.
   */
  take(method: string, path: string, operationId: string | undefined): ActiveFault | undefined {
    const now = Date.now()
    const matches = (f: ActiveFault) => (!f.method || f.method.toUpperCase() === method) && (!f.path || f.path.test(path)) && (!f.operationId || f.operationId === operationId)
    const limited = this.active.find((f) => f.limitedUntil !== undefined && f.limitedUntil > now && matches(f))
    if (limited) {
      limited.hits++
      return limited
    }
    const fault = this.active.find((f) => f.remaining > 0 && matches(f))
    this.prune(now)
    if (!fault) return undefined
    fault.remaining--
    fault.hits++
    if (isRateLimit(fault)) fault.limitedUntil = now + (fault.retryAfter ?? 1) * 1000
    this.prune(now)
    return fault
  }

  private prune(now: number): void {
    for (let i = this.active.length - 1; i >= 0; i--) {
      const f = this.active[i]!
      if (f.remaining <= 0 && !(f.limitedUntil !== undefined && f.limitedUntil > now)) this.active.splice(i, 1)
    }
  }
}

const isRateLimit = (f: FaultSpec) => f.secondaryRateLimit === true || f.primaryRateLimit === true || f.status === 429

/** True when the fault answers with an error (rather than only delaying). */
export const failsWithStatus = (f: FaultSpec) => f.status !== undefined || f.secondaryRateLimit === true || f.primaryRateLimit === true

/** Seconds left in a rate-limit window (whole seconds, at least 1, as GitHub sends them). */
function windowSeconds(f: ActiveFault | FaultSpec): number {
  const until = 'limitedUntil' in f ? f.limitedUntil : undefined
  return until !== undefined ? Math.max(1, Math.ceil((until - Date.now()) / 1000)) : (f.retryAfter ?? 1)
}

/** GitHub's answer for an injected failure. */
export function faultResponse(f: FaultSpec): FaultResponse {
  const requestId = `${randomBytes(2).toString('hex').toUpperCase()}:${randomBytes(3).toString('hex').toUpperCase()}`
  const headers: Record<string, string> = { 'x-github-request-id': requestId }
  if (f.secondaryRateLimit) {
    const status = f.status ?? 403
    headers['retry-after'] = String(windowSeconds(f))
    return {
      status,
      headers,
      body: {
        message:
          f.message ??
          `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
        documentation_url: 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: String(status),
      },
    }
  }
  if (f.primaryRateLimit || f.status === 429) {
    const status = f.status ?? 403
    Object.assign(headers, {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '5000',
      'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000 + windowSeconds(f))),
      'x-ratelimit-resource': 'core',
    })
    if (f.retryAfter !== undefined) headers['retry-after'] = String(windowSeconds(f))
    return {
      status,
      headers,
      body: {
        message: f.message ?? 'API rate limit exceeded for installation ID 1000001.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits',
        status: String(status),
      },
    }
  }
  const status = f.status ?? 500
  if (f.retryAfter !== undefined) headers['retry-after'] = String(f.retryAfter)
  const message = f.message ?? ({ 403: 'Resource not accessible by integration', 502: 'Server Error', 503: 'Service Unavailable' } as Record<number, string>)[status] ?? 'Server Error'
  return { status, headers, body: { message, documentation_url: 'https://docs.github.com/rest', status: String(status) } }
}
