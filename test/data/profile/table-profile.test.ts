import { describe, expect, it } from 'vitest'
import { columnProfileToJSON, type RawValue } from '../../../src/data/profile/column-profile.js'
import {
  addColumn,
  addRow,
  createTableProfile,
  mergeTableProfiles,
  parseTableProfile,
  type TableProfile,
  tableProfileToJSON,
} from '../../../src/data/profile/table-profile.js'

function tableOf(columns: string[], rows: RawValue[][]): TableProfile {
  const table = createTableProfile(columns)
  for (const row of rows) addRow(table, row)
  return table
}

function column(table: TableProfile, name: string) {
  const profile = table.columns.get(name)
  if (!profile) throw new Error(`no column ${name}`)
  return profile
}

describe('table profiles', () => {
  it('profiles rows by position, short rows padded with nulls', () => {
    const table = tableOf(['id', 'name'], [['1', 'ann'], ['2', ''], ['3']])
    expect(table.rows).toBe(3)
    expect([...table.columns.keys()]).toEqual(['id', 'name'])
    expect(column(table, 'id').types.integer).toBe(3)
    expect(column(table, 'name').nulls).toBe(2)
    expect(() => addRow(table, ['4', 'bob', 'extra'])).toThrow(/3 values but the table profile has 2 columns/)
  })

  it('merges shards with the same columns into the profile of the whole', () => {
    const rows: RawValue[][] = Array.from({ length: 5_000 }, (_, i) => [String(i), i % 7 === 0 ? null : `c${i % 5}`])
    const whole = tableOf(['id', 'cat'], rows)
    const merged = mergeTableProfiles(tableOf(['id', 'cat'], rows.slice(0, 1_234)), tableOf(['id', 'cat'], rows.slice(1_234)))
    expect(merged.rows).toBe(5_000)
    const [m, w] = [columnProfileToJSON(column(merged, 'cat')), columnProfileToJSON(column(whole, 'cat'))]
    expect(m).toEqual(w) // all text, few values: every field is exact
    expect(column(merged, 'id').numeric.max).toBe(4_999)
  })

  it('counts a column missing from a shard as null in all of that shard’s rows', () => {
    const a = tableOf(['id', 'old'], [['1', 'x'], ['2', 'y']])
    const b = tableOf(['id', 'new'], [['3', 'p'], ['4', 'q'], ['5', 'r']])
    const merged = mergeTableProfiles(a, b)
    expect([...merged.columns.keys()]).toEqual(['id', 'old', 'new'])
    expect(merged.rows).toBe(5)
    for (const profile of merged.columns.values()) expect(profile.count).toBe(5)
    expect(column(merged, 'old').nulls).toBe(3)
    expect(column(merged, 'new').nulls).toBe(2)
    expect(column(merged, 'new').top.top()).toHaveLength(3)
    expect(column(a, 'old').count).toBe(2) // inputs unchanged
  })

  it('adds a late column as null in the rows already seen', () => {
    const table = tableOf(['a'], [['1'], ['2']])
    addColumn(table, 'b')
    addRow(table, ['3', 'x'])
    expect(column(table, 'b').count).toBe(3)
    expect(column(table, 'b').nulls).toBe(2)
    expect(() => addColumn(table, 'a')).toThrow(/already has a column "a"/)
  })

  it('round-trips through versioned JSON, column order and odd names included', () => {
    const table = tableOf(['z', '__proto__', 'a'], [['1', 'x', 'true'], ['', 'y', '2024-01-01']])
    const json = JSON.parse(JSON.stringify(tableProfileToJSON(table)))
    expect(json.version).toBe(1)
    const restored = parseTableProfile(json)
    expect([...restored.columns.keys()]).toEqual(['z', '__proto__', 'a'])
    expect(tableProfileToJSON(restored)).toEqual(tableProfileToJSON(table))
  })

  it('rejects a wrong version and inconsistent tables with clear messages', () => {
    const json = tableProfileToJSON(tableOf(['a', 'b'], [['1', '2']]))
    expect(() => parseTableProfile({ ...json, version: 3 })).toThrow('table profile version 3 is not supported; this build reads version 1')
    expect(() => parseTableProfile({ ...json, rows: 2 })).toThrow(/column "a" has count 1 but the table has 2 rows/)
    expect(() => parseTableProfile({ ...json, columns: [json.columns[0], json.columns[0]] })).toThrow(/appears twice/)
    const badColumn = { ...json, columns: [{ name: 'a', profile: { ...json.columns[0]!.profile, version: 2 } }] }
    expect(() => parseTableProfile(badColumn)).toThrow(/invalid table profile/)
  })
})
