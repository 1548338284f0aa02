import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatDataResult } from '../../src/data/format-data-result.js'
import { DataResult } from '../../src/data/result.js'
import { validateData } from '../../src/data/validate-data.js'
import { DataEntrySchema } from '../../src/spec/schema.js'

// The bad-input corpus: malformed files of every format, each with the located error it must
// produce. Every one is read to the end without a crash or a hang, fails a `read` check that
// names the line (or row), and where known the position and column; rows that can be read
// still count.

interface Case {
  name: string
  file: string
  content: string | Buffer | (() => Promise<Buffer>)
  /** The failed read check's message. */
  message: RegExp
  /** Where the first example points: line (or row), and position and column when the reader knows them. */
  at?: { line: number; position?: number; column?: string }
  /** Rows that were still read and checked. */
  rows?: number
  /** Extra entry keys, e.g. an encoding. */
  entry?: Record<string, unknown>
}

const MB10 = 10 * 1024 * 1024
const utf8 = (text: string) => Buffer.from(text, 'utf8')
const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? utf8(p) : Buffer.from(p))))

async function parquet(rows = 3000): Promise<Buffer> {
  const ids = Array.from({ length: rows }, (_, i) => i)
  const names = ids.map((i) => `name-${i % 97}`)
  const buffer = parquetWriteBuffer({ columnData: [{ name: 'id', data: ids, type: 'INT32' }, { name: 'name', data: names, type: 'STRING' }], rowGroupSize: 1000 })
  return Buffer.from(buffer)
}

