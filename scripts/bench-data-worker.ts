// One measurement for scripts/bench.mjs, in a fresh process so peak memory is its own.
import { createReadStream } from 'node:fs'
import path from 'node:path'
import { parse } from 'csv-parse'
import { validateData } from '../src/data/validate-data.js'
import { DataEntrySchema } from '../src/spec/schema.js'

const [mode, file] = process.argv.slice(2) as [string, string]
const start = performance.now()
let checks = 0
if (mode === 'validate') {
  const entry = DataEntrySchema.parse({
    path: path.basename(file),
    rows: { min: 1 },
    columns: {
      id: { type: 'integer', unique: true, nullable: false },
      species: { type: 'category', values: ['Adelie', 'Chinstrap', 'Gentoo'] },
      island: { type: 'category', values: ['Biscoe', 'Dream', 'Torgersen'] },
      bill_length_mm: { type: 'number', min: 25, max: 70 },
      flipper_length_mm: { type: 'integer', min: 150, max: 250 },
      body_mass_g: { type: 'integer', min: 2000, max: 7000, mostly: 0.99 },
      sex: { type: 'category', values: ['MALE', 'FEMALE'] },
    },
  })
  const result = await validateData(path.dirname(file), 'bench', entry)
  if (!result.passed) throw new Error('bench data failed validation')
  checks = result.checks.length
} else {
  for await (const _record of createReadStream(file).pipe(parse())) checks = 0
}
const ms = performance.now() - start
console.log(JSON.stringify({ ms, checks, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }))
