import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createGit, GitError, openRepository, TagExistsError } from '../../src/registry/git.js'

const run = promisify(execFile)
const savedEnv = { ...process.env }
let globalConfig: string
let dir: string

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd })).stdout.trim()
}

async function initRepo(cwd: string, identity = true): Promise<void> {
  await git(cwd, 'init', '-q', '-b', 'main')
  if (identity) {
    await git(cwd, 'config', 'user.name', 'Test User')
    await git(cwd, 'config', 'user.email', 'test@example.com')
  }
}

async function commitFile(cwd: string, file: string, content: string): Promise<string> {
  await writeFile(path.join(cwd, file), content)
  await git(cwd, 'add', file)
  await git(cwd, '-c', 'user.name=Test User', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', `add ${file}`)
  return git(cwd, 'rev-parse', 'HEAD')
}

beforeAll(async () => {
  // The machine's git configuration must not leak into these tests.
  const home = await mkdtemp(path.join(os.tmpdir(), 'mlops-git-home-'))
  globalConfig = path.join(home, 'gitconfig')
  await writeFile(globalConfig, '')
  process.env.GIT_CONFIG_GLOBAL = globalConfig
  process.env.GIT_CONFIG_NOSYSTEM = '1'
  for (const name of ['GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'EMAIL']) delete process.env[name]
})

afterAll(async () => {
  await rm(path.dirname(globalConfig), { recursive: true, force: true })
  process.env = savedEnv
})

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-git-'))
  await writeFile(globalConfig, '')
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('openRepository', () => {
  it('gives undefined outside a git repository, without throwing', async () => {
    process.env.GIT_CEILING_DIRECTORIES = path.dirname(dir)
    try {
      expect(await openRepository(dir)).toBeUndefined()
      expect(await openRepository(path.join(dir, 'missing'))).toBeUndefined()
    } finally {
      delete process.env.GIT_CEILING_DIRECTORIES
    }
  })

  it.runIf(process.getuid?.() === 0)('throws rather than report no repository when git refuses the repository', async () => {
    await initRepo(dir)
    await run('chown', ['-R', '65534:65534', dir])
    await expect(openRepository(dir)).rejects.toThrow(/dubious ownership/)
  })

  it('gives undefined on a machine without git', async () => {
    await initRepo(dir)
    const savedPath = process.env.PATH
    process.env.PATH = path.join(dir, 'no-bin')
    try {
      expect(await openRepository(dir)).toBeUndefined()
    } finally {
      process.env.PATH = savedPath
    }
  })
})

describe('working tree queries', () => {
  it('lists tracked changes relative to cwd: modified, deleted, staged, both sides of a rename', async () => {
    await initRepo(dir)
    await mkdir(path.join(dir, 'ml'))
    for (const f of ['ml/a.py', 'ml/b.py', 'ml/c.py', 'ml/d.py', 'top.txt']) await writeFile(path.join(dir, f), f)
    await git(dir, 'add', '.')
    await git(dir, 'commit', '-q', '-m', 'files')
    const g = createGit(path.join(dir, 'ml'))
    expect(await g.trackedChanges()).toEqual([])

    await writeFile(path.join(dir, 'ml', 'a.py'), 'changed')
    await rm(path.join(dir, 'ml', 'b.py'))
    await writeFile(path.join(dir, 'ml', 'c.py'), 'staged')
    await git(dir, 'add', 'ml/c.py')
    await git(dir, 'mv', 'ml/d.py', 'ml/e.py')
    await writeFile(path.join(dir, 'top.txt'), 'outside ml/')
    await writeFile(path.join(dir, 'ml', 'untracked.py'), 'not listed')
    expect((await g.trackedChanges()).sort()).toEqual(['../top.txt', 'a.py', 'b.py', 'c.py', 'd.py', 'e.py'])
  })

  it('lists untracked, not ignored files under literal pathspecs, and tracked ones', async () => {
    await initRepo(dir)
    await commitFile(dir, '.gitignore', 'ignored.csv\n')
    await mkdir(path.join(dir, 'data'))
    for (const f of ['data/[1].csv', 'data/1.csv', 'data/ignored.csv', 'other.csv']) await writeFile(path.join(dir, f), f)
    const g = createGit(dir)
    expect(await g.untrackedFiles([])).toEqual([])
    expect(await g.untrackedFiles(['data/[1].csv'])).toEqual(['data/[1].csv'])
    expect((await g.untrackedFiles(['data'])).sort()).toEqual(['data/1.csv', 'data/[1].csv'])
    expect(await g.trackedFiles(['.gitignore', 'data'])).toEqual(['.gitignore'])
    expect(await g.trackedFiles([])).toEqual([])
  })

  it('tells which paths a .gitignore covers, existing or not', async () => {
    await initRepo(dir)
    await commitFile(dir, '.gitignore', 'models/\n/reports\n')
    const g = createGit(dir)
    expect(await g.ignoredPaths([])).toEqual(new Set())
    expect(await g.ignoredPaths(['models', 'models/', 'models/m.pkl', 'reports', 'data/train.csv'])).toEqual(new Set(['models/', 'models/m.pkl', 'reports']))
    expect(await g.ignoredPaths(['data/train.csv'])).toEqual(new Set())
  })
})

describe('createGit', () => {
  it('resolves refs, and returns undefined for unknown ones or option-like input', async () => {
    await initRepo(dir)
    const commit = await commitFile(dir, 'a.txt', 'a')
    const g = createGit(dir)
    expect(await g.tryRevParse('HEAD')).toBe(commit)
    expect(await g.headCommit()).toBe(commit)
    expect(await g.tryRevParse('no-such-ref')).toBeUndefined()
    expect(await g.tryRevParse('--all')).toBeUndefined()
  })

  it('throws a GitError with args, exit code and stderr when a value cannot be had', async () => {
    await initRepo(dir)
    const error = await createGit(dir).headCommit().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GitError)
    expect((error as GitError).exitCode).toBe(128)
    expect((error as GitError).message).toMatch(/git rev-parse --verify HEAD\^\{commit\} failed \(exit code 128\)/)
  })

  it('creates annotated tags that list with target, message, tagger and date', async () => {
    await initRepo(dir)
    const commit = await commitFile(dir, 'a.txt', 'a')
    await commitFile(dir, 'b.txt', 'b')
    const g = createGit(dir)
    const message = 'First line\n\n# not a comment\n{\n  "a": 1\n}'
    await g.createAnnotatedTag('m@v0.1.0', commit, message, { date: new Date('2024-05-01T09:00:00Z') })
    await git(dir, 'tag', 'light', commit)

    expect(await git(dir, 'cat-file', '-t', 'm@v0.1.0')).toBe('tag')
    const tags = await g.listTags('*')
    expect(tags).toEqual([
      { name: 'light', annotated: false, target: commit, targetType: 'commit', message: '', tagger: '', taggerEmail: '', taggedAt: undefined },
      {
        name: 'm@v0.1.0',
        annotated: true,
        target: commit,
        targetType: 'commit',
        message,
        tagger: 'Test User',
        taggerEmail: 'test@example.com',
        taggedAt: '2024-05-01T09:00:00+00:00',
      },
    ])
  })

  it('lists only tags matching the globs', async () => {
    await initRepo(dir)
    const commit = await commitFile(dir, 'a.txt', 'a')
    const g = createGit(dir)
    for (const name of ['m@v0.1.0', 'm#prod#1', 'mm@v0.1.0', 'other']) await g.createAnnotatedTag(name, commit, name)
    expect((await g.listTags(['m@*', 'm#*'])).map((t) => t.name)).toEqual(['m#prod#1', 'm@v0.1.0'])
  })

  it('fails cleanly when the tag exists, and deletes tags', async () => {
    await initRepo(dir)
    const commit = await commitFile(dir, 'a.txt', 'a')
    const g = createGit(dir)
    await g.createAnnotatedTag('m@v0.1.0', commit, 'one')
    await expect(g.createAnnotatedTag('m@v0.1.0', commit, 'two')).rejects.toThrow(TagExistsError)
    await expect(g.createAnnotatedTag('m@v0.1.0', commit, 'two')).rejects.toThrow('tag "m@v0.1.0" already exists')
    await g.deleteTag('m@v0.1.0')
    expect(await g.listTags()).toEqual([])
  })

  it('is not broken by signing settings in the user configuration', async () => {
    await writeFile(globalConfig, '[tag]\n\tgpgSign = true\n\tforceSignAnnotated = true\n[gpg]\n\tprogram = false\n')
    await initRepo(dir)
    const commit = await commitFile(dir, 'a.txt', 'a')
    await createGit(dir).createAnnotatedTag('m@v0.1.0', commit, 'hello')
    expect(await git(dir, 'cat-file', '-t', 'm@v0.1.0')).toBe('tag')
  })

  it('falls back to an mlops identity only when none is configured', async () => {
    await initRepo(dir, false)
    const commit = await commitFile(dir, 'a.txt', 'a')
    const g = createGit(dir)
    expect(await g.userName()).toBeUndefined()
    await g.createAnnotatedTag('m@v0.1.0', commit, 'hello')
    expect((await g.listTags())[0]).toMatchObject({ tagger: 'mlops', taggerEmail: 'mlops@localhost' })

    await git(dir, 'config', 'user.name', 'Alice')
    await git(dir, 'config', 'user.email', 'alice@example.com')
    const configured = createGit(dir)
    expect(await configured.userName()).toBe('Alice')
    await configured.createAnnotatedTag('m@v0.2.0', commit, 'hello')
    expect((await configured.listTags('m@v0.2.0'))[0]).toMatchObject({ tagger: 'Alice', taggerEmail: 'alice@example.com' })
  })

  it('names a missing directory instead of a missing git', async () => {
    const error = await createGit(path.join(dir, 'missing')).headCommit().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GitError)
    expect((error as Error).message).toMatch(/directory ".*missing" does not exist/)
  })
})
