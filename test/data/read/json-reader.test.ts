import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cell, DataReader, ReadDefect } from '../../../src/data/read/batch.js'
import { openJsonArrayReader, openJsonLinesReader, type JsonTuning } from '../../../src/data/read/json-reader.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'json-reader-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

interface Read {
  columns: string[]
  rows: Array<Record<string, Cell>>
  lines: number[]
  defects: ReadDefect[]
}

/** Every batch of a reader, joined: rows as objects keyed by the final column names. */
async function readAll(reader: DataReader): Promise<Read> {
  const read: Read = { columns: [], rows: [], lines: [], defects: [] }
  for await (const batch of reader.batches()) {
    read.columns = [...batch.columns]
    for (let r = 0; r < batch.length; r++) {
      const row: Record<string, Cell> = {}
      batch.columns.forEach((name, c) => (row[name] = batch.cells[c]?.[r] ?? null))
      read.rows.push(row)
      read.lines.push(batch.lines[r]!)
    }
    read.defects.push(...batch.defects)
  }
  // Columns first seen in a later batch are null in the rows before it.
  for (const row of read.rows) for (const name of read.columns) row[name] ??= null
  return read
}

async function file(name: string, content: string | Buffer): Promise<string> {
  const p = path.join(dir, name)
  await writeFile(p, content)
  return p
}

const lines = (p: string, tuning?: JsonTuning) => readAll(openJsonLinesReader(p, tuning))
const array = (p: string, tuning?: JsonTuning) => readAll(openJsonArrayReader(p, tuning))

describe('openJsonLinesReader', () => {
  it('reads one object per line with its line number, skipping blank lines and CRLF ends', async () => {
    const p = await file('a.jsonl', '{"a":1,"b":"x"}\r\n\n{"a":2.5,"b":null}\n   \n{"a":-3,"b":"y","c":true}')
    const read = await lines(p)
    expect(read.columns).toEqual(['a', 'b', 'c'])
    expect(read.lines).toEqual([1, 3, 5])
    // Types as JSON has them; keys first seen later are null in earlier rows.
    expect(read.rows).toEqual([
      { a: 1, b: 'x', c: null },
      { a: 2.5, b: null, c: null },
      { a: -3, b: 'y', c: true },
    ])
    expect(read.defects).toEqual([])
  })

  it('flattens nested objects to dotted names and keeps arrays as JSON text', async () => {
    const p = await file('nested.jsonl', '{"id":1,"geo":{"lat":52.5,"lon":13.4,"city":{"name":"Berlin"}},"tags":["a","b"]}\n{"id":2,"geo":{"lat":-33.9}}\n')
    const read = await lines(p)
    expect(read.columns).toEqual(['id', 'geo.lat', 'geo.lon', 'geo.city.name', 'tags'])
    expect(read.rows[0]).toEqual({ id: 1, 'geo.lat': 52.5, 'geo.lon': 13.4, 'geo.city.name': 'Berlin', tags: '["a","b"]' })
    expect(read.rows[1]).toEqual({ id: 2, 'geo.lat': -33.9, 'geo.lon': null, 'geo.city.name': null, tags: null })
  })

  it('reports lines that are not JSON or not objects, with line and position, and reads on', async () => {
    const p = await file('bad.jsonl', '{"a":1}\n{"a": }\n[1]\n"text"\nnull\n{"a":2}\n')
    const read = await lines(p)
    expect(read.rows).toEqual([{ a: 1 }, { a: 2 }])
    expect(read.lines).toEqual([1, 6])
    expect(read.defects.map((d) => [d.kind, d.line])).toEqual([
      ['syntax', 2],
      ['not-an-object', 3],
      ['not-an-object', 4],
      ['not-an-object', 5],
    ])
    expect(read.defects[0]).toMatchObject({ example: '{"a": }' })
    expect(read.defects[0]!.message).toMatch(/^line 2: not valid JSON: /)
    expect(read.defects[1]!.message).toBe('line 3: expected a JSON object, found an array')
  })

  it('reports invalid UTF-8 with its line and position', async () => {
    const p = await file('utf8.jsonl', Buffer.concat([Buffer.from('{"a":"ok"}\n{"a":"b'), Buffer.from([0xff]), Buffer.from('"}\n{"a":"é"}\n')]))
    const read = await lines(p)
    expect(read.rows).toEqual([{ a: 'ok' }, { a: 'é' }])
    expect(read.defects).toMatchObject([{ kind: 'encoding', line: 2, position: 8 }])
  })

  it('gives the same rows, lines and defects whatever the chunk and batch sizes', async () => {
    const text = Array.from({ length: 300 }, (_, i) => (i % 37 === 5 ? '{"broken": ' : JSON.stringify({ i, s: `v${i % 7}`, n: { x: i / 4 } }))).join('\n')
    const p = await file('sizes.jsonl', text)
    const whole = await lines(p)
    expect(whole.rows).toHaveLength(300 - 8)
    for (const tuning of [{ chunkBytes: 5 }, { chunkBytes: 64, maxBatchRows: 7 }, { maxBatchRows: 1 }]) {
      expect(await lines(p, tuning)).toEqual(whole)
    }
  })

  it('fails on an empty file', async () => {
    await expect(lines(await file('empty.jsonl', ' \n\n'))).rejects.toThrow(/file is empty/)
  })
})

describe('openJsonArrayReader', () => {
  it('reads a pretty-printed array with each element at the line it starts on', async () => {
    const p = await file('pretty.json', '[\n  {\n    "a": 1,\n    "b": "x, ] y"\n  },\n  {"a": 2, "b": "say \\"hi\\""}\n]\n')
    const read = await array(p)
    expect(read.rows).toEqual([
      { a: 1, b: 'x, ] y' },
      { a: 2, b: 'say "hi"' },
    ])
    expect(read.lines).toEqual([2, 6])
  })

  it('reads an empty array as zero rows, and a BOM before the array', async () => {
    expect((await array(await file('none.json', '[ ]'))).rows).toEqual([])
    const bom = await array(await file('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"a":1}]')])))
    expect(bom.rows).toEqual([{ a: 1 }])
  })

  it('reports elements that are not objects, and a file that ends inside the array', async () => {
    const read = await array(await file('cut.json', '[{"a":1},\n 7,\n {"a":2},\n {"a":'))
    expect(read.rows).toEqual([{ a: 1 }, { a: 2 }])
    expect(read.defects.map((d) => [d.kind, d.line])).toEqual([
      ['not-an-object', 2],
      ['truncated', 4],
    ])
  })

  it('refuses a document that is not an array, pointing to JSON Lines', async () => {
    await expect(array(await file('object.json', '{"a":1}'))).rejects.toThrow('expected a JSON array of objects; for one object per line use format: jsonl')
  })

  it('gives the same rows whatever the chunk size, also with strings that hold brackets and escapes', async () => {
    const data = Array.from({ length: 120 }, (_, i) => ({ i, text: `[${'\\'.repeat(i % 3)}"{${i}}"]`, nested: { deep: { v: i % 2 === 0 } } }))
    const p = await file('sizes.json', JSON.stringify(data, null, 3))
    const whole = await array(p)
    expect(whole.rows).toHaveLength(120)
    expect(whole.rows[5]).toEqual({ i: 5, text: data[5]!.text, 'nested.deep.v': false })
    for (const tuning of [{ chunkBytes: 4 }, { chunkBytes: 33, maxBatchRows: 5 }]) expect(await array(p, tuning)).toEqual(whole)
  })
})

