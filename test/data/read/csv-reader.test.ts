import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataError } from '../../../src/data/data-error.js'
import type { Cell, ReadDefect } from '../../../src/data/read/batch.js'
import { openCsvReader, type CsvOptions, type CsvTuning } from '../../../src/data/read/csv-reader.js'
import { planCsvRanges } from '../../../src/data/read/csv-ranges.js'
import { detectFormat, openDataReader } from '../../../src/data/reader.js'

let dir: string
let fileCount = 0

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'csv-reader-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function write(content: string | Buffer, ext = 'csv'): Promise<string> {
  const file = path.join(dir, `file-${++fileCount}.${ext}`)
  await writeFile(file, content)
  return file
}

interface Read {
  columns: string[]
  rows: Array<{ line: number; values: Cell[] }>
  defects: ReadDefect[]
  batches: number
}

async function readAll(file: string, options: Partial<CsvOptions> = {}, tuning: CsvTuning = {}): Promise<Read> {
  const out: Read = { columns: [], rows: [], defects: [], batches: 0 }
  for await (const batch of openCsvReader(file, options, tuning).batches()) {
    out.batches++
    out.columns = [...batch.columns]
    for (let r = 0; r < batch.length; r++) {
      out.rows.push({ line: batch.lines[r]!, values: batch.columns.map((_, c) => batch.cells[c]?.[r] ?? null) })
    }
    out.defects.push(...batch.defects)
  }
  return out
}

async function readError(file: string, options: Partial<CsvOptions> = {}): Promise<DataError> {
  const error = await readAll(file, options).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DataError)
  return error as DataError
}

const require = createRequire(import.meta.url)
const spectrumDir = path.dirname(require.resolve('csv-spectrum/package.json'))
// csv-spectrum 2.0.0's location_coordinates.json has a different phone number from its CSV.
const SPECTRUM_ERRATA: Record<string, Record<string, string>> = { location_coordinates: { 'Contact Phone Number': '2095257564' } }

describe('csv-spectrum', async () => {
  const names = (await readdir(path.join(spectrumDir, 'csvs'))).map((name) => name.replace(/\.csv$/, ''))
  it.each(names)('parses %s to its expected JSON', async (name) => {
    const json = JSON.parse(await readFile(path.join(spectrumDir, 'json', `${name}.json`), 'utf8')) as unknown
    // One case's JSON is its single row, not an array.
    const expected = (Array.isArray(json) ? json : [json]).map((row: object) => ({ ...row, ...SPECTRUM_ERRATA[name] }))
    const { columns, rows, defects } = await readAll(path.join(spectrumDir, 'csvs', `${name}.csv`))
    expect(defects).toEqual([])
    // The reader's null is csv-spectrum's empty string.
    const objects = rows.map((row) => Object.fromEntries(columns.map((column, c) => [column, row.values[c] ?? ''])))
    expect(objects).toEqual(expected)
  })
  it('has its cases', () => expect(names.length).toBeGreaterThanOrEqual(12))
})

