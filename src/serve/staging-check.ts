import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { runCommand, type CommandResult } from '../pipeline/process-runner.js'
import type { ServeSpec } from '../spec/schema.js'
import { createHttpClient, type HttpClient } from './http-client.js'
import { type LatencySummary, summarizeLatency } from './latency.js'
import { readRequests, RequestsFileError } from './read-requests.js'

// The staging check: start the user's model server on a free local port, wait until it is
// ready, send the requests through real HTTP, time them, and stop the server whatever
// happened (the process group is killed, so a server started by a wrapper script goes too).
// The figures become run metrics, so gates can refuse a model that is too slow.

export interface StagingOptions {
  root: string
  serve: ServeSpec
  env: NodeJS.ProcessEnv
  onLine: (stream: 'stdout' | 'stderr', line: string) => void
  signal?: AbortSignal
}

export type StagingResult = { ok: true; metrics: LatencySummary; requests: number; failed: number; firstFailure?: string } | { ok: false; message: string }

const POLL_MS = 100

export async function runStagingCheck(options: StagingOptions): Promise<StagingResult> {
  const { serve, root } = options
  let bodies: string[]
  try {
    bodies = await readRequests(root, serve.requests)
  } catch (error) {
    if (error instanceof RequestsFileError) return { ok: false, message: error.message }
    throw error
  }
  const port = await freePort()
  const ready = serve.ready.replaceAll('{port}', String(port))
  const url = serve.url.replaceAll('{port}', String(port))
  const stop = new AbortController()
  const abort = () => stop.abort()
  options.signal?.addEventListener('abort', abort, { once: true })
  const startupMs = serve['startup-seconds'] * 1000
  const total = serve.warmup + serve.count
  const client = createHttpClient()
  let exit: CommandResult | undefined
  const exited = runCommand({
    command: serve.run,
    cwd: root,
    env: { ...options.env, ...serve.env, MLOPS_SERVE_PORT: String(port) },
    // A bound on the whole check, so a server that never stops cannot hold the run forever.
    timeoutMs: startupMs + total * serve['request-timeout-ms'] + 10_000,
    onLine: options.onLine,
    signal: stop.signal,
    graceMs: 2000,
  }).then((result) => (exit = result))
  try {
    const waited = await waitUntilReady(client, ready, startupMs, () => exit)
    if (waited !== undefined) return { ok: false, message: waited }
    await sendAll(client, url, bodies, serve.warmup, serve, () => exit)
    const started = performance.now()
    const { durations, failed, firstFailure } = await sendAll(client, url, bodies, serve.count, serve, () => exit)
    const wallMs = performance.now() - started
    if (durations.length === 0) return { ok: false, message: `all ${serve.count} requests to ${url} failed: ${firstFailure}` }
    return { ok: true, metrics: summarizeLatency(durations, wallMs, failed), requests: serve.count, failed, ...(firstFailure ? { firstFailure } : {}) }
  } finally {
    stop.abort()
    await exited
    client.close()
    options.signal?.removeEventListener('abort', abort)
  }
}

/** Undefined once `url` answers 2xx; otherwise why it never did. */
async function waitUntilReady(client: HttpClient, url: string, timeoutMs: number, exit: () => CommandResult | undefined): Promise<string | undefined> {
  const deadline = performance.now() + timeoutMs
  const target = new URL(url)
  let last = 'no answer'
  while (performance.now() < deadline) {
    const ended = exit()
    if (ended) return `the server stopped before it was ready (${describeExit(ended)})`
    try {
      const { status } = await client.request(target, { method: 'GET', timeoutMs: Math.ceil(Math.max(1, Math.min(2000, deadline - performance.now()))) })
      if (status >= 200 && status < 300) return undefined
      last = `HTTP ${status}`
    } catch (error) {
      last = describeRequestError(error)
    }
    await sleep(POLL_MS)
  }
  return `the server was not ready at ${url} after ${timeoutMs / 1000}s (last: ${last})`
}

async function sendAll(client: HttpClient, url: string, bodies: string[], count: number, serve: ServeSpec, exit: () => CommandResult | undefined) {
  const durations: number[] = []
  let failed = 0
  let firstFailure: string | undefined
  let next = 0
  const target = new URL(url)
  const worker = async () => {
    while (next < count) {
      const body = bodies[next++ % bodies.length]!
      if (exit()) {
        failed++
        firstFailure ??= `the server stopped (${describeExit(exit()!)})`
        continue
      }
      const started = performance.now()
      try {
        const { status } = await client.request(target, { method: 'POST', body, timeoutMs: serve['request-timeout-ms'] })
        if (status >= 200 && status < 300) durations.push(performance.now() - started)
        else {
          failed++
          firstFailure ??= `POST ${url}: HTTP ${status}`
        }
      } catch (error) {
        failed++
        firstFailure ??= `POST ${url}: ${describeRequestError(error)}`
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(serve.concurrency, Math.max(1, count)) }, worker))
  return { durations, failed, ...(firstFailure ? { firstFailure } : {}) }
}

function describeExit(result: CommandResult): string {
  switch (result.kind) {
    case 'exited':
      return `exit code ${result.exitCode}${result.lastError ? `: ${result.lastError}` : ''}`
    case 'signaled':
      return `killed by ${result.signal}`
    case 'timed-out':
      return `timed out after ${result.timeoutMs / 1000}s`
    case 'aborted':
      return 'stopped'
    case 'spawn-failed':
      return `could not start: ${result.message}`
  }
}

function describeRequestError(error: unknown): string {
  const err = error as NodeJS.ErrnoException
  return err.code === 'ETIMEDOUT' ? 'timed out' : (err.code ?? err.message)
}

/** A port nothing listens on now; the server binds it a moment later. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
