import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hashText, tryHashPath } from '../../src/pipeline/hash-files.js'
import { tempDirs } from './helpers.js'

const dirs = tempDirs()
let root: string
afterEach(() => dirs.cleanup())
beforeEach(async () => {
  root = await dirs.make()
})

describe('tryHashPath', () => {
  it('is undefined for a missing path and changes with a file\'s content', async () => {
    expect(await tryHashPath(path.join(root, 'nope'))).toBeUndefined()
    await writeFile(path.join(root, 'a.txt'), 'one')
    const one = await tryHashPath(path.join(root, 'a.txt'))
    await writeFile(path.join(root, 'a.txt'), 'two')
    expect(await tryHashPath(path.join(root, 'a.txt'))).not.toBe(one)
  })

  it('hashes a directory by names and contents, so a rename changes it', async () => {
    await mkdir(path.join(root, 'd'))
    await writeFile(path.join(root, 'd', 'x.csv'), '1')
    const before = await tryHashPath(path.join(root, 'd'))
    expect(before).toMatch(/^dir:[0-9a-f]{64}$/)
    await writeFile(path.join(root, 'd', 'y.csv'), '1')
    expect(await tryHashPath(path.join(root, 'd'))).not.toBe(before)
  })

  it.skipIf(process.platform === 'win32')('follows symlinks: editing a linked file changes the directory hash', async () => {
    await mkdir(path.join(root, 'real'))
    await mkdir(path.join(root, 'data'))
    await writeFile(path.join(root, 'real', 'x.csv'), 'old')
    await symlink(path.join(root, 'real', 'x.csv'), path.join(root, 'data', 'x.csv'))
    await symlink(path.join(root, 'real'), path.join(root, 'linked-dir'))
    await symlink(path.join(root, 'data'), path.join(root, 'data', 'loop'))
    const before = await tryHashPath(path.join(root, 'data'))
    expect(await tryHashPath(path.join(root, 'linked-dir'))).toMatch(/^dir:/)
    await writeFile(path.join(root, 'real', 'x.csv'), 'new')
    expect(await tryHashPath(path.join(root, 'data'))).not.toBe(before)
  })

  it('hashText separates its parts', () => {
    expect(hashText('ab', 'c')).not.toBe(hashText('a', 'bc'))
  })
})
