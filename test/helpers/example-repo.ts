import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { RunRecord } from '../../src/pipeline/run-record.js'

// A disposable git repository holding a copy of the penguins example, and the bundled CLI run
// against it as a real child process.

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..')
export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js')
export const ACTION = path.join(REPO_ROOT, 'dist', 'index.js')
const EXAMPLE = path.join(REPO_ROOT, 'examples', 'penguins')

export interface ExampleRepo {
  dir: string
  git: (...args: string[]) => string
  /** Commits everything; returns the new commit. */
  commit: (message: string) => string
  write: (file: string, text: string) => void
  read: (file: string) => string
  mlops: (...args: string[]) => CliResult
  remove: () => void
}

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** The record of the repository's latest `mlops run`. */
export function latestRun(repo: ExampleRepo): RunRecord {
  return RunRecord.parse(JSON.parse(repo.read(`.mlops/runs/${repo.read('.mlops/runs/latest').trim()}/run.json`)))
}

export function runCli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

export function createExampleRepo(): ExampleRepo {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-example-'))
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !/[\\/](models|reports|\.mlops)$|[\\/]data[\\/](train|test)\.csv$/.test(src) })
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@localhost', '-c', 'commit.gpgSign=false', '-c', 'tag.gpgSign=false', ...args], { cwd: dir, encoding: 'utf8' })
  git('init', '-q', '-b', 'main')
  const repo: ExampleRepo = {
    dir,
    git,
    commit: (message) => {
      git('add', '-A')
      git('commit', '-q', '--allow-empty', '-m', message)
      return git('rev-parse', 'HEAD').trim()
    },
    write: (file, text) => writeFileSync(path.join(dir, file), text),
    read: (file) => readFileSync(path.join(dir, file), 'utf8'),
    mlops: (...args) => runCli(dir, args),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
  repo.commit('penguins example')
  return repo
}
