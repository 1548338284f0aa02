import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { percentile, summarizeLatency } from '../../src/serve/latency.js'
import { runStagingCheck } from '../../src/serve/staging-check.js'
import { ServeSchema } from '../../src/spec/schema.js'
import { shq } from '../pipeline/helpers.js'

// Real server processes on 127.0.0.1, real HTTP, and a check that each is gone afterwards.

// A trivial server: /health is ready after READY_AFTER_MS, /predict answers {"ok":true}, or 500
// for bodies with "fail", and writes its pid so the test can see it stopped.
const SERVER = `
import http from 'node:http'
import { writeFileSync } from 'node:fs'
writeFileSync('server.pid', String(process.pid))
const started = Date.now()
const readyAfter = Number(process.env.READY_AFTER_MS ?? 0)
if (process.env.EXIT_CODE) { console.error('boom: cannot load the model'); process.exit(Number(process.env.EXIT_CODE)) }
http.createServer((req, res) => {
  let body = ''
  req.on('data', (c) => (body += c))
  req.on('end', () => {
    if (req.url === '/health') { res.writeHead(Date.now() - started >= readyAfter ? 200 : 503); return res.end() }
    if (body.includes('fail')) { res.writeHead(500); return res.end('no') }
    res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}')
  })
}).listen(Number(process.env.MLOPS_SERVE_PORT), '127.0.0.1', () => console.log('listening'))
`

function project(requests: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlops-serve-'))
  writeFileSync(path.join(root, 'server.mjs'), SERVER)
  writeFileSync(path.join(root, 'requests.jsonl'), requests)
  return root
}

const serve = (over: Record<string, unknown> = {}) =>
  ServeSchema.parse({ run: `${shq(process.execPath)} server.mjs`, ready: 'http://127.0.0.1:{port}/health', url: 'http://127.0.0.1:{port}/predict', requests: 'requests.jsonl', count: 50, warmup: 2, ...over })

/** Running, not merely a zombie waiting for a container's init to reap it. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  if (process.platform !== 'linux') return true
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

const pidOf = (root: string) => Number(readFileSync(path.join(root, 'server.pid'), 'utf8'))


describe('the staging check', () => {
  it('measures latency and throughput through real HTTP and stops the server', async () => {
    const root = project('{"a":1}\n\n{"a":2}\n')
    const lines: string[] = []
    const result = await runStagingCheck({ root, serve: serve({ concurrency: 4 }), env: { ...process.env, READY_AFTER_MS: '300' }, onLine: (_, line) => lines.push(line) })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.failed).toBe(0)
    const m = result.metrics
    expect(m.latency_p50_ms).toBeGreaterThan(0)
    expect(m.latency_p50_ms).toBeLessThanOrEqual(m.latency_p95_ms)
    expect(m.latency_p95_ms).toBeLessThanOrEqual(m.latency_p99_ms)
    expect(m.throughput_rps).toBeGreaterThan(0)
    expect(m.serve_error_rate).toBe(0)
    expect(lines).toContain('listening')
    expect(alive(pidOf(root))).toBe(false)
  })

  it('counts failed requests in the error rate and names the first', async () => {
    const root = project('{"a":1}\n{"fail":true}\n')
    const result = await runStagingCheck({ root, serve: serve({ count: 10, warmup: 0 }), env: process.env, onLine: () => {} })
    expect(result).toMatchObject({ ok: true, failed: 5, firstFailure: expect.stringMatching(/^POST http:\/\/127\.0\.0\.1:\d+\/predict: HTTP 500$/) })
    if (result.ok) expect(result.metrics.serve_error_rate).toBe(0.5)
  })

  it('reports a server that exits before it is ready, with its last error line', async () => {
    const root = project('{}\n')
    const result = await runStagingCheck({ root, serve: serve(), env: { ...process.env, EXIT_CODE: '3' }, onLine: () => {} })
    expect(result).toEqual({ ok: false, message: 'the server stopped before it was ready (exit code 3: boom: cannot load the model)' })
  })

  it('gives up on a server that never gets ready, and kills it', async () => {
    const root = project('{}\n')
    const result = await runStagingCheck({ root, serve: serve({ 'startup-seconds': 1 }), env: { ...process.env, READY_AFTER_MS: '60000' }, onLine: () => {} })
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/^the server was not ready at http:\/\/127\.0\.0\.1:\d+\/health after 1s \(last: HTTP 503\)$/) })
    expect(alive(pidOf(root))).toBe(false)
  })

  it('stops the server when the run is cancelled', async () => {
    const root = project('{}\n')
    const controller = new AbortController()
    const check = runStagingCheck({ root, serve: serve({ count: 100_000, warmup: 0 }), env: process.env, onLine: () => {}, signal: controller.signal })
    setTimeout(() => controller.abort(), 1500)
    const result = await check
    expect(result.ok).toBe(true) // what was measured before the stop is still reported
    if (result.ok) expect(result.failed).toBeGreaterThan(0)
    expect(alive(pidOf(root))).toBe(false)
  })

  it('locates a malformed requests file and reports a missing one', async () => {
    expect(await runStagingCheck({ root: project('{"a":1}\n{oops\n'), serve: serve(), env: process.env, onLine: () => {} })).toMatchObject({ ok: false, message: expect.stringMatching(/^requests\.jsonl:2: not JSON: /) })
    expect(await runStagingCheck({ root: project(''), serve: serve(), env: process.env, onLine: () => {} })).toEqual({ ok: false, message: 'requests.jsonl: no requests (one JSON body per line)' })
    expect(await runStagingCheck({ root: project('{}'), serve: serve({ requests: 'gone.jsonl' }), env: process.env, onLine: () => {} })).toEqual({ ok: false, message: 'gone.jsonl: file not found' })
  })
})

describe('latency figures', () => {
  it("interpolate between ranks as numpy's percentile does", () => {
    const ms = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(ms, 0.5)).toBe(50.5)
    expect(percentile(ms, 0.95)).toBeCloseTo(95.05, 10)
    expect(percentile(ms, 0.99)).toBeCloseTo(99.01, 10)
    expect(percentile([7], 0.99)).toBe(7)
    expect(summarizeLatency([10, 20, 30, 40], 200, 1)).toEqual({ latency_p50_ms: 25, latency_p95_ms: 38.5, latency_p99_ms: expect.closeTo(39.7, 10), latency_mean_ms: 25, throughput_rps: 20, serve_error_rate: 0.2 })
  })
})

