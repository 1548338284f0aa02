import { extname } from 'node:path'
import type { DataEntry, DataFormat } from '../spec/schema.js'
import { DataError } from './data-error.js'
import type { DataReader } from './read/batch.js'
import { openCsvReader, type CsvOptions } from './read/csv-reader.js'
import { openJsonArrayReader, openJsonLinesReader } from './read/json-reader.js'
import { openParquetReader } from './read/parquet-reader.js'

const FORMAT_BY_EXTENSION: Record<string, DataFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.parquet': 'parquet',
}

/** The explicit format when given, else the one the file extension names. */
export function detectFormat(path: string, explicit?: DataFormat): DataFormat {
  if (explicit) return explicit
  const format = FORMAT_BY_EXTENSION[extname(path).toLowerCase()]
  if (!format) {
    throw new DataError(
      `cannot tell the format of ${path} from its extension; set format: to one of ${[...new Set(Object.values(FORMAT_BY_EXTENSION))].join(', ')}`,
    )
  }
  return format
}

export type ReadOptions = Pick<DataEntry, 'delimiter' | 'header' | 'encoding'>

/** The CSV reader's options for a `csv` or `tsv` entry. */
export function csvOptions(format: 'csv' | 'tsv', options: Partial<ReadOptions>): Partial<CsvOptions> {
  return {
    delimiter: options.delimiter ?? (format === 'tsv' ? '\t' : ','),
    ...(options.header === undefined ? {} : { header: options.header }),
    ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
  }
}

export function openDataReader(absPath: string, format: DataFormat, options: Partial<ReadOptions> = {}): DataReader {
  switch (format) {
    case 'csv':
    case 'tsv':
      return openCsvReader(absPath, csvOptions(format, options))
    case 'jsonl':
      return openJsonLinesReader(absPath)
    case 'json':
      return openJsonArrayReader(absPath)
    case 'parquet':
      return openParquetReader(absPath)
  }
}
