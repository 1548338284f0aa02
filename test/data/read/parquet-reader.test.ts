import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cell } from '../../../src/data/read/batch.js'
import { openParquetReader } from '../../../src/data/read/parquet-reader.js'
import { createTableProfile, addBatch } from '../../../src/data/profile/table-profile.js'
import { VEGA_DATASETS } from '../../helpers/vega-datasets.js'

// Parquet files written with hyparquet-writer (the reader's sibling project) in small row
// groups, so every test crosses row-group boundaries; and the real flights-3m.parquet (ZSTD).

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parquet-reader-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

type ColumnData = Parameters<typeof parquetWriteBuffer>[0]['columnData']

async function write(name: string, columnData: ColumnData, rowGroupSize = 4): Promise<string> {
  const p = path.join(dir, name)
  await writeFile(p, Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize })))
  return p
}

async function readAll(p: string): Promise<{ columns: string[]; rows: Cell[][]; lines: number[]; batches: number }> {
  const out = { columns: [] as string[], rows: [] as Cell[][], lines: [] as number[], batches: 0 }
  for await (const batch of openParquetReader(p).batches()) {
    out.batches++
    out.columns = [...batch.columns]
    expect(batch.defects).toEqual([])
    for (let r = 0; r < batch.length; r++) {
      out.rows.push(batch.columns.map((_, c) => batch.cells[c]?.[r] ?? null))
      out.lines.push(batch.lines[r]!)
    }
  }
  return out
}

describe('openParquetReader', () => {
  it('reads every type as cells, with 1-based row numbers across row groups', async () => {
    const p = await write('types.parquet', [
      { name: 'i32', data: [1, -2, null, 4, 5, 6], type: 'INT32' },
      { name: 'i64', data: [10n, -(2n ** 40n), 30n, null, 50n, 9007199254740991n], type: 'INT64' },
      { name: 'f64', data: [0.5, 1e300, -0, null, Math.PI, 2], type: 'DOUBLE' },
      { name: 'flag', data: [true, false, null, true, true, false], type: 'BOOLEAN' },
      { name: 'text', data: ['a', '', 'ünï', null, 'x,y', '"q"'], type: 'STRING' },
      { name: 'at', data: [new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), null, new Date(0), new Date(Date.UTC(2001, 5, 27, 7)), new Date(1), new Date(-86_400_000)], type: 'TIMESTAMP' },
    ])
    const read = await readAll(p)
    expect(read.columns).toEqual(['i32', 'i64', 'f64', 'flag', 'text', 'at'])
    expect(read.lines).toEqual([1, 2, 3, 4, 5, 6])
    expect(read.rows.map((row) => row[0])).toEqual([1, -2, null, 4, 5, 6])
    // INT64 becomes a number (exact up to 2^53).
    expect(read.rows.map((row) => row[1])).toEqual([10, -(2 ** 40), 30, null, 50, 9007199254740991])
    expect(read.rows.map((row) => row[2])).toEqual([0.5, 1e300, -0, null, Math.PI, 2])
    expect(read.rows.map((row) => row[3])).toEqual([true, false, null, true, true, false])
    expect(read.rows.map((row) => row[4])).toEqual(['a', '', 'ünï', null, 'x,y', '"q"'])
    // Timestamps as ISO 8601 text, which the profile counts as datetimes.
    expect(read.rows[0]![5]).toMatch(/^2024-01-02T03:04:05(\.000)?Z$/)
    expect(read.rows[1]![5]).toBeNull()
    expect(read.rows[5]![5]).toMatch(/^1969-12-31T00:00:00/)
  })

  it('profiles a Parquet file like the same data as CSV would', async () => {
    const n = 1000
    const p = await write('profile.parquet', [
      { name: 'id', data: Array.from({ length: n }, (_, i) => i), type: 'INT32' },
      { name: 'group', data: Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : `g${i % 3}`)), type: 'STRING' },
    ], 128)
    const table = createTableProfile()
    for await (const batch of openParquetReader(p).batches()) addBatch(table, batch)
    expect(table.rows).toBe(n)
    const id = table.columns.get('id')!
    expect(id.types.integer).toBe(n)
    expect(id.numeric.mean).toBeCloseTo(499.5, 10)
    const group = table.columns.get('group')!
    expect(group.nulls).toBe(100)
    expect(group.top.top(3).map((t) => t.value).sort()).toEqual(['g0', 'g1', 'g2'])
  })

  it('reads a file with zero rows as its columns and no rows', async () => {
    const p = path.join(dir, 'empty.parquet')
    await writeFile(p, Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'a', data: [], type: 'INT32' }] })))
    const read = await readAll(p)
    expect(read.columns).toEqual(['a'])
    expect(read.rows).toEqual([])
  })

  it('reads vega-datasets flights-3m.parquet (ZSTD) row group by row group', { timeout: 120_000 }, async () => {
    const flights = path.join(VEGA_DATASETS, 'data', 'flights-3m.parquet')
    let rows = 0
    let batches = 0
    let first: Cell[] | undefined
    let columns: readonly string[] = []
    for await (const batch of openParquetReader(flights).batches()) {
      batches++
      columns = batch.columns
      first ??= batch.columns.map((_, c) => batch.cells[c]![0]!)
      expect(batch.lines[0]).toBe(rows + 1)
      rows += batch.length
    }
    expect(columns).toEqual(['date', 'delay', 'distance', 'origin', 'destination'])
    expect(rows).toBe(3_000_000)
    expect(batches).toBeGreaterThan(1)
    expect(first![0]).toMatch(/^2001-\d\d-\d\dT/)
    expect(typeof first![1]).toBe('number')
    expect(first![3]).toMatch(/^[A-Z]{3}$/)
  })
})
