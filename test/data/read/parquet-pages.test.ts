import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { Bool, Field, Int32, List, Struct, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow'
import { parquetMetadata, parquetSchema } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { parquetWriteBuffer } from 'hyparquet-writer'
import * as arrowRs from 'parquet-wasm/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countUpTo } from '../profile/rank.js'
import { xorshift } from '../profile/xorshift.js'
import { columnProfileToJSON } from '../../../src/data/profile/column-profile.js'
import { addBatch, createTableProfile, type TableProfile } from '../../../src/data/profile/table-profile.js'
import type { Cell, ReadDefect } from '../../../src/data/read/batch.js'
import { chunkDecoder, readFlatChunk } from '../../../src/data/read/parquet-chunk.js'
import { openParquetReader, type ParquetReaderOptions } from '../../../src/data/read/parquet-reader.js'
import { conversionFor, toCells } from '../../../src/data/read/parquet-values.js'
import { VEGA_DATASETS } from '../../helpers/vega-datasets.js'

// The page decoder (parquet-chunk.ts) against hyparquet's own reader on the
// same files: every cell must agree. Files come from three writers with
// different habits: hyparquet-writer (V2 data pages), DuckDB (V1 pages, or V2
// on request) and the Apache Arrow Rust writer through parquet-wasm (the
// writer family of pyarrow and Spark: dictionaries that fall back to plain
// pages mid-chunk, delta encodings). Then garbled files: each read must end,
// with defects.

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parquet-pages-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

interface Read {
  columns: string[]
  /** cells[c][r] */
  cells: Cell[][]
  /** Per column, whether any batch carried it dictionary-encoded. */
  encoded: boolean[]
}

async function readAll(file: string, decode: ParquetReaderOptions['decode']): Promise<Read> {
  const out: Read = { columns: [], cells: [], encoded: [] }
  for await (const batch of openParquetReader(file, { decode }).batches()) {
    expect(batch.defects).toEqual([])
    out.columns = [...batch.columns]
    batch.columns.forEach((_, c) => {
      out.encoded[c] ||= batch.dictionaries?.[c] !== undefined
      const column = (out.cells[c] ??= [])
      const cells = batch.cells[c]
      for (let r = 0; r < batch.length; r++) column.push(cells?.[r] ?? null)
    })
  }
  return out
}

async function expectSameAsHyparquet(file: string): Promise<Read> {
  const pages = await readAll(file, 'pages')
  const reference = await readAll(file, 'hyparquet')
  expect(pages.columns).toEqual(reference.columns)
  reference.cells.forEach((expected, c) => {
    const actual = pages.cells[c]!
    expect(actual.length).toBe(expected.length)
    // The first difference, not a diff of millions of cells.
    const row = expected.findIndex((cell, r) => !Object.is(actual[r], cell))
    expect(row === -1 ? undefined : { column: pages.columns[c], row, cell: actual[row] }).toEqual(row === -1 ? undefined : { column: pages.columns[c], row, cell: expected[row] })
  })
  return pages
}

const n = 2500
const ints = Array.from({ length: n }, (_, i) => (i % 7 === 3 ? null : (i * 37) % 101))
const words = Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : `w${(i * 13) % 40}`))
const unique = Array.from({ length: n }, (_, i) => `row ${i} ünï`)
const floats = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : i / 8 - 100))
const bigs = Array.from({ length: n }, (_, i) => (i % 9 === 0 ? null : BigInt(i % 50) * 10n ** 12n - 3n))
const flags = Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : i % 3 === 0))
const stamps = Array.from({ length: n }, (_, i) => (i % 17 === 0 ? null : new Date(Date.UTC(2024, 0, 1 + (i % 30), i % 24))))

type ColumnData = Parameters<typeof parquetWriteBuffer>[0]['columnData']

async function writeHyparquet(name: string, columnData: ColumnData, options: { rowGroupSize?: number; pageSize?: number; codec?: 'SNAPPY' | 'UNCOMPRESSED' } = {}): Promise<string> {
  const file = path.join(dir, name)
  await writeFile(file, Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize: options.rowGroupSize ?? 1000, pageSize: options.pageSize, codec: options.codec })))
  return file
}

