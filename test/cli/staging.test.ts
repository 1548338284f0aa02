import { execFileSync } from 'node:child_process'
import { readFileSync, readlinkSync, realpathSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createExampleRepo, type ExampleRepo, latestRun as latestRunOf } from '../helpers/example-repo.js'

// The staging check as a user meets it: `mlops run` starts the example's stdlib Python model
// server, measures it through HTTP on 127.0.0.1, stops it, and gates on its latency.

let repo: ExampleRepo
beforeEach(() => {
  repo = createExampleRepo()
})
afterEach(() => repo.remove())

const latestRun = () => latestRunOf(repo)

/** This repository's example servers still running (other tests may run theirs meanwhile). */
function serversLeft(): string[] {
  let pids: string[]
  try {
    pids = execFileSync('pgrep', ['-f', 'src/serve\\.py'], { encoding: 'utf8' }).trim().split('\n')
  } catch {
    return [] // pgrep exits 1 when nothing matches
  }
  return pids.filter((pid) => {
    try {
      const zombie = / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
      return !zombie && realpathSync(readlinkSync(`/proc/${pid}/cwd`)) === realpathSync(repo.dir)
    } catch {
      return false // gone meanwhile
    }
  })
}

describe('the staging check on the penguins example', () => {
  it('records latency and throughput as metrics, and a latency gate under the measured p95 refuses promotion', () => {
    const run = repo.mlops('run')
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/✓ serve: p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms, \d+ requests\/s/)
    const metrics = latestRun().metrics
    for (const name of ['latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms', 'latency_mean_ms']) expect(metrics[name]).toMatchObject({ file: 'data/requests.jsonl', direction: 'lower' })
    expect(metrics.throughput_rps).toMatchObject({ direction: 'higher' })
    expect(metrics.serve_error_rate!.value).toBe(0)
    const p95 = metrics.latency_p95_ms!.value
    expect(p95).toBeGreaterThan(0)
    expect(serversLeft()).toEqual([])

    repo.write('mlops.yml', repo.read('mlops.yml').replace('latency_p95_ms: { max: 50 }', `latency_p95_ms: { max: ${(p95 / 1000).toFixed(6)} }`))
    repo.commit('a latency budget no server meets')
    const strict = repo.mlops('run')
    expect(strict.status).toBe(1)
    expect(strict.stdout).toContain('latency_p95_ms (max')
    const promote = repo.mlops('promote')
    expect(promote.status).not.toBe(0)
    expect(promote.stdout + promote.stderr).toContain('latency_p95_ms')
    expect(serversLeft()).toEqual([])
  })

  it('fails the run, naming why, when the server cannot start, and leaves nothing running', () => {
    repo.write('src/serve.py', 'import sys\nprint("no model here", file=sys.stderr)\nsys.exit(4)\n')
    repo.commit('a broken server')
    const run = repo.mlops('run')
    expect(run.status).toBe(1)
    expect(run.stdout).toContain('staging check: the server stopped before it was ready (exit code 4: no model here)')
    expect(serversLeft()).toEqual([])
  })
})
