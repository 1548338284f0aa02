import { z } from 'zod'
import { SpecSchema } from './schema.js'

export const SCHEMA_ID = 'https://raw.githubusercontent.com/mlops-action/mlops-action/main/schema/mlops.schema.json'

/** JSON Schema of what users write (input side: defaults make keys optional). */
export function buildJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SpecSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>
  return { ...schema, $id: SCHEMA_ID, title: 'mlops.yml', description: 'Pipeline, data checks, gates and promotion for mlops-action' }
}

export function renderJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`
}