/** `query`'s rows written by DuckDB with these COPY options (e.g. "COMPRESSION zstd, PARQUET_VERSION v2"). */
async function writeDuckdb(name: string, query: string, options = ''): Promise<string> {
  const file = path.join(dir, name)
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    await connection.run(`COPY (${query}) TO '${file}' (FORMAT parquet${options ? `, ${options}` : ''})`)
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
  return file
}

/** An Arrow table written by the Apache Arrow Rust writer (parquet-wasm) with these properties. */
async function writeArrowRs(name: string, table: Table, configure: (builder: arrowRs.WriterPropertiesBuilder) => arrowRs.WriterPropertiesBuilder): Promise<string> {
  const file = path.join(dir, name)
  // Columns named id and ratio go out DELTA_BINARY_PACKED and BYTE_STREAM_SPLIT, so both decoders are in every file.
  const builder = configure(new arrowRs.WriterPropertiesBuilder())
    .setColumnDictionaryEnabled('id', false)
    .setColumnEncoding('id', arrowRs.Encoding.DELTA_BINARY_PACKED)
    .setColumnDictionaryEnabled('ratio', false)
    .setColumnEncoding('ratio', arrowRs.Encoding.BYTE_STREAM_SPLIT)
  const bytes = arrowRs.writeParquet(arrowRs.Table.fromIPCStream(tableToIPC(table, 'stream')), builder.build())
  await writeFile(file, bytes)
  return file
}

