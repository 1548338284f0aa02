import { Octokit } from '@octokit/rest'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'

// The one place an Octokit is built: retries on 5xx and dropped connections, waits out primary
// and secondary rate limits as GitHub asks (retry-after), and talks to GITHUB_API_URL so GitHub
// Enterprise Server works. Everything else receives a client and never builds one.

const MyOctokit = Octokit.plugin(retry, throttling)
export type GitHubClient = InstanceType<typeof MyOctokit>

export interface ClientOptions {
  token: string
  /** GITHUB_API_URL on runners: https://api.github.com, or https://HOST/api/v3 on GHES. */
  baseUrl: string
  log?: { debug: (m: string) => void; info: (m: string) => void; warn: (m: string) => void; error: (m: string) => void }
  /** Rate-limit retries before giving up; each waits what GitHub's retry-after says. */
  maxRateLimitRetries?: number
}

export function createGitHubClient(options: ClientOptions): GitHubClient {
  const maxRetries = options.maxRateLimitRetries ?? 3
  const log = options.log
  const client = new MyOctokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: 'mlops-action',
    log: log && { debug: () => {}, info: log.info, warn: log.warn, error: log.error },
    // 403 and 429 are the throttling plugin's (it honours retry-after); retrying them here too would
    // hammer a rate limit and make a read-only fork token take seconds to fail.
    retry: { doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451] },
    throttle: {
      onRateLimit: (retryAfter, request, _client, retryCount) => {
        log?.warn(`rate limit on ${request.method} ${request.url}; retrying in ${retryAfter}s`)
        return retryCount < maxRetries
      },
      onSecondaryRateLimit: (retryAfter, request, _client, retryCount) => {
        log?.warn(`secondary rate limit on ${request.method} ${request.url}; retrying in ${retryAfter}s`)
        return retryCount < maxRetries
      },
    },
  })
  // Octokit hands every request the same `request` options object, so the retry plugins' counts
  // would carry over from one request to the next (octokit/plugin-throttling#462): copy it.
  client.hook.wrap('request', (request, opts) => request({ ...opts, request: { ...opts.request } }))
  return client
}

/** An HTTP error from the API, with its status, as Octokit throws them. */
export function isHttpError(error: unknown, status?: number): error is Error & { status: number; response?: { data?: unknown; url?: string } } {
  return error instanceof Error && typeof (error as { status?: unknown }).status === 'number' && (status === undefined || (error as unknown as { status: number }).status === status)
}

/** GitHub's 422 `already_exists` (on a ref, release or asset), which idempotent writes treat as done. */
export function isAlreadyExists(error: unknown): boolean {
  if (!isHttpError(error, 422)) return false
  const data = error.response?.data as { message?: string; errors?: { code?: string }[] } | undefined
  return Boolean(data?.errors?.some((e) => e.code === 'already_exists') || /already exists/i.test(data?.message ?? error.message))
}

/** "HTTP 403 on POST /repos/o/r/issues/1/comments: Resource not accessible by integration". */
export function describeHttpError(error: unknown): string {
  if (!isHttpError(error)) return error instanceof Error ? error.message : String(error)
  const request = (error as { request?: { method?: string; url?: string } }).request
  const endpoint = request?.url ? `${request.method ?? ''} ${new URL(request.url).pathname}`.trim() : 'the GitHub API'
  const message = (error.response?.data as { message?: string } | undefined)?.message ?? error.message
  return `HTTP ${error.status} on ${endpoint}: ${message}`
}
