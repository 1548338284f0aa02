// What every reader hands the scanner: column-major batches of rows, with the
// malformed records found on the way reported beside them rather than thrown.

/** One cell as a reader produces it; `null` is missing (an empty CSV cell, a JSON null or absent key, a Parquet null). */
export type Cell = string | number | boolean | null

export type DefectKind = 'ragged' | 'quote' | 'encoding' | 'too-long' | 'syntax' | 'not-an-object' | 'truncated' | 'corrupt'

/** A record the reader could not turn into a row; it is counted and reported, and reading goes on where it can. */
export interface ReadDefect {
  kind: DefectKind
  /** 1-based line the record starts on (text formats) or 1-based row number (Parquet). */
  line: number
  /** 1-based character position in that line where the problem is, when known. */
  position?: number
  /** The column (header name) the problem is in, when known. */
  column?: string
  message: string
  /** Up to 200 characters of the offending text. */
  example?: string
}

export interface RowBatch {
  /**
   * Column names known so far, in order. Append-only over a read: a later
   * batch may add names (a JSON key seen late) but never removes or reorders.
   */
  columns: readonly string[]
  /** Rows in this batch. */
  length: number
  /** 1-based start line (text formats) or 1-based row number (Parquet) of each row. */
  lines: ArrayLike<number>
  /**
   * cells[c][r] is column c of row r. A column array shorter than `length`
   * (or missing) is null past its end: a column first seen in a later row.
   */
  cells: ReadonlyArray<ArrayLike<Cell>>
  /**
   * Columns a reader has dictionary-encoded (Parquet), by column index: the
   * same rows as cells[c], given as distinct values and one index per row, so
   * a profile can count each distinct value once. cells[c] is still there.
   */
  dictionaries?: ReadonlyArray<DictionaryColumn | undefined>
  /** Malformed records met while reading this batch; they are not among its rows. */
  defects: ReadDefect[]
  /** Bytes of the file consumed up to the end of this batch, for progress; absent when unknown. */
  bytesRead?: number
}

/** A column as distinct values and, per row, the index of its value; -1 is null. */
export interface DictionaryColumn {
  values: ArrayLike<Cell>
  indexes: Int32Array
}

/** A streaming, single-pass view of one tabular file. */
export interface DataReader {
  /** What `lines` and defect positions count: lines of text, or rows of a Parquet file. */
  readonly unit: 'line' | 'row'
  /**
   * Batches in file order, each a bounded slice of the file (memory does not
   * grow with the file). May be iterated once; breaking out early releases
   * the file. Input that cannot be read at all (empty, no header, not
   * Parquet) throws DataError.
   */
  batches(): AsyncIterable<RowBatch>
}

export const EXAMPLE_CHARS = 200

/** Cuts an example to EXAMPLE_CHARS characters. */
export function exampleText(text: string): string {
  return text.length <= EXAMPLE_CHARS ? text : `${text.slice(0, EXAMPLE_CHARS)}…`
}
