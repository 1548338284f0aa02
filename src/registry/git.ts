import { spawn } from 'node:child_process'
import { stat } from 'node:fs/promises'
import path from 'node:path'

/** One tag as `git for-each-ref` reports it. */
export interface GitTag {
  name: string
  /** False for lightweight tags, which GTO ignores. */
  annotated: boolean
  /** The commit (or other object) the tag finally points at. */
  target: string
  targetType: string
  /** Tag message without a trailing signature; empty for lightweight tags. */
  message: string
  tagger: string
  taggerEmail: string
  /** ISO 8601 with offset; undefined for lightweight tags. */
  taggedAt: string | undefined
}

export interface CreateTagOptions {
  /** Tagger date; defaults to the current time. */
  date?: Date
}

export interface Git {
  readonly cwd: string
  isRepository(): Promise<boolean>
  tryRevParse(ref: string): Promise<string | undefined>
  headCommit(): Promise<string>
  /** The checked-out branch, or null when HEAD is detached. */
  currentBranch(): Promise<string | null>
  /** Tracked files changed in the index or the work tree (both sides of a rename), relative to cwd. */
  trackedChanges(): Promise<string[]>
  /** Untracked files that no .gitignore covers, under the pathspecs (taken literally), relative to cwd. */
  untrackedFiles(pathspecs: readonly string[]): Promise<string[]>
  /** Tracked files under the pathspecs (taken literally), relative to cwd. */
  trackedFiles(pathspecs: readonly string[]): Promise<string[]>
  /** The paths (relative to cwd, existing or not) that a .gitignore rule covers. */
  ignoredPaths(paths: readonly string[]): Promise<Set<string>>
  /** Tags whose names match any of the globs (matched against the name below refs/tags/). */
  listTags(patterns?: string | readonly string[]): Promise<GitTag[]>
  createAnnotatedTag(name: string, commit: string, message: string, options?: CreateTagOptions): Promise<void>
  deleteTag(name: string): Promise<void>
  /** Configured user.name, if any. */
  userName(): Promise<string | undefined>
}

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? `git ${args.join(' ')} failed (exit code ${exitCode}): ${stderr.trim() || 'no error output'}`, options)
    this.name = 'GitError'
  }
}

export class TagExistsError extends GitError {
  constructor(
    args: readonly string[],
    readonly tag: string,
  ) {
    super(args, null, '', `tag "${tag}" already exists`)
    this.name = 'TagExistsError'
  }
}

interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

// Options that keep user configuration from breaking or prompting: signing needs a key and
// maybe a passphrase, hooks may be anything, colour and quoting would corrupt parsed output.
const SAFE_CONFIG = [
  '-c', 'tag.gpgSign=false',
  '-c', 'tag.forceSignAnnotated=false',
  '-c', 'commit.gpgSign=false',
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'color.ui=false',
  '-c', 'core.quotePath=false',
  '-c', 'log.showSignature=false',
]

// The cwd alone must decide which repository we talk to, even when we run inside a git hook.
const LOCATION_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_PREFIX']

// Declared paths are file names, never globs: "data[1].csv" must not match "data1.csv".
const LITERAL_PATHSPECS: NodeJS.ProcessEnv = { GIT_LITERAL_PATHSPECS: '1' }

const FALLBACK_NAME = 'mlops'
const FALLBACK_EMAIL = 'mlops@localhost'

const TAG_FIELDS = [
  '%(refname)',
  '%(objecttype)',
  '%(objectname)',
  '%(*objecttype)',
  '%(*objectname)',
  '%(taggername)',
  '%(taggeremail)',
  '%(taggerdate:iso-strict)',
  '%(contents:signature)',
  '%(contents)',
]

