// Regenerates schema/mlops.schema.json from the zod schema (npm run schema).
import { writeFile } from 'node:fs/promises'
import { renderJsonSchema } from '../src/spec/json-schema.js'

await writeFile(new URL('../schema/mlops.schema.json', import.meta.url), renderJsonSchema())
