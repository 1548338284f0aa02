import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseTableProfile, tableProfileToJSON } from '../../src/data/profile/table-profile.js'
import { runCli } from '../helpers/example-repo.js'

// A CSV above the size where `mlops profile` splits the file into byte ranges for worker
// threads (32 MiB): the profile and every located defect must be those of one thread. Quoted
// fields with commas and line breaks sit everywhere, so a split inside a field would show.

let dir: string
let lines = 1
const BAD_LINES: number[] = []

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'profile-threads-'))
  const parts: string[] = ['id,group,value,when,note\n']
  let size = parts[0]!.length
  for (let i = 0; size < 36 * 1024 * 1024; i++) {
    let row: string
    if (i % 50_000 === 49_999) {
      row = `${i},ragged\n`
      BAD_LINES.push(lines + 1)
    } else {
      const note = i % 7 === 0 ? `"line one, with a comma\nline ""two"" of ${i % 1000}"` : `note ${i % 5000}`
      row = `${i},g${i % 13},${i % 11 === 0 ? '' : ((i * 7919) % 100_000) / 100},2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')},${note}\n`
    }
    lines += row.match(/\n/g)!.length
    parts.push(row)
    size += row.length
  }
  writeFileSync(path.join(dir, 'big.csv'), parts.join(''))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('mlops profile on worker threads', () => {
  it('gives the profile and the defects of one thread', { timeout: 120_000 }, () => {
    const one = runCli(dir, ['profile', 'big.csv', '-o', 'one.json', '--threads', '1'])
    const two = runCli(dir, ['profile', 'big.csv', '-o', 'two.json', '--threads', '2'])
    // Ragged rows fail the read check: exit 1, with every one located.
    expect(one.status, one.stderr).toBe(1)
    expect(two.status, two.stderr).toBe(1)
    expect(BAD_LINES.length).toBeGreaterThan(3)
    for (const line of BAD_LINES.slice(0, 5)) expect(two.stderr).toContain(`big.csv:${line} `)
    expect(two.stderr).toBe(one.stderr)
    expect(two.stdout.replace('two.json', 'one.json')).toBe(one.stdout)

    const a = parseTableProfile(JSON.parse(readFileSync(path.join(dir, 'one.json'), 'utf8')))
    const b = parseTableProfile(JSON.parse(readFileSync(path.join(dir, 'two.json'), 'utf8')))
    expect(b.rows).toBe(a.rows)
    for (const [name, x] of a.columns) {
      const y = b.columns.get(name)!
      // Exact parts are equal; HyperLogLog registers merge exactly; top-k counts while exact.
      expect([y.count, y.nulls, y.types, y.numeric.min, y.numeric.max, y.numeric.count], name).toEqual([x.count, x.nulls, x.types, x.numeric.min, x.numeric.max, x.numeric.count])
      expect(y.distinct.toJSON(), name).toEqual(x.distinct.toJSON())
      if (x.top.exact) expect(y.top.toJSON(), name).toEqual(x.top.toJSON())
      if (x.numeric.count > 0) expect(y.numeric.mean).toBeCloseTo(x.numeric.mean, 6)
      // KLL: the median within the sketch's rank error of each other.
      if (x.quantiles.n > 0) {
        const m = y.quantiles.quantile(0.5)
        expect(Math.abs(x.quantiles.cdf(m) - 0.5), name).toBeLessThan(0.02)
      }
    }
    // The JSON of the merged profile is itself a valid profile.
    expect(() => parseTableProfile(tableProfileToJSON(b))).not.toThrow()
  })
})