export function createGit(cwd: string): Git {
  let identity: Promise<string[]> | undefined

  const baseEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' }
    for (const name of LOCATION_VARIABLES) delete env[name]
    return env
  }

  // The only place that starts git. A non-zero exit is returned, not thrown.
  const exec = (args: readonly string[], input?: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<ExecResult> =>
    new Promise((resolve, reject) => {
      const child = spawn('git', [...SAFE_CONFIG, ...args], {
        cwd,
        env: { ...baseEnv(), ...extraEnv },
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      })
      const out: Buffer[] = []
      const err: Buffer[] = []
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
      let spawnFailed = false
      child.on('error', (error: NodeJS.ErrnoException) => {
        spawnFailed = true
        void explainSpawnFailure(cwd, error).then((message) =>
          reject(new GitError(args, null, '', `git ${args.join(' ')}: ${message}`, { cause: error })),
        )
      })
      child.on('close', (code, signal) => {
        if (spawnFailed) return // rejected by the error handler
        const stderr = Buffer.concat(err).toString('utf8')
        if (code === null) {
          reject(new GitError(args, null, stderr, `git ${args.join(' ')} was killed by ${signal ?? 'a signal'}`))
          return
        }
        resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr })
      })
      child.stdin.on('error', () => {}) // git may exit before reading stdin; its exit code tells
      child.stdin.end(input ?? '')
    })

  const must = async (args: readonly string[], input?: string, extraEnv?: NodeJS.ProcessEnv): Promise<string> => {
    const result = await exec(args, input, extraEnv)
    if (result.code !== 0) throw new GitError(args, result.code, result.stderr)
    return result.stdout
  }

  const tryConfig = async (key: string): Promise<string | undefined> => {
    const result = await exec(['config', '--get', key])
    const value = result.stdout.trim()
    return result.code === 0 && value !== '' ? value : undefined
  }

  // git tag -a refuses to run without a tagger identity; CI runners often have none.
  const identityArgs = (): Promise<string[]> =>
    (identity ??= (async () => {
      const args: string[] = []
      if (!process.env.GIT_COMMITTER_NAME && !(await tryConfig('user.name'))) args.push('-c', `user.name=${FALLBACK_NAME}`)
      if (!process.env.GIT_COMMITTER_EMAIL && !process.env.EMAIL && !(await tryConfig('user.email'))) {
        args.push('-c', `user.email=${FALLBACK_EMAIL}`)
      }
      return args
    })())

  const tryRevParse = async (ref: string): Promise<string | undefined> => {
    if (ref.startsWith('-')) return undefined // would be read as an option
    const result = await exec(['rev-parse', '--verify', '--quiet', ref])
    return result.code === 0 ? result.stdout.trim() : undefined
  }

  return {
    cwd,

    async isRepository() {
      const args = ['rev-parse', '--is-inside-work-tree']
      const result = await exec(args)
      if (result.code === 0) return result.stdout.trim() === 'true'
      // Anything else (e.g. "dubious ownership" in containers) must not pass for "no repository".
      if (/not a git repository/i.test(result.stderr)) return false
      throw new GitError(args, result.code, result.stderr)
    },

    tryRevParse,

    async headCommit() {
      return (await must(['rev-parse', '--verify', 'HEAD^{commit}'])).trim()
    },

    async currentBranch() {
      const args = ['symbolic-ref', '--quiet', '--short', 'HEAD']
      const result = await exec(args)
      if (result.code === 0) return result.stdout.trim()
      if (result.code === 1) return null
      throw new GitError(args, result.code, result.stderr)
    },

    async trackedChanges() {
      // Porcelain paths are relative to the top level whatever the cwd; the prefix maps them back.
      const [out, prefix] = await Promise.all([
        must(['status', '--porcelain=v1', '-z', '--untracked-files=no', '--ignore-submodules=untracked']),
        must(['rev-parse', '--show-prefix']),
      ])
      const fromTop = parseStatusPaths(out)
      const base = prefix.trim()
      return fromTop.map((p) => (base ? path.posix.relative(base, p) : p))
    },

    async untrackedFiles(pathspecs) {
      if (pathspecs.length === 0) return []
      return splitNul(await must(['ls-files', '--others', '--exclude-standard', '-z', '--', ...pathspecs], undefined, LITERAL_PATHSPECS))
    },

    async trackedFiles(pathspecs) {
      if (pathspecs.length === 0) return []
      return splitNul(await must(['ls-files', '--cached', '-z', '--', ...pathspecs], undefined, LITERAL_PATHSPECS))
    },

    async ignoredPaths(paths) {
      if (paths.length === 0) return new Set()
      const args = ['check-ignore', '--no-index', '--stdin', '-z']
      const result = await exec(args, paths.map((p) => `${p}\0`).join(''))
      // Exit code 1 means "none of them is ignored".
      if (result.code !== 0 && result.code !== 1) throw new GitError(args, result.code, result.stderr)
      return new Set(splitNul(result.stdout))
    },

    async listTags(patterns = '*') {
      const globs = (typeof patterns === 'string' ? [patterns] : patterns).map((p) => `refs/tags/${p}`)
      const out = await must(['for-each-ref', `--format=${TAG_FIELDS.join('%00')}%00`, ...globs])
      return parseTagRecords(out)
    },

    async createAnnotatedTag(name, commit, message, options = {}) {
      const args = ['tag', '--annotate', '--no-sign', '--cleanup=whitespace', '--file=-', '--end-of-options', name, commit]
      if (await tryRevParse(`refs/tags/${name}`)) throw new TagExistsError(args, name)
      const env: NodeJS.ProcessEnv = {}
      if (options.date) env.GIT_COMMITTER_DATE = `${Math.floor(options.date.getTime() / 1000)} +0000`
      const result = await exec([...(await identityArgs()), ...args], message, env)
      if (result.code === 0) return
      if (/already exists/.test(result.stderr)) throw new TagExistsError(args, name)
      throw new GitError(args, result.code, result.stderr)
    },

    async deleteTag(name) {
      await must(['tag', '--delete', '--end-of-options', name])
    },

    userName() {
      return tryConfig('user.name')
    },
  }
}

