// Regenerates examples/pr-comment.md, the sample PR comment the README links to: the penguins
// example promoted once (the baseline), then a pull request pushed twice with fewer epochs.
// Run with: npx tsx scripts/sample-pr-comment.ts
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { appendHistory, EMPTY_HISTORY, historyEntryFromRun } from '../src/github/metric-history.js'
import { composePrComment } from '../src/github/pr-comment.js'
import { RunRecord } from '../src/pipeline/run-record.js'
import { Manifest } from '../src/registry/manifest.js'

const repoRoot = path.resolve(import.meta.dirname, '..')
const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-sample-'))
const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { cwd: dir, encoding: 'utf8' })
const git = (...args: string[]) => sh('git', '-c', 'user.name=Sample', '-c', 'user.email=sample@localhost', '-c', 'tag.gpgSign=false', '-c', 'commit.gpgSign=false', ...args)
const mlops = (...args: string[]) => sh(process.execPath, path.join(repoRoot, 'dist', 'cli.js'), ...args, '-q')
const latest = () => RunRecord.parse(JSON.parse(readFileSync(path.join(dir, '.mlops', 'runs', readFileSync(path.join(dir, '.mlops', 'runs', 'latest'), 'utf8').trim(), 'run.json'), 'utf8')))
const setEpochs = (n: number) => writeFileSync(path.join(dir, 'params.yaml'), readFileSync(path.join(dir, 'params.yaml'), 'utf8').replace(/epochs: \d+/, `epochs: ${n}`))

try {
  cpSync(path.join(repoRoot, 'examples', 'penguins'), dir, { recursive: true })
  git('init', '-q', '-b', 'main')
  git('add', '-A')
  git('commit', '-q', '-m', 'penguins')
  mlops('run')
  mlops('promote')
  const registry = path.join(dir, '.mlops', 'registry', 'penguin-classifier', '0.1.0', 'manifest.json')
  const baseline = Manifest.parse(JSON.parse(readFileSync(registry, 'utf8')))

  let history = EMPTY_HISTORY
  let run = latest()
  for (const [i, epochs] of [60, 30].entries()) {
    setEpochs(epochs)
    git('commit', '-q', '-am', `train for ${epochs} epochs`)
    try {
      mlops('run')
    } catch {
      // A failing gate exits 1; the sample shows that too.
    }
    run = latest()
    history = appendHistory(history, historyEntryFromRun(run, { sha: git('rev-parse', 'HEAD').trim(), runId: 9_100_000_001 + i }))
  }
  const { body } = composePrComment({
    run,
    baseline,
    history,
    repoUrl: 'https://github.com/octo/penguins',
    links: {
      runUrl: 'https://github.com/octo/penguins/actions/runs/9100000002',
      artifact: { name: 'mlops-penguin-classifier', url: 'https://github.com/octo/penguins/actions/runs/9100000002/artifacts/4242' },
      headSha: git('rev-parse', 'HEAD').trim(),
    },
  })
  writeFileSync(path.join(repoRoot, 'examples', 'pr-comment.md'), body)
  console.log(`wrote examples/pr-comment.md (${body.length} characters)`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
