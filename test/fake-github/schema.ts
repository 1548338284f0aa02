// A small validator for the OpenAPI 3.0 subset of JSON Schema that GitHub's description uses
// (type, nullable, enum, properties, required, additionalProperties, items, oneOf/anyOf/allOf,
// min/max length, min/max items, maxProperties, minimum/maximum, date-time), and a "completer"
// that fills the required fields the fake does not model with type-correct placeholders.

export interface Schema {
  type?: string | string[]
  nullable?: boolean
  enum?: unknown[]
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean | Schema
  items?: Schema
  oneOf?: Schema[]
  anyOf?: Schema[]
  allOf?: Schema[]
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
  maxProperties?: number
  minimum?: number
  maximum?: number
  format?: string
  default?: unknown
}

export interface ValidateOptions {
  /** Report properties that the schema does not declare (GitHub ignores them; they are usually typos). */
  unknownProperties?: boolean
}

export interface SchemaError {
  /** JSON-pointer-like location, e.g. `/output/summary`. */
  at: string
  /** `missing` and `unknown` name the property in `property`. */
  kind: 'missing' | 'type' | 'enum' | 'range' | 'unknown' | 'no-branch'
  property?: string
  message: string
}

const MAX_ERRORS = 20
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function typeMatches(type: string, value: unknown): boolean {
  const actual = typeOf(value)
  if (type === 'number') return actual === 'number' || actual === 'integer'
  return actual === type
}

function declaredTypes(schema: Schema): string[] | undefined {
  if (schema.type === undefined) return schema.properties ? ['object'] : undefined
  return Array.isArray(schema.type) ? schema.type : [schema.type]
}

export function validateSchema(schema: Schema, value: unknown, options: ValidateOptions = {}): SchemaError[] {
  const errors: SchemaError[] = []
  walk(schema, value, '', errors, options)
  return errors
}

function walk(schema: Schema, value: unknown, at: string, errors: SchemaError[], options: ValidateOptions): void {
  if (errors.length >= MAX_ERRORS) return
  if (value === null && (schema.nullable || declaredTypes(schema)?.includes('null'))) return

  if (schema.allOf) for (const part of schema.allOf) walk(part, value, at, errors, options)
  for (const key of ['oneOf', 'anyOf'] as const) {
    const branches = schema[key]
    if (!branches) continue
    // GitHub's branches overlap; accept a value that fits any of them. A branch often declares only
    // some of the properties, so unknown-property reporting is left to the enclosing schema.
    const results = branches.map((branch) => validateSchema(branch, value, { ...options, unknownProperties: false }))
    if (!results.some((r) => r.length === 0)) {
      const best = results.reduce((a, b) => (b.length < a.length ? b : a))
      if (best.length > 0 && best.length <= 3) for (const e of best) errors.push({ ...e, at: at + e.at })
      else errors.push({ at, kind: 'no-branch', message: `${at || '/'} matches none of the ${key} alternatives` })
    }
  }

  const types = declaredTypes(schema)
  if (types && !types.some((t) => typeMatches(t, value))) {
    errors.push({ at, kind: 'type', message: `${JSON.stringify(value)?.slice(0, 80)} is not ${types.length > 1 ? 'one of ' + types.join('/') : 'a ' + types[0]}` })
    return
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    errors.push({ at, kind: 'enum', message: `${JSON.stringify(value)?.slice(0, 80)} is not a member of the enum ${JSON.stringify(schema.enum)}` })
  }

  if (typeof value === 'string') {
    const length = [...value].length
    if (schema.minLength !== undefined && length < schema.minLength) errors.push({ at, kind: 'range', message: `is shorter than ${schema.minLength} characters` })
    if (schema.maxLength !== undefined && length > schema.maxLength) errors.push({ at, kind: 'range', message: `is longer than ${schema.maxLength} characters` })
    if (schema.format === 'date-time' && !DATE_TIME.test(value)) errors.push({ at, kind: 'type', message: `${JSON.stringify(value)} is not an ISO 8601 date-time` })
  } else if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push({ at, kind: 'range', message: `${value} is less than ${schema.minimum}` })
    if (schema.maximum !== undefined && value > schema.maximum) errors.push({ at, kind: 'range', message: `${value} is greater than ${schema.maximum}` })
  } else if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push({ at, kind: 'range', message: `has fewer than ${schema.minItems} items` })
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push({ at, kind: 'range', message: `has more than ${schema.maxItems} items` })
    if (schema.items) value.forEach((item, i) => walk(schema.items!, item, `${at}/${i}`, errors, options))
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>
    const keys = Object.keys(record).filter((k) => record[k] !== undefined)
    if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) errors.push({ at, kind: 'range', message: `has more than ${schema.maxProperties} properties` })
    for (const name of schema.required ?? []) {
      if (record[name] === undefined) errors.push({ at: `${at}/${name}`, kind: 'missing', property: name, message: `"${name}" wasn't supplied` })
    }
    const properties = schema.properties ?? {}
    for (const key of keys) {
      const propertySchema = properties[key]
      if (propertySchema) walk(propertySchema, record[key], `${at}/${key}`, errors, options)
      else if (schema.additionalProperties === false) errors.push({ at: `${at}/${key}`, kind: 'unknown', property: key, message: `"${key}" is not a permitted key` })
      else if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, record[key], `${at}/${key}`, errors, options)
      else if (options.unknownProperties && schema.properties && schema.additionalProperties === undefined && !declaredInBranches(schema, key)) {
        errors.push({ at: `${at}/${key}`, kind: 'unknown', property: key, message: `"${key}" is not a documented property` })
      }
    }
  }
}

