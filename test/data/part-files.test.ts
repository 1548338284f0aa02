import { rename, writeFile } from 'node:fs/promises'
import { parquetWriteBuffer } from 'hyparquet-writer'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { formatDataResult } from '../../src/data/format-data-result.js'
import { hashParts, listPartFiles, partGlobBase, partsOfShard } from '../../src/data/read/part-files.js'
import { mergeShardScans, scanShard } from '../../src/data/scan/scan-shard.js'
import { hashFile, validateData } from '../../src/data/validate-data.js'
import { buildDag } from '../../src/pipeline/dag.js'
import { checkRules } from '../../src/spec/rules.js'
import { DataEntrySchema, type DataEntry } from '../../src/spec/schema.js'
import { buildSpec, tempDirs, writeFiles } from '../pipeline/helpers.js'

// A dataset whose path is a glob of part files: one table, read part after part, every defect
// located in its part, and split into shards by runs of whole files.

const dirs = tempDirs()
let root: string
beforeEach(async () => {
  root = await dirs.make('mlops-parts-')
})
afterEach(() => dirs.cleanup())

const HEADER = 'id,length,species'
/** Five parts of 30 rows each; part 3 has a bad species on its line 4, part 5 a ragged row on its line 7. */
function partFiles(): Record<string, string> {
  const files: Record<string, string> = {}
  for (let p = 1; p <= 5; p++) {
    const rows = Array.from({ length: 30 }, (_, i) => {
      const id = (p - 1) * 30 + i + 1
      if (p === 3 && i === 2) return `${id},${id % 40},penguin`
      if (p === 5 && i === 5) return `${id},${id % 40}`
      return `${id},${id % 40},${id % 3 === 0 ? 'adelie' : 'gentoo'}`
    })
    files[`data/parts/part-${p}.csv`] = `${HEADER}\n${rows.join('\n')}\n`
  }
  return files
}

const entry = (extra: Record<string, unknown> = {}): DataEntry =>
  DataEntrySchema.parse({ path: 'data/parts/part-*.csv', rows: { min: 100 }, columns: { id: { type: 'integer', unique: true }, species: { values: ['adelie', 'gentoo'] } }, ...extra })

