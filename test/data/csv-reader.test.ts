import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openCsvReader } from '../../src/data/csv-reader.js'
import { detectFormat, openDataReader, type DataRow } from '../../src/data/reader.js'
import { DataError } from '../../src/data/data-error.js'

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

async function readAll(file: string, delimiter: ',' | '\t' = ','): Promise<{ columns: string[]; rows: DataRow[] }> {
  const reader = openCsvReader(file, delimiter)
  const columns = await reader.columns()
  const rows: DataRow[] = []
  for await (const row of reader.rows()) rows.push({ line: row.line, values: [...row.values] })
  return { columns, rows }
}

async function readError(file: string): Promise<DataError> {
  const error = await readAll(file).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DataError)
  return error as DataError
}

describe('openCsvReader', () => {
  it('reads the header, then rows with 1-based line numbers', async () => {
    const file = await write('species,mass\nAdelie,3750\nGentoo,5000\n')
    expect(await readAll(file)).toEqual({
      columns: ['species', 'mass'],
      rows: [
        { line: 2, values: ['Adelie', '3750'] },
        { line: 3, values: ['Gentoo', '5000'] },
      ],
    })
  })

  it('reads a last row without a trailing newline', async () => {
    const { rows } = await readAll(await write('a,b\n1,2'))
    expect(rows).toEqual([{ line: 2, values: ['1', '2'] }])
  })

  it('turns only empty cells into null, quoted or not, and keeps everything else verbatim', async () => {
    const { rows } = await readAll(await write('a,b,c,d,e\n,"",NA, x ,null\n'))
    expect(rows[0]?.values).toEqual([null, null, 'NA', ' x ', 'null'])
  })

  it('parses quoted fields with delimiters, escaped quotes and newlines, keeping later line numbers right', async () => {
    const csv = 'name,note\n"Smith, J.","said ""hi"""\n"multi\nline\nnote",x\nlast,"a\nb"\nafter,y\n'
    const { rows } = await readAll(await write(csv))
    expect(rows).toEqual([
      { line: 2, values: ['Smith, J.', 'said "hi"'] },
      { line: 3, values: ['multi\nline\nnote', 'x'] },
      { line: 6, values: ['last', 'a\nb'] },
      { line: 8, values: ['after', 'y'] },
    ])
  })

  it('handles CRLF line ends, also inside quoted fields', async () => {
    const { columns, rows } = await readAll(await write('a,b\r\n1,"x\r\ny"\r\n3,4\r\n'))
    expect(columns).toEqual(['a', 'b'])
    expect(rows).toEqual([
      { line: 2, values: ['1', 'x\r\ny'] },
      { line: 4, values: ['3', '4'] },
    ])
  })

  it('drops a UTF-8 byte order mark from the first column name', async () => {
    const file = await write(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,v\n1,2\n')]))
    expect((await readAll(file)).columns).toEqual(['id', 'v'])
  })

  it('skips blank lines, counting them in line numbers', async () => {
    const { columns, rows } = await readAll(await write('\nid,v\n1,2\n\n\n3,4\n\n'))
    expect(columns).toEqual(['id', 'v'])
    expect(rows).toEqual([
      { line: 3, values: ['1', '2'] },
      { line: 6, values: ['3', '4'] },
    ])
  })

  it('treats stray quotes inside unquoted fields as text', async () => {
    const { rows } = await readAll(await write('h,w\n5\'10",tall\n'))
    expect(rows[0]?.values).toEqual(['5\'10"', 'tall'])
  })

  it('reports a row with the wrong number of fields with its line and text', async () => {
    const error = await readError(await write('a,b,c\n1,2,3\n"x\ny",2,3\n1,2,3,4\n'))
    expect(error.message).toBe('line 5: expected 3 fields, found 4')
    expect(error.line).toBe(5)
    expect(error.example).toBe('1,2,3,4')
  })

  it('reports too few fields too', async () => {
    const error = await readError(await write('a,b,c\n1,2\n'))
    expect(error.message).toBe('line 2: expected 3 fields, found 2')
  })

  it('reports an unterminated quote at the line where its row starts', async () => {
    const error = await readError(await write('a,b\n1,2\n3,"open\n5,6\n7,8\n'))
    expect(error.message).toBe('line 3: a quoted field is never closed')
    expect(error.line).toBe(3)
  })

  it('gives up on a runaway quote after 8 MiB instead of buffering the rest of the file', async () => {
    const rows = Array.from({ length: 500_000 }, (_, i) => `${i},some filler text`).join('\n')
    const error = await readError(await write(`a,b\n1,2\n3,"open\n${rows}\n`))
    expect(error.message).toMatch(/^line 3: a row longer than 8 MiB starts here/)
  })

  it('fails on an empty file, and on one with only blank lines', async () => {
    expect((await readError(await write(''))).message).toBe('file is empty: expected a header row')
    expect((await readError(await write('\n\n\n'))).message).toBe('file is empty: expected a header row')
    expect((await readError(await write('\r\n\r\n'))).message).toBe('file is empty: expected a header row')
  })

  it('reads a header-only file as zero rows', async () => {
    expect(await readAll(await write('a,b\n'))).toEqual({ columns: ['a', 'b'], rows: [] })
  })

  it('refuses duplicate column names', async () => {
    const error = await readError(await write('a,b,a\n1,2,3\n'))
    expect(error.message).toBe('line 1: duplicate column name "a" in the header')
  })

  it('reads TSV with a tab delimiter, where commas are ordinary characters', async () => {
    const { columns, rows } = await readAll(await write('name\tnote\nSmith, J.\t\nx\t"a\tb"\n', 'tsv'), '\t')
    expect(columns).toEqual(['name', 'note'])
    expect(rows).toEqual([
      { line: 2, values: ['Smith, J.', null] },
      { line: 3, values: ['x', 'a\tb'] },
    ])
  })

  it('lets rows() be called without columns() first', async () => {
    const reader = openCsvReader(await write('a\n1\n2\n'), ',')
    const lines: number[] = []
    for await (const row of reader.rows()) lines.push(row.line)
    expect(lines).toEqual([2, 3])
  })

  it('stops cleanly when the consumer breaks out early', async () => {
    const body = Array.from({ length: 50_000 }, (_, i) => `${i},x`).join('\n')
    const reader = openCsvReader(await write(`a,b\n${body}\n`), ',')
    let seen = 0
    for await (const _ of reader.rows()) if (++seen === 10) break
    expect(seen).toBe(10)
  })

  it('rejects with the file system error when the file does not exist', async () => {
    const reader = openCsvReader(path.join(dir, 'missing.csv'), ',')
    await expect(reader.columns()).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('detectFormat', () => {
  it('reads the format from the extension, case-insensitively', () => {
    expect(detectFormat('data/x.csv')).toBe('csv')
    expect(detectFormat('data/x.TSV')).toBe('tsv')
    expect(detectFormat('x.jsonl')).toBe('jsonl')
    expect(detectFormat('x.json')).toBe('json')
    expect(detectFormat('x.parquet')).toBe('parquet')
  })

  it('prefers an explicit format', () => {
    expect(detectFormat('data/x.txt', 'tsv')).toBe('tsv')
  })

  it('throws a DataError for an unknown extension', () => {
    expect(() => detectFormat('data/x.txt')).toThrow(DataError)
    expect(() => detectFormat('data/x')).toThrow(/cannot tell the format of data\/x from its extension/)
  })
})

describe('openDataReader', () => {
  it('opens CSV and TSV', async () => {
    const tsv = await write('a\tb\n1\t2\n', 'tsv')
    expect(await openDataReader(tsv, 'tsv').columns()).toEqual(['a', 'b'])
    expect(await openDataReader(tsv, 'csv').columns()).toEqual(['a\tb'])
  })

  it.each(['json', 'jsonl', 'parquet'] as const)('refuses %s for now', (format) => {
    expect(() => openDataReader('/nowhere', format)).toThrow(new DataError(`format '${format}' is not supported yet`))
  })
})