describe('the Parquet page decoder', () => {
  it('reads hyparquet-writer files (V2 pages) exactly as hyparquet does, keeping dictionary columns encoded', async () => {
    const columns: ColumnData = [
      { name: 'int', data: ints, type: 'INT32', encoding: 'RLE_DICTIONARY' },
      { name: 'word', data: words, type: 'STRING', encoding: 'RLE_DICTIONARY' },
      { name: 'unique', data: unique, type: 'STRING', encoding: 'PLAIN' },
      { name: 'float', data: floats, type: 'DOUBLE' },
      { name: 'big', data: bigs, type: 'INT64', encoding: 'RLE_DICTIONARY' },
      { name: 'flag', data: flags, type: 'BOOLEAN' },
      { name: 'stamp', data: stamps, type: 'TIMESTAMP', encoding: 'RLE_DICTIONARY' },
      { name: 'required', data: Array.from({ length: n }, (_, i) => i % 4), type: 'INT32', nullable: false, encoding: 'RLE_DICTIONARY' },
    ]
    for (const [name, options] of [
      ['snappy', {}],
      ['uncompressed', { codec: 'UNCOMPRESSED' as const }],
      // Many small pages per chunk, and a row group that ends mid-page-run.
      ['small-pages', { pageSize: 256, rowGroupSize: 777 }],
    ] as const) {
      const read = await expectSameAsHyparquet(await writeHyparquet(`${name}.parquet`, columns, options))
      expect(read.cells[0]!.length).toBe(n)
      expect(read.columns.filter((_, c) => read.encoded[c])).toEqual(['int', 'word', 'big', 'stamp', 'required'])
    }
  })

  it('reads DuckDB files (V1 and V2 pages, ZSTD, Snappy, none) exactly as hyparquet does', async () => {
    const query = `SELECT i, (i * 37) % 101 AS small, CASE WHEN i % 7 = 3 THEN NULL ELSE 'c' || (i % 40) END AS category,
      'unique ' || i AS label, CASE WHEN i % 5 = 0 THEN NULL ELSE i / 8 END AS ratio, i % 3 = 0 AS flag,
      TIMESTAMP '2024-01-01' + INTERVAL (i % 500) MINUTE AS at, DATE '2020-02-28' + (i % 10)::INTEGER AS day,
      CAST(i % 97 AS DECIMAL(9, 2)) / 4 AS price
      FROM range(30000) t(i)`
    for (const options of ['COMPRESSION zstd', 'COMPRESSION snappy, PARQUET_VERSION v2', 'COMPRESSION uncompressed, ROW_GROUP_SIZE 4096']) {
      const read = await expectSameAsHyparquet(await writeDuckdb(`duckdb-${options.replace(/\W+/g, '-')}.parquet`, query, options))
      expect(read.cells[0]!.length).toBe(30000)
      // DuckDB dictionary-encodes the low-cardinality columns.
      expect(read.encoded[read.columns.indexOf('category')]).toBe(true)
    }
  })

  it('reads Apache Arrow Rust writer files (V1 and V2, every codec, dictionary fallback, delta encodings) exactly as hyparquet does', async () => {
    const rows = 12_000
    const lists = Array.from({ length: rows }, (_, i) => (i % 8 === 0 ? null : Array.from({ length: i % 4 }, (_, k) => i + k)))
    const table = new Table({
      id: vectorFromArray(Int32Array.from({ length: rows }, (_, i) => i)),
      big: vectorFromArray(BigInt64Array.from({ length: rows }, (_, i) => BigInt(i % 300) * 10_000_000_000n)),
      ratio: vectorFromArray(Float64Array.from({ length: rows }, (_, i) => i / 7)),
      // Few values, then many: the dictionary outgrows its page limit and the chunk falls back to plain pages.
      word: vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 11 === 0 ? null : i < rows / 2 ? `w${i % 40}` : `word number ${i}`)), new Utf8()),
      flag: vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 13 === 0 ? null : i % 3 === 0)), new Bool()),
      at: vectorFromArray(Array.from({ length: rows }, (_, i) => new Date(Date.UTC(2024, 0, 1, 0, i % 1440)))),
      list: vectorFromArray(lists, new List(new Field('item', new Int32(), true))),
      point: vectorFromArray(Array.from({ length: rows }, (_, i) => ({ x: i % 9, ok: i % 2 === 0 })), new Struct([new Field('x', new Int32(), true), new Field('ok', new Bool(), true)])),
    })
    const codecs = [arrowRs.Compression.SNAPPY, arrowRs.Compression.ZSTD, arrowRs.Compression.GZIP, arrowRs.Compression.BROTLI, arrowRs.Compression.LZ4_RAW, arrowRs.Compression.UNCOMPRESSED]
    for (const [i, codec] of codecs.entries()) {
      for (const version of [arrowRs.WriterVersion.V1, arrowRs.WriterVersion.V2]) {
        const file = await writeArrowRs(`arrow-rs-${i}-${version}.parquet`, table, (builder) =>
          builder
            .setCompression(codec)
            .setWriterVersion(version)
            .setMaxRowGroupSize(5000)
            .setDataPageSizeLimit(4096)
            .setDictionaryPageSizeLimit(1024),

        )
        const read = await expectSameAsHyparquet(file)
        expect(read.cells[0]!.length).toBe(rows)
        expect(read.cells[read.columns.indexOf('list')]!.slice(0, 4)).toEqual([null, '[1]', '[2,3]', '[3,4,5]'])
        expect(read.cells[read.columns.indexOf('point')]![3]).toBe('{"x":3,"ok":false}')
      }
    }
    // The fallback happened: the second row group's string chunk has dictionary pages, then plain ones.
    const metadata = parquetMetadata(new Uint8Array(await readFile(path.join(dir, 'arrow-rs-0-0.parquet'))).buffer)
    const word = metadata.row_groups[1]!.columns.find((chunk) => chunk.meta_data?.path_in_schema[0] === 'word')!.meta_data!
    const dataPages = word.encoding_stats?.filter((stats) => stats.page_type === 'DATA_PAGE').map((stats) => stats.encoding)
    expect(dataPages).toEqual(expect.arrayContaining(['RLE_DICTIONARY', 'PLAIN']))
  }, 60_000)

  it('reads nested columns (lists, structs, maps, lists of lists) exactly as hyparquet does', async () => {
    const query = `SELECT i,
      CASE WHEN i % 5 = 0 THEN NULL ELSE [i, i + 1, NULL][1:(i % 4)] END AS numbers,
      ['a' || (i % 7), NULL, 'b'][1:(i % 3)] AS words,
      CASE WHEN i % 6 = 0 THEN NULL ELSE {'x': i % 10, 'tag': 't' || (i % 3), 'inner': [i % 2]} END AS point,
      MAP {'k' || (i % 4): i} AS lookup,
      [[i % 3], [], [i, NULL]][1:(i % 4)] AS nested,
      CASE WHEN i % 9 = 0 THEN NULL ELSE 'flat ' || (i % 50) END AS flat
      FROM range(5000) t(i)`
    for (const options of ['COMPRESSION zstd', 'COMPRESSION snappy, PARQUET_VERSION v2, ROW_GROUP_SIZE 2048']) {
      const read = await expectSameAsHyparquet(await writeDuckdb(`nested-${options.replace(/\W+/g, '-')}.parquet`, query, options))
      expect(read.cells[0]!.length).toBe(5000)
      // Nested values are their JSON text.
      expect(read.cells[read.columns.indexOf('numbers')]!.slice(0, 4)).toEqual([null, '[1]', '[2,3]', '[3,4,null]'])
      expect(read.cells[read.columns.indexOf('point')]![1]).toBe('{"x":1,"tag":"t1","inner":[1]}')
    }
  })

  it('writes timestamps as ISO text to the written precision, before and after 1970', async () => {
    const file = await writeDuckdb('timestamps.parquet', `SELECT * FROM (VALUES
        (TIMESTAMP '2024-05-06 07:08:09.123456', TIMESTAMP_NS '2024-05-06 07:08:09.123456789', TIMESTAMP_MS '2024-05-06 07:08:09.5'),
        (TIMESTAMP '1969-12-31 23:59:59.999999', TIMESTAMP_NS '1969-12-31 23:59:59.000000001', TIMESTAMP_MS '1969-12-31 23:59:59.999'),
        (TIMESTAMP '1900-01-01 00:00:00', TIMESTAMP_NS '2262-04-11 23:47:16.854775', TIMESTAMP_MS '9999-12-31 23:59:59.999')
      ) t(us, ns, ms)`)
    const read = await expectSameAsHyparquet(file)
    expect(read.cells).toEqual([
      ['2024-05-06T07:08:09.123456Z', '1969-12-31T23:59:59.999999Z', '1900-01-01T00:00:00.000Z'],
      ['2024-05-06T07:08:09.123456789Z', '1969-12-31T23:59:59.000000001Z', '2262-04-11T23:47:16.854775000Z'],
      ['2024-05-06T07:08:09.500Z', '1969-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ])
  })

  it('reads flights-3m.parquet (ZSTD, dictionary-encoded) exactly as hyparquet does', async () => {
    const read = await expectSameAsHyparquet(path.join(VEGA_DATASETS, 'data', 'flights-3m.parquet'))
    expect(read.cells[0]!.length).toBe(3_000_000)
    expect(read.encoded).toEqual([true, true, true, true, true])
  }, 60_000)

  it('turns a chunk into cells when its pages leave the dictionary for plain encoding (as parquet-mr and Arrow do)', async () => {
    // One chunk of dictionary pages followed by one of plain pages: a writer whose dictionary grew too big.
    const first = words.slice(0, 1000)
    const second = words.slice(1000, 2000)
    const dictionaryFile = parquetWriteBuffer({ columnData: [{ name: 'word', data: first, type: 'STRING', encoding: 'RLE_DICTIONARY' }], pageSize: 300 })
    const plainFile = parquetWriteBuffer({ columnData: [{ name: 'word', data: second, type: 'STRING', encoding: 'PLAIN' }], pageSize: 300 })
    const chunkOf = (buffer: ArrayBuffer) => {
      const metadata = parquetMetadata(buffer)
      const meta = metadata.row_groups[0]!.columns[0]!.meta_data!
      const start = Number(meta.dictionary_page_offset || meta.data_page_offset)
      return { bytes: new Uint8Array(buffer, start, Number(meta.total_compressed_size)), metadata, meta }
    }
    const a = chunkOf(dictionaryFile)
    const b = chunkOf(plainFile)
    const bytes = new Uint8Array(a.bytes.length + b.bytes.length)
    bytes.set(a.bytes, 0)
    bytes.set(b.bytes, a.bytes.length)
    const tree = parquetSchema(a.metadata)
    const conversion = conversionFor(tree.children[0]!)
    const decoder = chunkDecoder(tree, a.meta, compressors, (values) => toCells(values, conversion))
    const chunk = readFlatChunk(bytes, decoder, 2000)
    expect('cells' in chunk).toBe(true)
    expect(Array.from((chunk as { cells: ArrayLike<Cell> }).cells)).toEqual([...first, ...second])
    // The dictionary part alone stays encoded.
    const encoded = readFlatChunk(a.bytes, decoder, 1000)
    expect('indexes' in encoded).toBe(true)
  })

  it('builds a dictionary column\'s cells only when something reads them', async () => {
    const file = await writeHyparquet('lazy.parquet', [{ name: 'word', data: words, type: 'STRING', encoding: 'RLE_DICTIONARY' }])
    for await (const batch of openParquetReader(file).batches()) {
      const descriptor = Object.getOwnPropertyDescriptor(batch.cells, 0)!
      expect(descriptor.get).toBeTypeOf('function')
      const cells = batch.cells[0]!
      expect(batch.cells[0]).toBe(cells) // built once
      expect(Array.from(cells)).toEqual(Array.from(batch.dictionaries![0]!.indexes, (index) => (index < 0 ? null : batch.dictionaries![0]!.values[index])))
    }
  })

  it('profiles dictionary columns by distinct value: exact fields as per cell, moments to rounding, quantiles within the sketch error', async () => {
    const file = path.join(VEGA_DATASETS, 'data', 'flights-3m.parquet')
    const numeric: Record<string, number[]> = { delay: [], distance: [] }
    const profile = async (decode: ParquetReaderOptions['decode']): Promise<TableProfile> => {
      const table = createTableProfile()
      for await (const batch of openParquetReader(file, { decode }).batches()) {
        addBatch(table, batch)
        if (decode !== 'hyparquet') continue
        // Every value of the numeric columns, for the exact quantiles.
        for (const [name, values] of Object.entries(numeric)) {
          const column = batch.cells[batch.columns.indexOf(name)]!
          for (let r = 0; r < batch.length; r++) values.push(column[r] as number)
        }
      }
      return table
    }
    const encoded = await profile('pages')
    const cells = await profile('hyparquet')
    expect(encoded.rows).toBe(cells.rows)
    for (const [name, expected] of cells.columns) {
      const actual = columnProfileToJSON(encoded.columns.get(name)!)
      const reference = columnProfileToJSON(expected)
      expect({ name, count: actual.count, nulls: actual.nulls, types: actual.types, distinct: actual.distinct }).toEqual({ name, count: reference.count, nulls: reference.nulls, types: reference.types, distinct: reference.distinct })
      expect([actual.numeric.min, actual.numeric.max, actual.numeric.count]).toEqual([reference.numeric.min, reference.numeric.max, reference.numeric.count])
      expect(actual.numeric.mean).toBeCloseTo(reference.numeric.mean, 8)
      expect(actual.numeric.m2 / (reference.numeric.m2 || 1)).toBeCloseTo(reference.numeric.m2 === 0 ? 0 : 1, 10)
      expect(actual.textLength).toMatchObject({ count: reference.textLength.count, min: reference.textLength.min, max: reference.textLength.max })
      expect(actual.top.total).toBe(reference.top.total)
      if (reference.top.exact) expect(actual.top).toEqual(reference.top)
      expect([actual.quantiles.n, actual.quantiles.min, actual.quantiles.max]).toEqual([reference.quantiles.n, reference.quantiles.min, reference.quantiles.max])
    }
    // Quantiles against the exact ones, from every value of the numeric columns.
    for (const [name, values] of Object.entries(numeric)) {
      const sorted = Float64Array.from(values).sort()
      const sketch = encoded.columns.get(name)!.quantiles
      for (const q of [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) {
        const estimate = sketch.quantile(q)
        // Rank error: where the estimate falls among the exact values (ties span a range of ranks).
        const below = countUpTo(sorted, estimate, false) / sorted.length
        const upTo = countUpTo(sorted, estimate) / sorted.length
        const error = q < below ? below - q : q > upTo ? q - upTo : 0
        expect(error, `${name} q=${q}`).toBeLessThanOrEqual(0.01)
      }
    }
  }, 120_000)
})

describe('garbled Parquet pages', () => {
  // Random bytes overwritten in the column chunks of files from the three writers (the footer stays
  // intact, so the file opens). hyparquet's own reader spun for minutes on some of these.
  it('end every read with the rows that decode and a located defect for the rest, never a hang or a crash', async () => {
    const duckdbFile = await writeDuckdb(
      'fuzz-duckdb.parquet',
      `SELECT i, CASE WHEN i % 7 = 3 THEN NULL ELSE 'c' || (i % 40) END AS category, i / 8 AS ratio, i % 3 = 0 AS flag,
        [i, NULL][1:(i % 3)] AS list, {'x': i % 5, 'y': [i % 2]} AS point FROM range(3000) t(i)`,
      'ROW_GROUP_SIZE 1024, COMPRESSION uncompressed, PARQUET_VERSION v2',
    )
    const sources = [
      await readFile(await writeHyparquet('fuzz-hyparquet.parquet', [
        { name: 'int', data: ints, type: 'INT32', encoding: 'RLE_DICTIONARY' },
        { name: 'word', data: words, type: 'STRING', encoding: 'RLE_DICTIONARY' },
        { name: 'float', data: floats, type: 'DOUBLE' },
        { name: 'flag', data: flags, type: 'BOOLEAN' },
      ], { rowGroupSize: 700, pageSize: 500 })),
      await readFile(duckdbFile),
      await readFile(
        await writeArrowRs(
          'fuzz-arrow-rs.parquet',
          new Table({
            id: vectorFromArray(Int32Array.from({ length: 3000 }, (_, i) => i * 3)),
            ratio: vectorFromArray(Float64Array.from({ length: 3000 }, (_, i) => i / 7)),
            word: vectorFromArray(Array.from({ length: 3000 }, (_, i) => (i % 11 === 0 ? null : i < 1500 ? `w${i % 40}` : `word ${i}`)), new Utf8()),
            list: vectorFromArray(Array.from({ length: 3000 }, (_, i) => Array.from({ length: i % 3 }, (_, k) => k)), new List(new Field('item', new Int32(), true))),
          }),
          (builder) =>
            builder
              .setCompression(arrowRs.Compression.UNCOMPRESSED)
              .setMaxRowGroupSize(1000)
              .setDictionaryPageSizeLimit(512),

        ),
      ),
    ]
    const random = xorshift(12345)
    const outcomes = { clean: 0, defects: 0 }
    const file = path.join(dir, 'garbled.parquet')
    for (let trial = 0; trial < 450; trial++) {
      const source = sources[trial % sources.length]!
      const bytes = Buffer.from(source)
      const dataEnd = bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8)
      for (let flips = 1 + Math.floor(random() * 6); flips > 0; flips--) bytes[4 + Math.floor(random() * (dataEnd - 4))] = Math.floor(random() * 256)
      await writeFile(file, bytes)
      const started = performance.now()
      let rows = 0
      const defects: ReadDefect[] = []
      for await (const batch of openParquetReader(file).batches()) {
        rows += batch.length
        defects.push(...batch.defects)
        // Reading every cell builds the dictionary columns' cells too.
        batch.columns.forEach((_, c) => Array.from(batch.cells[c] ?? []))
      }
      expect(performance.now() - started, `trial ${trial}`).toBeLessThan(2000)
      for (const defect of defects) expect(defect.message).toMatch(/^rows \d+–\d+ \(row group \d+\) cannot be read: ./)
      expect(rows + defects.length, `trial ${trial}`).toBeGreaterThan(0)
      outcomes[defects.length > 0 ? 'defects' : 'clean']++
    }
    // Most garbling is caught (some lands in values, which just read differently).
    expect(outcomes.defects).toBeGreaterThan(150)
  }, 120_000)
})
