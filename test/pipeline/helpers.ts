import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { DataResult } from '../../src/data/result.js'
import type { PipelineLogger, PipelineOptions } from '../../src/pipeline/run-pipeline.js'
import { SpecSchema, type Spec, type SpecInput } from '../../src/spec/schema.js'

// Real temp directories and real child processes for the pipeline tests. Commands are POSIX
// shell strings; scripts run with the same node binary as the tests (quoted, so a path with
// spaces still works).

/** Single-quotes a string for sh. */
export function shq(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/** A shell command running `code` with this node binary; `code` may hold any quotes. */
export function nodeCmd(code: string): string {
  return `${shq(process.execPath)} -e ${shq(code)}`
}

/** Tracks temp dirs so `afterEach(cleanup)` removes every one a test made. */
export function tempDirs() {
  const made: string[] = []
  return {
    async make(prefix = 'mlops-pipeline-'): Promise<string> {
      const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
      made.push(dir)
      return dir
    },
    async cleanup(): Promise<void> {
      await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
    },
  }
}

/** Writes `files` (relative path → content) under `root`, creating folders. */
export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, content)
  }
}

export const readText = (root: string, rel: string) => readFile(path.join(root, rel), 'utf8')

/**
 * True while a process with this pid exists (signal 0 only checks). A killed orphan is
 * re-parented to pid 1, and where pid 1 does not reap (some container and VM inits) it stays
 * a zombie that signal 0 still finds; on Linux a zombie counts as gone: it runs nothing.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
  return !isZombie(pid)
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // "pid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ")".
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z'
  } catch {
    return false
  }
}

/** Polls `check` every 20 ms until it holds or `ms` pass; returns the last answer. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms
  for (;;) {
    if (await check()) return true
    if (Date.now() > until) return false
    await new Promise((r) => setTimeout(r, 20))
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export function buildSpec(input: Omit<SpecInput, 'version' | 'model'> & { model?: SpecInput['model'] }): Spec {
  return SpecSchema.parse({ version: 1, model: { name: 'test-model', artifacts: ['models/model.json'] }, ...input })
}

/** A logger that keeps everything, for assertions on what the user would see. */
export function memoryLogger() {
  const lines: { stage: string; stream: 'stdout' | 'stderr'; line: string }[] = []
  const info: string[] = []
  const data: DataResult[] = []
  const logger: PipelineLogger = {
    stageLine: (stage, stream, line) => void lines.push({ stage, stream, line }),
    info: (message) => void info.push(message),
    data: (result) => void data.push(result),
  }
  return { logger, lines, info, data }
}

/** Options for runPipeline with test defaults; the environment is this process's. */
export function pipelineOptions(root: string, spec: Spec, overrides: Partial<PipelineOptions> = {}): PipelineOptions {
  return {
    root,
    spec,
    specFile: 'mlops.yml',
    specSha256: 'f'.repeat(64),
    git: { commit: null, branch: null, dirty: false },
    jobs: 2,
    logger: memoryLogger().logger,
    ...overrides,
  }
}