const CASES: Case[] = [
  // CSV: structure
  { name: 'a row with a field too many', file: 'ragged-long.csv', content: 'a,b\n1,2\n3,4,5\n6,7\n', message: /^1 rows have the wrong number of fields$/, at: { line: 3 }, rows: 2 },
  { name: 'a row with a field too few', file: 'ragged-short.csv', content: 'a,b,c\n1,2\n4,5,6\n', message: /wrong number of fields/, at: { line: 2 }, rows: 1 },
  { name: 'a ragged row after a quoted field with newlines', file: 'ragged-after-quotes.csv', content: 'a,b\n"x\ny\nz",1\n2\n3,4\n', message: /wrong number of fields/, at: { line: 5 }, rows: 2 },
  { name: 'ragged rows with CRLF line ends', file: 'ragged-crlf.csv', content: 'a,b\r\n1,2\r\n3\r\n4,5,6\r\n', message: /^2 rows have the wrong number of fields$/, at: { line: 3 }, rows: 1 },
  { name: 'a ragged TSV row', file: 'ragged.tsv', content: 'a\tb\n1\t2\t3\n', message: /wrong number of fields/, at: { line: 2 }, rows: 0 },
  { name: 'a quoted field never closed', file: 'open-quote.csv', content: 'a,b\n1,2\n3,"oops\n5,6\n', message: /quoted fields? (are|is) never closed/, at: { line: 3, position: 3, column: 'b' }, rows: 1 },
  { name: 'a quote left open in the first column', file: 'open-quote-first.csv', content: 'a,b\n"1,2\n', message: /never closed/, at: { line: 2, position: 1, column: 'a' }, rows: 0 },
  { name: 'a 10 MB line', file: 'long-line.csv', content: () => Promise.resolve(Buffer.concat([utf8('a,b\n1,2\n'), Buffer.alloc(MB10, 'x'), utf8(',y\n3,4\n')])), message: /longer than the 8 MiB limit/, at: { line: 3 }, rows: 2 },
  { name: 'a quote that swallows 10 MB', file: 'long-quote.csv', content: () => Promise.resolve(Buffer.concat([utf8('a,b\n1,"'), Buffer.alloc(MB10, 'x')])), message: /8 MiB limit|never closed/, at: { line: 2 }, rows: 0 },
  // CSV: encoding
  { name: 'a byte that is not UTF-8', file: 'bad-byte.csv', content: bytes('a,b\n1,x', [0xff], 'y\n2,3\n'), message: /not valid text in the file's encoding/, at: { line: 2, position: 4, column: 'b' }, rows: 2 },
  { name: 'an overlong UTF-8 encoding', file: 'overlong.csv', content: bytes('name\nok\n', [0xc0, 0x80], '\n'), message: /not valid text/, at: { line: 3, position: 1, column: 'name' }, rows: 2 },
  { name: 'a multi-byte character cut at the end of the file', file: 'cut-char.csv', content: bytes('name\ncaf', [0xc3]), message: /not valid text/, at: { line: 2, position: 4, column: 'name' }, rows: 1 },
  { name: 'a lone UTF-16 surrogate encoded as UTF-8', file: 'surrogate.csv', content: bytes('a\n', [0xed, 0xa0, 0x80], '\n'), message: /not valid text/, at: { line: 2, column: 'a' }, rows: 1 },
  { name: 'binary garbage named .csv', file: 'garbage.csv', content: bytes('h\n', Array.from({ length: 64 }, (_, i) => 0x80 + i), '\n'), message: /not valid text/, at: { line: 2 }, rows: 1 },
  // CSV: nothing to read
  { name: 'an empty file', file: 'empty.csv', content: '', message: /^file is empty: expected a header row$/ },
  { name: 'only blank lines', file: 'blank.csv', content: '\n\r\n\n', message: /^file is empty: expected a header row$/ },
  { name: 'a header naming a column twice', file: 'dup-header.csv', content: 'a,b,a\n1,2,3\n', message: /duplicate column name "a"/, at: { line: 1 } },
  { name: 'a header longer than 8 MiB', file: 'long-header.csv', content: () => Promise.resolve(Buffer.concat([Buffer.alloc(MB10, 'h'), utf8('\n1\n')])), message: /8 MiB/ },
  // JSON Lines
  { name: 'a JSON line that does not parse', file: 'syntax.jsonl', content: '{"a":1}\n{"a": }\n{"a":3}\n', message: /^1 records are not valid JSON$/, at: { line: 2 }, rows: 2 },
  { name: 'a JSON line cut short at the end', file: 'cut.jsonl', content: '{"a":1}\n{"a":', message: /not valid JSON/, at: { line: 2 }, rows: 1 },
  { name: 'a JSON line holding an array', file: 'array-line.jsonl', content: '{"a":1}\n[1,2]\n', message: /not JSON objects/, at: { line: 2 }, rows: 1 },
  { name: 'a JSON line holding a number', file: 'scalar-line.jsonl', content: '42\n{"a":1}\n', message: /not JSON objects/, at: { line: 1 }, rows: 1 },
  { name: 'a JSON line with bytes that are not UTF-8', file: 'bad-byte.jsonl', content: bytes('{"a":"ok"}\n{"a":"', [0xfe], '"}\n'), message: /not valid text/, at: { line: 2 } },
  { name: 'a 10 MB JSON line', file: 'long.jsonl', content: () => Promise.resolve(Buffer.concat([utf8('{"a":1}\n{"a":"'), Buffer.alloc(MB10, 'x'), utf8('"}\n{"a":3}\n')])), message: /longer than the 8 MiB limit/, at: { line: 2 }, rows: 2 },
  // JSON arrays
  { name: 'a JSON file that is not an array', file: 'object.json', content: '{"a": 1}', message: /^expected a JSON array of objects; for one object per line use format: jsonl$/, at: { line: 1 } },
  { name: 'a JSON array cut short', file: 'cut.json', content: '[{"a":1},\n{"a":', message: /ends early/, at: { line: 2 }, rows: 1 },
  { name: 'a JSON array element that is a number', file: 'scalar.json', content: '[{"a":1},\n 3,\n {"a":2}]', message: /not JSON objects/, at: { line: 2 }, rows: 2 },
  { name: 'a JSON array element that does not parse', file: 'syntax.json', content: '[{"a":1},\n{"a":tru},\n{"a":2}]', message: /not valid JSON/, at: { line: 2 }, rows: 2 },
  { name: 'a stray closing brace where a JSON array element starts', file: 'stray-brace.json', content: '[{"a":1},\n},\n{"a":2}]', message: /not valid JSON/, at: { line: 2 }, rows: 2 },
  { name: 'an unterminated string in a JSON array', file: 'open-string.json', content: '[{"a":"never closed}]', message: /ends early/, at: { line: 1 }, rows: 0 },
  // Parquet
  { name: 'a text file named .parquet', file: 'text.parquet', content: 'a,b\n1,2\n', message: /not a Parquet file/ },
  { name: 'an empty .parquet file', file: 'empty.parquet', content: '', message: /Parquet/ },
  { name: 'a Parquet file with its footer cut off', file: 'cut-footer.parquet', content: async () => (await parquet()).subarray(0, -40), message: /^the Parquet file is truncated: it does not end with the "PAR1" magic bytes/ },
  { name: 'a Parquet file cut in the middle', file: 'cut-middle.parquet', content: async () => { const whole = await parquet(); return whole.subarray(0, Math.floor(whole.length / 2)) }, message: /^the Parquet file is truncated/ },
  { name: 'a Parquet row group overwritten with garbage', file: 'garbled-group.parquet', content: async () => { const whole = await parquet(); whole.fill(0xff, 4, 40); return whole }, message: /^1 parts of the file cannot be decoded/, at: { line: 1 }, rows: 2000 },
  { name: 'only the Parquet magic', file: 'magic.parquet', content: 'PAR1', message: /Parquet/ },
]

let root: string

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bad-inputs-'))
  await mkdir(path.join(root, 'data'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('the bad-input corpus', () => {
  it('has at least 30 malformed files over every format', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30)
    const formats = new Set(CASES.map((c) => path.extname(c.file)))
    expect([...formats].sort()).toEqual(['.csv', '.json', '.jsonl', '.parquet', '.tsv'])
  })

  for (const c of CASES) {
    it(`${c.file}: ${c.name}`, { timeout: 30_000 }, async () => {
      const content = typeof c.content === 'function' ? await c.content() : c.content
      await writeFile(path.join(root, 'data', c.file), content)
      const { result } = await validateData(root, c.file, DataEntrySchema.parse({ path: `data/${c.file}`, ...c.entry }))
      expect(DataResult.parse(JSON.parse(JSON.stringify(result)))).toEqual(result)
      expect(result.passed).toBe(false)
      const read = result.checks.filter((check) => check.check === 'read')
      const matching = read.find((check) => c.message.test(check.message))
      expect(matching, `read checks: ${read.map((check) => check.message).join(' | ')}`).toBeDefined()
      if (c.at) {
        const first = matching!.examples[0]
        expect(first, 'the failed check has an example').toBeDefined()
        expect(first!.line).toBe(c.at.line)
        if (c.at.position !== undefined) expect(first!.position).toBe(c.at.position)
        if (c.at.column !== undefined) expect(first!.column).toBe(c.at.column)
      }
      if (c.rows !== undefined) expect(result.rows).toBe(c.rows)
      // The terminal line points at the file and line.
      const text = formatDataResult(result)
      if (c.at) expect(text).toContain(`data/${c.file}:${c.at.line}`)
      expect(text).not.toMatch(/\n\s+at /)
    })
  }

  it('keeps memory bounded on a 10 MB line', async () => {
    const file = path.join(root, 'data', 'long-line.csv')
    await writeFile(file, Buffer.concat([utf8('a,b\n'), Buffer.alloc(MB10, 'x'), utf8(',y\n3,4\n')]))
    const before = process.memoryUsage().rss
    await validateData(root, 'long', DataEntrySchema.parse({ path: 'data/long-line.csv' }))
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024)
    expect((await readFile(file)).length).toBeGreaterThan(MB10)
  })
})