function declaredInBranches(schema: Schema, key: string): boolean {
  return [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])].some((b) => b.properties?.[key] !== undefined || declaredInBranches(b, key))
}

/** A type-correct placeholder for a value the fake does not model. */
export function placeholder(schema: Schema): unknown {
  if (schema.nullable) return null
  if (schema.enum && schema.enum.length > 0) return schema.enum[0]
  if (schema.allOf) return schema.allOf.reduce<unknown>((acc, part) => complete(part, acc), undefined)
  const branch = schema.oneOf?.[0] ?? schema.anyOf?.[0]
  if (branch) return placeholder(branch)
  const type = declaredTypes(schema)?.[0]
  switch (type) {
    case 'null':
      return null
    case 'string':
      return schema.format === 'date-time' ? '1970-01-01T00:00:00Z' : ''
    case 'integer':
    case 'number':
      return schema.minimum ?? 0
    case 'boolean':
      return false
    case 'array':
      return []
    case 'object':
      return complete(schema, {})
    default:
      return null
  }
}

/**
 * Returns `value` with every required property the schema lists (recursively) filled in with a
 * placeholder when absent. Values that are present are kept as they are.
 */
export function complete(schema: Schema, value: unknown): unknown {
  if (value === undefined) return placeholder(schema)
  if (value === null) return null
  if (schema.allOf) return schema.allOf.reduce<unknown>((acc, part) => complete(part, acc), value)
  const branches = schema.oneOf ?? schema.anyOf
  if (branches) {
    // Complete against the branch the value already fits best.
    const scored = branches.map((b) => ({ b, errors: validateSchema(b, value).filter((e) => e.kind !== 'missing').length }))
    const best = scored.reduce((a, c) => (c.errors < a.errors ? c : a))
    return complete(best.b, value)
  }
  if (Array.isArray(value)) return schema.items ? value.map((v) => complete(schema.items!, v)) : value
  if (typeof value === 'object' && !(value instanceof Uint8Array)) {
    const record = { ...(value as Record<string, unknown>) }
    const properties = schema.properties ?? {}
    for (const name of schema.required ?? []) {
      if (record[name] === undefined) record[name] = placeholder(properties[name] ?? {})
    }
    for (const [key, v] of Object.entries(record)) {
      const propertySchema = properties[key]
      if (propertySchema && v !== undefined) record[key] = complete(propertySchema, v)
    }
    return record
  }
  return value
}
