import { extname } from 'node:path'
import type { z } from 'zod'
import type { DataFormat as DataFormatSchema } from '../spec/schema.js'
import { openCsvReader } from './csv-reader.js'
import { DataError } from './data-error.js'

export type DataFormat = z.infer<typeof DataFormatSchema>

/** One data row; `values[i]` is the cell of `columns()[i]`, `null` when the cell is empty. */
export interface DataRow {
  /** 1-based physical line where the row starts (the header of a CSV is line 1). */
  line: number
  values: ReadonlyArray<string | null>
}

/**
 * A streaming, single-pass view of a tabular file. Bad input is reported by
 * throwing DataError from columns() or from the iteration of rows().
 */
export interface DataReader {
  /** Column names in file order, without duplicates; reads no further than the header. */
  columns(): Promise<string[]>
  /** Data rows in file order; may be iterated once. Breaking out early releases the file. */
  rows(): AsyncIterable<DataRow>
}


const FORMAT_BY_EXTENSION: Record<string, DataFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.jsonl': 'jsonl',
  '.json': 'json',
  '.parquet': 'parquet',
}

/** The explicit format when given, else the one the file extension names. */
export function detectFormat(path: string, explicit?: DataFormat): DataFormat {
  if (explicit) return explicit
  const format = FORMAT_BY_EXTENSION[extname(path).toLowerCase()]
  if (!format) {
    throw new DataError(
      `cannot tell the format of ${path} from its extension; set format: to one of ${Object.values(FORMAT_BY_EXTENSION).join(', ')}`,
    )
  }
  return format
}

export function openDataReader(absPath: string, format: DataFormat): DataReader {
  switch (format) {
    case 'csv':
      return openCsvReader(absPath, ',')
    case 'tsv':
      return openCsvReader(absPath, '\t')
    case 'json':
    case 'jsonl':
    case 'parquet':
      throw new DataError(`format '${format}' is not supported yet`)
  }
}

