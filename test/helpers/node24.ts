import { execFileSync } from 'node:child_process'

// The action declares node24: its bundle's integration tests run on Node 24 as well as on this
// machine's Node. CI sets MLOPS_NODE24 (.ci/run installs node@24 from the npm registry).

function findNode24(): string | undefined {
  if (process.env.MLOPS_NODE24) return process.env.MLOPS_NODE24
  if (process.versions.node.startsWith('24.')) return process.execPath
  try {
    return execFileSync('npx', ['-y', 'node@24', '-p', 'process.execPath'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 }).trim()
  } catch {
    return undefined
  }
}

export const NODE24 = findNode24()

/** [label, node binary] pairs; on CI a missing Node 24 fails the tests that need it. */
export const RUNTIMES: [string, string | undefined][] = [
  [`node ${process.versions.node.split('.')[0]}`, process.execPath],
  ['node 24', NODE24],
]

export const runtimeAvailable = (node: string | undefined) => node !== undefined || !process.env.CI
