import { z } from 'zod'
import type { DictionaryColumn } from '../read/batch.js'
import {
  addDictionary,
  addValue,
  checkVersion,
  cloneColumnProfile,
  type ColumnProfile,
  ColumnProfileJson,
  type ColumnProfileOptions,
  columnProfileToJSON,
  createColumnProfile,
  mergeColumnProfiles,
  parseColumnProfile,
  type RawValue,
} from './column-profile.js'

// The profile of a table: a row count and one ColumnProfile per column, in
// column order. Shards of one table (files, row ranges) merge into the profile
// of the whole.
//
// A column missing from a shard is taken to be null in every row of that
// shard: merging adds that shard's row count to the column's count and nulls.
// So every column's count always equals the table's rows, and a column that
// only appears in later files shows up as mostly missing instead of silently
// describing a subset of the rows.

export const TABLE_PROFILE_VERSION = 1

export const TableProfileJson = z
  .object({
    version: z.literal(TABLE_PROFILE_VERSION),
    rows: z.number().int().nonnegative(),
    // An array, not a record: keeps column order and is safe for any column name (even "__proto__").
    columns: z.array(z.object({ name: z.string(), profile: ColumnProfileJson })),
  })
  .superRefine((table, ctx) => {
    const seen = new Set<string>()
    table.columns.forEach(({ name, profile }, i) => {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['columns', i, 'name'], message: `column ${JSON.stringify(name)} appears twice` })
      seen.add(name)
      if (profile.count !== table.rows) {
        ctx.addIssue({ code: 'custom', path: ['columns', i, 'profile', 'count'], message: `column ${JSON.stringify(name)} has count ${profile.count} but the table has ${table.rows} rows` })
      }
    })
  })
export type TableProfileJson = z.infer<typeof TableProfileJson>

export interface TableProfile {
  rows: number
  /** Column name → profile, in column order. */
  readonly columns: Map<string, ColumnProfile>
  /** Options columns are created with (createTableProfile, addColumn). */
  readonly options: ColumnProfileOptions
}

export function createTableProfile(columns: readonly string[] = [], options: ColumnProfileOptions = {}): TableProfile {
  const table: TableProfile = { rows: 0, columns: new Map(), options: { ...options } }
  for (const name of columns) addColumn(table, name)
  return table
}

/** Adds a column that has been null in every row so far; throws if it already exists. */
export function addColumn(table: TableProfile, name: string): ColumnProfile {
  if (table.columns.has(name)) throw new Error(`table profile already has a column ${JSON.stringify(name)}`)
  const profile = createColumnProfile(table.options)
  profile.count = table.rows
  profile.nulls = table.rows
  table.columns.set(name, profile)
  return profile
}

/**
 * Profiles one row; values[i] belongs to the i-th column (in column order),
 * as in DataRow.values. Missing (or undefined) values count as null; extra values throw.
 */
export function addRow(table: TableProfile, values: ArrayLike<RawValue>): void {
  if (values.length > table.columns.size) {
    throw new Error(`row has ${values.length} values but the table profile has ${table.columns.size} columns`)
  }
  let i = 0
  for (const profile of table.columns.values()) addValue(profile, i < values.length ? (values[i++] ?? null) : null)
  table.rows++
}

/**
 * Profiles a batch of rows held column by column (a reader's RowBatch):
 * columns it names that the profile lacks are added first; a column array
 * shorter than `length` (or missing) is null past its end.
 */
export function addBatch(
  table: TableProfile,
  batch: { columns: readonly string[]; length: number; cells: ReadonlyArray<ArrayLike<RawValue | undefined>>; dictionaries?: ReadonlyArray<DictionaryColumn | undefined> },
): void {
  const { columns, length, cells, dictionaries } = batch
  for (const name of columns) if (!table.columns.has(name)) addColumn(table, name)
  for (let c = 0; c < columns.length; c++) {
    const profile = table.columns.get(columns[c]!)!
    const dictionary = dictionaries?.[c]
    if (dictionary) {
      addDictionary(profile, dictionary.values, dictionary.indexes)
      continue
    }
    const column = cells[c]
    const filled = column ? Math.min(column.length, length) : 0
    for (let r = 0; r < filled; r++) addValue(profile, column![r] ?? null)
    profile.count += length - filled
    profile.nulls += length - filled
  }
  // Columns the batch does not name were absent from its rows.
  if (columns.length < table.columns.size) {
    const named = new Set(columns)
    for (const [name, profile] of table.columns) {
      if (named.has(name)) continue
      profile.count += length
      profile.nulls += length
    }
  }
  table.rows += length
}

/** A new profile of both tables' rows: columns in a's order, then b's new ones; inputs are unchanged. */
export function mergeTableProfiles(a: TableProfile, b: TableProfile): TableProfile {
  const merged: TableProfile = { rows: a.rows + b.rows, columns: new Map(), options: { ...a.options } }
  for (const [name, profile] of a.columns) {
    const other = b.columns.get(name)
    merged.columns.set(name, other ? mergeColumnProfiles(profile, other) : withMissingRows(profile, b.rows))
  }
  for (const [name, profile] of b.columns) {
    if (!a.columns.has(name)) merged.columns.set(name, withMissingRows(profile, a.rows))
  }
  return merged
}

export function tableProfileToJSON(table: TableProfile): TableProfileJson {
  return {
    version: TABLE_PROFILE_VERSION,
    rows: table.rows,
    columns: [...table.columns].map(([name, profile]) => ({ name, profile: columnProfileToJSON(profile) })),
  }
}

/**
 * Reads a table profile from parsed JSON; throws a clear Error on a wrong version or an invalid shape.
 * `options` only apply to columns added later; parsed columns keep their own k, precision and capacity.
 */
export function parseTableProfile(json: unknown, options: ColumnProfileOptions = {}): TableProfile {
  checkVersion(json, 'table profile', TABLE_PROFILE_VERSION)
  const result = TableProfileJson.safeParse(json)
  if (!result.success) throw new Error(`invalid table profile:\n${z.prettifyError(result.error)}`)
  const table: TableProfile = { rows: result.data.rows, columns: new Map(), options: { ...options } }
  for (const { name, profile } of result.data.columns) table.columns.set(name, parseColumnProfile(profile))
  return table
}

/** A copy of `profile` with `rows` more null cells. */
function withMissingRows(profile: ColumnProfile, rows: number): ColumnProfile {
  const copy = cloneColumnProfile(profile)
  copy.count += rows
  copy.nulls += rows
  return copy
}
