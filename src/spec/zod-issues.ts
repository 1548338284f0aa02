import type { z } from 'zod'
import { didYouMean } from './suggest.js'
import type { PathSegment } from './yaml-positions.js'

// Turns zod issues into messages that say what was expected, what was received and how to
// write it, since zod's defaults ("Invalid input") don't help someone editing YAML.

export interface SpecIssue {
  path: PathSegment[]
  /** Point at the key rather than the value (unknown or invalid keys). */
  atKey: boolean
  message: string
}

export function describeIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, input: unknown): SpecIssue[] {
  return issues.flatMap((issue) => describeIssue(issue, schema, input))
}

function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType, input: unknown): SpecIssue[] {
  const path = [...issue.path]
  const where = path.length ? `"${path.map(String).join('.')}"` : 'the file'
  const received = valueAt(input, path)
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema, path)
      return issue.keys.map((key) => ({
        path: [...path, key],
        atKey: true,
        message: `unknown key "${key}" in ${where}${didYouMean(key, known)}${known.length ? ` (expected one of: ${known.join(', ')})` : ''}`,
      }))
    }
    case 'invalid_type': {
      if (received === undefined) {
        return [{ path: path.slice(0, -1), atKey: path.length > 1, message: `missing required key ${where}: expected ${article(issue.expected)}${example(issue.expected)}` }]
      }
      return [{ path, atKey: false, message: `${where}: expected ${article(issue.expected)}, received ${describeValue(received)}${example(issue.expected)}` }]
    }
    case 'invalid_value': {
      const expected = issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
      if (received === undefined) {
        return [{ path: path.slice(0, -1), atKey: path.length > 1, message: `missing required key ${where}: expected ${expected}` }]
      }
      return [{ path, atKey: false, message: `${where}: expected ${expected}, received ${describeValue(received)}${typeof received === 'string' ? didYouMean(received, issue.values.map(String)) : ''}` }]
    }
    case 'invalid_format':
      return [{ path, atKey: false, message: `${where}: expected ${issue.message.startsWith('Invalid') ? `a valid ${issue.format}` : issue.message}, received ${describeValue(received)}` }]
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? (issue.inclusive === false ? 'greater than' : 'at least') : issue.inclusive === false ? 'less than' : 'at most'
      const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum
      const what = issue.origin === 'array' ? plural(Number(limit), 'entry', 'entries') : issue.origin === 'string' ? plural(Number(limit), 'character', 'characters') : ''
      const got = Array.isArray(received) ? `${received.length} ${plural(received.length, 'entry', 'entries')}` : describeValue(received)
      return [{ path, atKey: false, message: `${where}: expected ${bound} ${String(limit)}${what ? ` ${what}` : ''}, received ${got}` }]
    }
    case 'invalid_key': {
      const parent = path.length > 1 ? `"${path.slice(0, -1).map(String).join('.')}"` : 'the file'
      return [{ path, atKey: true, message: `invalid name "${String(path.at(-1))}" in ${parent}: expected ${issue.issues.map((i) => i.message).join('; ')}` }]
    }
    case 'invalid_union': {
      // Each alternative refused the type: list the types it would accept.
      const expected = [...new Set(issue.errors.flatMap((alt) => alt.flatMap((i) => (i.code === 'invalid_type' && i.path.length === 0 ? [i.expected === 'boolean' ? 'a boolean' : article(i.expected)] : []))))]
      if (expected.length < 2) return [{ path, atKey: false, message: `${where}: received ${describeValue(received)}, which matches none of the allowed forms` }]
      return [{ path, atKey: false, message: `${where}: expected ${expected.slice(0, -1).join(', ')} or ${expected.at(-1)!}, received ${describeValue(received)}` }]
    }
    case 'invalid_element':
      return issue.issues.flatMap((inner) => describeIssue({ ...inner, path: [...path, issue.key as PathSegment, ...inner.path] } as z.core.$ZodIssue, schema, input))
    default:
      return [{ path, atKey: false, message: `${where}: ${issue.message}` }]
  }
}

function valueAt(input: unknown, path: readonly PathSegment[]): unknown {
  let value = input
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<PathSegment, unknown>)[segment]
  }
  return value
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  const text = JSON.stringify(value) ?? String(value)
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`
}

function article(expected: string): string {
  const names: Record<string, string> = { array: 'a list', object: 'a mapping', record: 'a mapping', string: 'a string', number: 'a number', boolean: 'true or false' }
  return names[expected] ?? expected
}

function example(expected: string): string {
  const examples: Record<string, string> = { array: ', e.g. [a, b]', object: ', e.g. { key: value }', record: ', e.g. { key: value }' }
  return examples[expected] ?? ''
}

/** Keys an object schema accepts at `path`, to suggest near misses. */
function knownKeys(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let node: unknown = schema
  for (const segment of [...path, undefined]) {
    node = unwrap(node)
    const def = defOf(node)
    if (segment === undefined) return def?.type === 'object' ? Object.keys(def.shape as object) : []
    if (def?.type === 'object') node = (def.shape as Record<string, unknown>)[String(segment)]
    else if (def?.type === 'record') node = def.valueType
    else if (def?.type === 'array') node = def.element
    else return []
  }
  return []
}

function unwrap(node: unknown): unknown {
  let current = node
  for (let def = defOf(current); def; def = defOf(current)) {
    if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'].includes(def.type)) current = def.innerType
    else if (def.type === 'pipe') current = def.in
    else break
  }
  return current
}

function defOf(node: unknown): { type: string; [k: string]: unknown } | undefined {
  return (node as { _zod?: { def?: { type: string } } } | undefined)?._zod?.def as never
}