describe('a glob of part files', () => {
  it('validates the parts as one table and names each defect in its part', async () => {
    await writeFiles(root, partFiles())
    const { result, profile } = await validateData(root, 'raw', entry())
    expect(result.parts).toBe(5)
    expect(result.rows).toBe(149) // the ragged row is a read defect, not a row
    expect(profile!.rows).toBe(149)
    const values = result.checks.find((c) => c.check === 'values')!
    expect(values).toMatchObject({ passed: false, failed: 1 })
    expect(values.examples).toEqual([{ file: 'data/parts/part-3.csv', line: 4, value: 'penguin' }])
    const ragged = result.checks.find((c) => c.check === 'read' && !c.passed)!
    expect(ragged.examples[0]).toMatchObject({ file: 'data/parts/part-5.csv', line: 7 })
    // unique across parts: every id once
    expect(result.checks.find((c) => c.check === 'unique')).toMatchObject({ passed: true })
    const text = formatDataResult(result)
    expect(text).toMatch(/^✗ raw data\/parts\/part-\*\.csv: 149 rows in 5 parts, /)
    expect(text).toContain('data/parts/part-3.csv:4  column "species"  "penguin"')
    expect(text).toMatch(/data\/parts\/part-5\.csv:7/)
  })

  it('reads the parts after one whose quote never closes, naming that part', async () => {
    const files = partFiles()
    files['data/parts/part-2.csv'] = `${HEADER}\n31,1,adelie\n32,2,"gentoo\n33,3,adelie\n`
    await writeFiles(root, files)
    const { result } = await validateData(root, 'raw', entry())
    expect(result.rows).toBe(120) // parts 1, 3, 4, 5 (less its ragged row) and part 2's first row
    const unclosed = result.checks.find((c) => c.check === 'read' && !c.passed && c.examples[0]?.file === 'data/parts/part-2.csv')!
    expect(unclosed.message).toMatch(/quoted fields are never closed/)
    expect(unclosed.examples[0]).toMatchObject({ line: 3 })
  })

  it('names both parts of a row repeated across parts', async () => {
    await writeFiles(root, { 'd/a.csv': 'x,y\n1,2\n3,4\n', 'd/b.csv': 'x,y\n5,6\n', 'd/c.csv': 'x,y\n7,8\n3,4\n1,2\n' })
    const spec = DataEntrySchema.parse({ path: 'd/*.csv', duplicates: false })
    const { result } = await validateData(root, 'd', spec)
    const duplicates = result.checks.find((c) => c.check === 'duplicates')!
    expect(duplicates).toMatchObject({ passed: false, failed: 2 })
    expect(duplicates.examples.map((e) => [e.file, e.line, e.detail])).toEqual([['d/c.csv', 3, 'repeats d/a.csv:3'], ['d/c.csv', 4, 'repeats d/a.csv:2']])
    // The same through shard jobs, each part in its own.
    const scans = await Promise.all([0, 1, 2].map((i) => scanShard(root, 'd', spec, i, 3)))
    const merged = (await validateData(root, 'd', spec, { scanned: async () => mergeShardScans(spec, 'd', 3, scans) })).result
    expect(merged.checks).toEqual(result.checks)
  })

  it('hashes the set of parts: a renamed part changes the hash', async () => {
    await writeFiles(root, partFiles())
    const files = await listPartFiles(root, 'data/parts/part-*.csv')
    const parts = await Promise.all(files.map(async (file) => ({ file, sha256: await hashFile(path.join(root, file)) })))
    const { result } = await validateData(root, 'raw', entry())
    expect(result.sha256).toBe(hashParts(parts))
    await rename(path.join(root, 'data/parts/part-5.csv'), path.join(root, 'data/parts/part-6.csv'))
    expect((await validateData(root, 'raw', entry())).result.sha256).not.toBe(result.sha256)
  })

  it('lists matches in path order and refuses globs that match nothing or leave the repository', async () => {
    await writeFiles(root, { 'data/b/2.jsonl': '{}\n', 'data/a/1.jsonl': '{}\n', 'data/a/10.jsonl': '{}\n', 'data/a/notes.txt': '' })
    expect(await listPartFiles(root, 'data/*/*.jsonl')).toEqual(['data/a/1.jsonl', 'data/a/10.jsonl', 'data/b/2.jsonl'])
    const none = await validateData(root, 'raw', DataEntrySchema.parse({ path: 'data/none/*.csv' }))
    expect(none.result.passed).toBe(false)
    expect(none.result.checks[0]!.message).toBe('no file matches data/none/*.csv')
    const outside = await validateData(root, 'raw', DataEntrySchema.parse({ path: '../*/*.csv' }))
    expect(outside.result.checks[0]!.message).toBe('../*/*.csv is outside the repository')
  })

  it('reads parts in any format, each a whole file', async () => {
    await writeFiles(root, { 'logs/day-1.jsonl': '{"user":{"id":1},"ok":true}\n{"user":{"id":2},"ok":false}\n', 'logs/day-2.jsonl': '{"user":{"id":3},"ok":true}\n{"user":{"id":"x"}}\n' })
    const { result } = await validateData(root, 'logs', DataEntrySchema.parse({ path: 'logs/day-*.jsonl', columns: { 'user.id': { type: 'integer' } } }))
    expect(result.rows).toBe(4)
    const type = result.checks.find((c) => c.check === 'type')!
    expect(type.examples).toEqual([{ file: 'logs/day-2.jsonl', line: 2, value: 'x' }])
  })

  it('fails the read of a truncated Parquet part by name, and counts the parts around it', async () => {
    const part = (from: number) => Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'id', data: Array.from({ length: 100 }, (_, i) => from + i), type: 'INT32' }] }))
    await writeFiles(root, { 'data/pq/.keep': '' })
    await writeFile(path.join(root, 'data/pq/a.parquet'), part(0))
    await writeFile(path.join(root, 'data/pq/b.parquet'), part(100).subarray(0, 60))
    await writeFile(path.join(root, 'data/pq/c.parquet'), part(200))
    const { result } = await validateData(root, 'pq', DataEntrySchema.parse({ path: 'data/pq/*.parquet', columns: { id: { type: 'integer', unique: true } } }))
    expect(result).toMatchObject({ rows: 200, parts: 3, passed: false })
    const read = result.checks.find((c) => c.check === 'read' && !c.passed)!
    expect(read.message).toMatch(/^data\/pq\/b\.parquet: the Parquet file is truncated/)
    expect(formatDataResult(result)).toContain('[read] data/pq/b.parquet: the Parquet file is truncated')
  })

  it('splits into shards by runs of whole parts that merge into the scan of the whole', async () => {
    await writeFiles(root, partFiles())
    expect(partsOfShard([1, 2, 3, 4, 5], 0, 2)).toEqual([1, 2])
    expect(partsOfShard([1, 2, 3, 4, 5], 1, 2)).toEqual([3, 4, 5])
    expect(partsOfShard([1, 2], 0, 4)).toEqual([])
    const spec = entry({ shards: 3 })
    const whole = (await validateData(root, 'raw', spec)).result
    for (const shards of [2, 3, 7]) {
      const scans = await Promise.all(Array.from({ length: shards }, (_, i) => scanShard(root, 'raw', spec, i, shards)))
      expect(scans.flatMap((s) => s.parts!.map((p) => p.file))).toEqual([1, 2, 3, 4, 5].map((p) => `data/parts/part-${p}.csv`))
      const merged = (await validateData(root, 'raw', spec, { scanned: async () => mergeShardScans(spec, 'raw', shards, scans) })).result
      expect(merged.checks).toEqual(whole.checks)
      expect({ rows: merged.rows, sha256: merged.sha256, parts: merged.parts }).toEqual({ rows: 149, sha256: whole.sha256, parts: 5 })
    }
  })

  it('is located by the folder its glob looks in, and shards in any format', () => {
    expect(partGlobBase('data/events/part-*.parquet')).toBe('data/events')
    expect(partGlobBase('data/**/x.csv')).toBe('data')
    expect(partGlobBase('*.csv')).toBe('.')
    const sharded = buildSpec({ data: { events: { path: 'data/events/part-*.parquet', shards: 4 } }, stages: { train: { run: 'true', deps: ['data/events'] } } })
    expect(checkRules(sharded).errors.map((e) => e.message)).toEqual([])
    expect(buildDag(sharded).get('stage:train')!.after).toContain('data:events')
    const written = buildSpec({ data: { events: { path: 'data/events/part-*.parquet' } }, stages: { export: { run: 'true', outs: ['data/events'] } } })
    expect(buildDag(written).get('data:events')!.after).toEqual(['stage:export'])
  })
})
