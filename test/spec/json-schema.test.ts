import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { buildJsonSchema, renderJsonSchema, SCHEMA_ID } from '../../src/spec/json-schema.js'
import { SpecSchema } from '../../src/spec/schema.js'
import { renderStarterSpec } from '../../src/spec/starter.js'

type JsonObject = Record<string, unknown>

/** Every object schema in the tree, with its JSON pointer. */
function* objectSchemas(node: unknown, pointer = '#'): Generator<[string, JsonObject]> {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* objectSchemas(item, `${pointer}/${i}`)
    return
  }
  if (node === null || typeof node !== 'object') return
  const object = node as JsonObject
  if (object.type === 'object' && object.properties) yield [pointer, object]
  for (const [key, value] of Object.entries(object)) yield* objectSchemas(value, `${pointer}/${key}`)
}

describe('schema/mlops.schema.json', () => {
  it('is up to date with the zod schema', async () => {
    const committed = await readFile(new URL('../../schema/mlops.schema.json', import.meta.url), 'utf8')
    expect(committed, 'schema/mlops.schema.json is stale: run `npm run schema` and commit the result').toBe(renderJsonSchema())
  })

  it('describes every top-level key and refuses others', () => {
    const schema = buildJsonSchema()
    expect(schema.$id).toBe(SCHEMA_ID)
    expect(schema.type).toBe('object')
    expect(schema.additionalProperties).toBe(false)
    expect(Object.keys(schema.properties as JsonObject).sort()).toEqual(Object.keys(SpecSchema.shape).sort())
    expect([...(schema.required as string[])].sort()).toEqual(['model', 'stages', 'version'])
  })

  it('refuses unknown keys at every level, like the loader does', () => {
    const open = [...objectSchemas(buildJsonSchema())].filter(([, s]) => s.additionalProperties !== false).map(([pointer]) => pointer)
    expect(open).toEqual([])
  })

  it('is what the starter spec points editors at', () => {
    expect(renderStarterSpec('my-model').split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_ID}`)
  })
})