/** A Git for the repository holding `cwd`; undefined outside one, or on a machine without git. */
export async function openRepository(cwd: string): Promise<Git | undefined> {
  const git = createGit(cwd)
  try {
    return (await git.isRepository()) ? git : undefined
  } catch (error) {
    const cause = error instanceof GitError ? (error.cause as NodeJS.ErrnoException | undefined) : undefined
    if (cause?.code === 'ENOENT') return undefined // a machine without git has no repository to describe either
    throw error
  }
}

function splitNul(out: string): string[] {
  return out.split('\0').filter((p) => p !== '')
}

/** Paths in `git status --porcelain=v1 -z` output: "XY path", and for renames and copies the source after it. */
function parseStatusPaths(out: string): string[] {
  const fields = out.split('\0')
  const paths: string[] = []
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i]!
    if (entry.length < 4) continue
    paths.push(entry.slice(3))
    if (/[RC]/.test(entry.slice(0, 2))) paths.push(fields[++i] ?? '')
  }
  return paths.filter((p) => p !== '')
}

function parseTagRecords(out: string): GitTag[] {
  const fields = out.split('\0')
  const tags: GitTag[] = []
  // Each record is N NUL-terminated fields followed by git's newline, which sticks to the next
  // record's first field; messages never contain NUL, so counting fields is unambiguous.
  for (let i = 0; i + TAG_FIELDS.length <= fields.length; i += TAG_FIELDS.length) {
    const [ref, type, object, peeledType, peeled, tagger, email, date, signature, contents] = fields
      .slice(i, i + TAG_FIELDS.length)
      .map((f) => f ?? '')
    const refname = (ref ?? '').replace(/^\n/, '')
    if (!refname.startsWith('refs/tags/')) continue
    const annotated = type === 'tag'
    const body = signature && contents?.endsWith(signature) ? contents.slice(0, -signature.length) : (contents ?? '')
    tags.push({
      name: refname.slice('refs/tags/'.length),
      annotated,
      target: (annotated ? peeled : object) ?? '',
      targetType: (annotated ? peeledType : type) ?? '',
      message: annotated ? body.trim() : '',
      tagger: tagger ?? '',
      taggerEmail: (email ?? '').replace(/^<|>$/g, ''),
      taggedAt: date || undefined,
    })
  }
  return tags
}

async function explainSpawnFailure(cwd: string, error: NodeJS.ErrnoException): Promise<string> {
  if (error.code !== 'ENOENT') return error.message
  const exists = await stat(cwd).then(
    (s) => s.isDirectory(),
    () => false,
  )
  return exists ? 'git is not installed or not on PATH' : `directory "${cwd}" does not exist`
}
