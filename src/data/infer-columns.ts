import { Document, type YAMLMap } from 'yaml'
import type { ColumnSpec } from '../spec/schema.js'
import type { ColumnProfile } from './profile/column-profile.js'
import type { TableProfile } from './profile/table-profile.js'

// `mlops infer`: a `columns:` block proposed from a profile, as TFDV's
// infer_schema and pandera's infer_schema do. It states only what the data
// shows for sure (types by count, nulls, observed ranges, small value sets);
// the user tightens it.

/** Text columns with at most this many distinct values get `type: category` and `values:`. */
export const MAX_CATEGORY_VALUES = 20

type Proposed = Partial<Pick<ColumnSpec, 'type' | 'nullable' | 'values' | 'min' | 'max' | 'unique'>>

export function inferColumn(profile: ColumnProfile): Proposed {
  const proposed: Proposed = {}
  const { types } = profile
  const values = profile.count - profile.nulls
  if (values === 0) return { nullable: true }
  const numeric = types.integer + types.number
  if (types.integer === values) proposed.type = 'integer'
  else if (numeric === values) proposed.type = 'number'
  else if (types.boolean === values) proposed.type = 'boolean'
  else if (types.date === values) proposed.type = 'date'
  else if (types.date + types.datetime === values) proposed.type = 'datetime'
  proposed.nullable = profile.nulls > 0
  if (proposed.type === 'integer' || proposed.type === 'number') {
    proposed.min = profile.numeric.min
    proposed.max = profile.numeric.max
  }
  const top = profile.top
  if (proposed.type === undefined && top.exact) {
    // Exact counts over every text value: the value set and uniqueness are known, not estimated.
    const items = top.top(MAX_CATEGORY_VALUES + 1)
    if (items.length <= MAX_CATEGORY_VALUES && items.length < values) {
      proposed.type = 'category'
      proposed.values = items.map((item) => item.value).sort()
    } else {
      proposed.type = 'string'
    }
    if (values > 1 && top.size === values) proposed.unique = true
  }
  // Key order as a person writes it: type first.
  const { type, nullable, values: allowed, min, max, unique } = proposed
  return { ...(type ? { type } : {}), nullable, ...(allowed ? { values: allowed } : {}), ...(min === undefined ? {} : { min, max }), ...(unique ? { unique } : {}) }
}

/** The YAML to paste under a data entry: a `columns:` mapping with one line per column. */
export function inferColumnsYaml(table: TableProfile, source: string): string {
  const doc = new Document({ columns: {} })
  const columns = doc.get('columns') as YAMLMap
  for (const [name, profile] of table.columns) {
    const node = doc.createNode(inferColumn(profile))
    // Flow style keeps one column per line, as the README's examples are written.
    node.flow = true
    columns.add(doc.createPair(name, node))
  }
  doc.commentBefore = ` Proposed by "mlops infer" from ${source} (${table.rows.toLocaleString('en-US')} rows); review before use.`
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true })
}