describe('openCsvReader', () => {
  it('reads the header, then rows with 1-based line numbers', async () => {
    const file = await write('a,b\n1,x\n2,y\n')
    expect(await readAll(file)).toMatchObject({
      columns: ['a', 'b'],
      rows: [
        { line: 2, values: ['1', 'x'] },
        { line: 3, values: ['2', 'y'] },
      ],
      defects: [],
    })
  })

  it('reads a last row without a trailing newline', async () => {
    const { rows } = await readAll(await write('a,b\n1,2'))
    expect(rows).toEqual([{ line: 2, values: ['1', '2'] }])
  })

  it('turns only empty cells into null, quoted or not, and keeps everything else verbatim', async () => {
    const { rows } = await readAll(await write('a,b,c,d\n,"", NA ,null\n'))
    expect(rows[0]!.values).toEqual([null, null, ' NA ', 'null'])
  })

  it('parses quoted fields with delimiters, escaped quotes and newlines, keeping later line numbers right', async () => {
    const { rows } = await readAll(await write('a,b\n"x, y","say ""hi"""\n"multi\nline\nvalue",2\nlast,3\n'))
    expect(rows).toEqual([
      { line: 2, values: ['x, y', 'say "hi"'] },
      { line: 3, values: ['multi\nline\nvalue', '2'] },
      { line: 6, values: ['last', '3'] },
    ])
  })

  it('handles CRLF and lone CR line ends, also inside quoted fields', async () => {
    const { rows } = await readAll(await write('a,b\r\n"1\r\n2",x\r\n3,y\r4,z'))
    expect(rows).toEqual([
      { line: 2, values: ['1\r\n2', 'x'] },
      { line: 4, values: ['3', 'y'] },
      { line: 5, values: ['4', 'z'] },
    ])
  })

  it('drops a UTF-8 byte order mark from the first column name', async () => {
    const { columns } = await readAll(await write('\uFEFFid,name\n1,a\n'))
    expect(columns).toEqual(['id', 'name'])
  })

  it('skips blank lines, counting them in line numbers', async () => {
    const { rows } = await readAll(await write('\n\na,b\n\n1,2\n\r\n3,4\n\n'))
    expect(rows).toEqual([
      { line: 5, values: ['1', '2'] },
      { line: 7, values: ['3', '4'] },
    ])
  })

  it('treats stray quotes inside unquoted fields, and text after a closing quote, as text', async () => {
    const { rows, defects } = await readAll(await write('a,b\n5\'3",x\n"a"b,y\n'))
    expect(defects).toEqual([])
    expect(rows.map((row) => row.values)).toEqual([
      ['5\'3"', 'x'],
      ['"a"b', 'y'],
    ])
  })

  it('reports rows with too many or too few fields with line and text, and reads on', async () => {
    const { rows, defects } = await readAll(await write('a,b\n1,2,3\n4\n5,6\n'))
    expect(rows).toEqual([{ line: 4, values: ['5', '6'] }])
    expect(defects).toMatchObject([
      { kind: 'ragged', line: 2, message: 'line 2: expected 2 fields, found 3', example: '1,2,3' },
      { kind: 'ragged', line: 3, message: 'line 3: expected 2 fields, found 1', example: '4' },
    ])
  })

  it('reports an unterminated quote with its line, position and column', async () => {
    const { rows, defects } = await readAll(await write('a,b\n1,2\n3,"open\nmore\n'))
    expect(rows).toHaveLength(1)
    expect(defects).toMatchObject([{ kind: 'quote', line: 3, position: 3, column: 'b', message: 'line 3: a quoted field is never closed' }])
  })

  it('skips a runaway quote after 8 MiB instead of buffering the rest of the file', async () => {
    const body = `a,b\n1,"${'x'.repeat(9 * 1024 * 1024)}\n`
    const { rows, defects } = await readAll(await write(body), {}, { chunkBytes: 1024 * 1024 })
    expect(rows).toEqual([])
    expect(defects).toMatchObject([{ kind: 'too-long', line: 2 }])
  })

  it('skips a 10 MB line and reads the rows after it with their line numbers', async () => {
    const body = `a,b\n1,2\n3,${'y'.repeat(10 * 1024 * 1024)}\n5,6\n`
    const { rows, defects } = await readAll(await write(body), {}, { chunkBytes: 1024 * 1024 })
    expect(rows).toEqual([
      { line: 2, values: ['1', '2'] },
      { line: 4, values: ['5', '6'] },
    ])
    expect(defects).toMatchObject([{ kind: 'too-long', line: 3, message: 'line 3: a row longer than 8 MiB starts here; is a quote left open?' }])
  })

  it('reports invalid UTF-8 with the line, position and column, and keeps the row out', async () => {
    const file = await write(Buffer.concat([Buffer.from('a,b\n1,ok\n2,ab'), Buffer.from([0xff, 0xfe]), Buffer.from('c\n3,fine\n')]))
    const { rows, defects } = await readAll(file)
    expect(rows.map((row) => row.line)).toContain(4)
    expect(defects).toMatchObject([{ kind: 'encoding', line: 3, position: 5, column: 'b' }])
  })

  it('fails on an empty file, and on one with only blank lines', async () => {
    expect((await readError(await write(''))).message).toBe('file is empty: expected a header row')
    expect((await readError(await write('\n\r\n\n'))).message).toBe('file is empty: expected a header row')
  })

  it('reads a header-only file as zero rows', async () => {
    expect(await readAll(await write('a,b\n'))).toMatchObject({ columns: ['a', 'b'], rows: [], defects: [] })
  })

  it('refuses duplicate column names, naming the line and column', async () => {
    const error = await readError(await write('a,b,a\n1,2,3\n'))
    expect(error.message).toBe('line 1: duplicate column name "a" in the header')
    expect(error.column).toBe('a')
  })

  it('reads TSV and other delimiters, where commas are ordinary characters', async () => {
    const { columns, rows } = await readAll(await write('a\tb\n1,5\tx\n', 'tsv'), { delimiter: '\t' })
    expect(columns).toEqual(['a', 'b'])
    expect(rows[0]!.values).toEqual(['1,5', 'x'])
    const semi = await readAll(await write('a;b\n1,5;"x;y"\n'), { delimiter: ';' })
    expect(semi.rows[0]!.values).toEqual(['1,5', 'x;y'])
  })

  it('refuses a delimiter that is not one ASCII character', () => {
    expect(() => openCsvReader('x.csv', { delimiter: '||' })).toThrow(/one ASCII character/)
    expect(() => openCsvReader('x.csv', { delimiter: '"' })).toThrow(/one ASCII character/)
  })

  it('names columns column_1… and reads the first record as data without a header', async () => {
    const { columns, rows } = await readAll(await write('1,x\n2,y\n'), { header: false })
    expect(columns).toEqual(['column_1', 'column_2'])
    expect(rows).toEqual([
      { line: 1, values: ['1', 'x'] },
      { line: 2, values: ['2', 'y'] },
    ])
  })

  it('decodes latin1 (windows-1252) and UTF-16LE files', async () => {
    const latin = await readAll(await write(Buffer.from('name\ncaf\xe9\n', 'latin1')), { encoding: 'latin1' })
    expect(latin.rows[0]!.values).toEqual(['café'])
    const utf16 = await readAll(await write(Buffer.from('\uFEFFname,n\nñandú,1\n', 'utf16le')), { encoding: 'utf-16le' })
    expect(utf16.columns).toEqual(['name', 'n'])
    expect(utf16.rows[0]!.values).toEqual(['ñandú', '1'])
  })

  it('reads the same rows and defects whatever the chunk and batch sizes', async () => {
    const text = 'a,b,c\r\n"q,1","multi\r\nline",x\n\n2,"say ""hi""",é\n3,4\n"5",6,7\n8,"open\n'
    const file = await write(text)
    const whole = await readAll(file)
    for (const chunkBytes of [4, 5, 7, 13]) {
      const split = await readAll(file, {}, { chunkBytes, maxBatchRows: 2 })
      expect({ ...split, batches: 0 }).toEqual({ ...whole, batches: 0 })
      // A record cut at a chunk's end is finished from a head of the next chunk; heads shorter and
      // longer than the rest of that record, and than the chunk.
      for (const headChars of [1, 2, 3, 6, 20]) {
        const headed = await readAll(file, {}, { chunkBytes, maxBatchRows: 2, headChars })
        expect({ ...headed, batches: 0 }, `chunkBytes ${chunkBytes}, headChars ${headChars}`).toEqual({ ...whole, batches: 0 })
      }
    }
    expect(whole.rows).toHaveLength(3)
    expect(whole.defects.map((d) => d.kind)).toEqual(['ragged', 'quote'])
  })

  it('places invalid UTF-8 the same way whatever the chunk, batch and head sizes', async () => {
    const file = await write(Buffer.concat([Buffer.from('a,b\n1,"x'), Buffer.from([0xff]), Buffer.from('y"\n22,"m\nl'), Buffer.from([0xfe]), Buffer.from('"\n3,'), Buffer.from([0xc3]), Buffer.from('\n')]))
    const whole = await readAll(file)
    expect(whole.defects.map((d) => [d.kind, d.line, d.column])).toEqual([
      ['encoding', 2, 'b'],
      ['encoding', 4, 'b'],
      ['encoding', 5, 'b'],
    ])
    for (const chunkBytes of [4, 6, 9])
      for (const headChars of [1, 3, 7, 100]) {
        const split = await readAll(file, {}, { chunkBytes, maxBatchRows: 1, headChars })
        expect({ ...split, batches: 0 }, `chunkBytes ${chunkBytes}, headChars ${headChars}`).toEqual({ ...whole, batches: 0 })
      }
  })

  it('stops cleanly when the consumer breaks out early', async () => {
    const file = await write(`a\n${'1\n'.repeat(100_000)}`)
    let batches = 0
    for await (const _ of openCsvReader(file, {}, { maxBatchRows: 10 }).batches()) if (++batches === 2) break
    expect(batches).toBe(2)
  })

  it('rejects with the file system error when the file does not exist', async () => {
    await expect(readAll(path.join(dir, 'missing.csv'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('planCsvRanges', () => {
  async function readRanges(file: string, parts: number, chunkBytes: number): Promise<Read | undefined> {
    const plan = await planCsvRanges(file, {}, parts, chunkBytes)
    if (!plan) return undefined
    expect(plan.ranges.length).toBeGreaterThan(1)
    const out: Read = { columns: plan.columns, rows: [], defects: [], batches: 0 }
    for (const range of plan.ranges) {
      const part = await readAll(file, { columns: plan.columns, range })
      out.rows.push(...part.rows)
      out.defects.push(...part.defects)
    }
    return out
  }

  it('splits on record boundaries only: the parts read exactly like the whole file', async () => {
    let text = '\uFEFFid,"note, quoted",n\n'
    for (let i = 0; i < 400; i++) text += i % 7 === 0 ? `${i},"multi\nline ""${i}""",${i}\r\n` : i % 11 === 0 ? `\n${i},x\n` : `${i},"a,b",${i}\n`
    const file = await write(text)
    const whole = await readAll(file)
    for (const [parts, chunk] of [
      [2, 64],
      [3, 1000],
      [4, 1 << 20],
    ] as const) {
      const split = await readRanges(file, parts, chunk)
      expect(split).toBeDefined()
      expect({ ...split, batches: 0 }).toEqual({ ...whole, batches: 0 })
    }
    expect(whole.defects.filter((d) => d.kind === 'ragged')).toHaveLength(31)
  })

  it('does not split a file with a stray quote or lone CR line ends', async () => {
    expect(await planCsvRanges(await write(`a,b\n${'1,2\n'.repeat(100)}5'3",x\n${'1,2\n'.repeat(100)}`), {}, 2, 64)).toBeUndefined()
    expect(await planCsvRanges(await write(`a,b\r${'1,2\r'.repeat(200)}`), {}, 2, 64)).toBeUndefined()
  })

  it('starts data after the header with header: true, and at the first record without', async () => {
    const file = await write(`x,y\n${'1,2\n'.repeat(50)}`)
    const plan = await planCsvRanges(file, {}, 2)
    expect(plan?.ranges[0]).toMatchObject({ start: 4, firstLine: 2 })
    const bare = await planCsvRanges(file, { header: false }, 2)
    expect(bare?.columns).toEqual(['column_1', 'column_2'])
    expect(bare?.ranges[0]).toMatchObject({ start: 0, firstLine: 1 })
    expect(bare?.ranges.at(-1)?.end).toBe(4 + 50 * 4)
  })
})

describe('detectFormat', () => {
  it('reads the format from the extension, case-insensitively', () => {
    expect(detectFormat('data/x.CSV')).toBe('csv')
    expect(detectFormat('x.tsv')).toBe('tsv')
    expect(detectFormat('x.jsonl')).toBe('jsonl')
    expect(detectFormat('x.ndjson')).toBe('jsonl')
    expect(detectFormat('x.json')).toBe('json')
    expect(detectFormat('x.parquet')).toBe('parquet')
  })

  it('prefers an explicit format', () => {
    expect(detectFormat('x.txt', 'csv')).toBe('csv')
  })

  it('throws a DataError for an unknown extension', () => {
    expect(() => detectFormat('x.xlsx')).toThrow(DataError)
  })
})

describe('openDataReader', () => {
  it('opens TSV with a tab delimiter', async () => {
    const file = await write('a\tb\n1\t2\n', 'tsv')
    const batches = []
    for await (const batch of openDataReader(file, 'tsv').batches()) batches.push(batch)
    expect(batches[0]?.columns).toEqual(['a', 'b'])
  })
})
