import { createHash } from 'node:crypto'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { once } from 'node:events'
import { parse as parseYaml } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatDataResult } from '../../src/data/format-data-result.js'
import { DataResult, type CheckResult } from '../../src/data/result.js'
import { validateData } from '../../src/data/validate-data.js'
import { DataEntrySchema, type DataEntry } from '../../src/spec/schema.js'

const PENGUINS_DIR = path.resolve(import.meta.dirname, '../../examples/penguins')
const HEADER = 'species,island,bill_length_mm,body_mass_g,sex'
const GOOD_ROWS = [
  'Adelie,Torgersen,39.1,3750,MALE',
  'Adelie,Torgersen,,,',
  'Gentoo,Biscoe,46.1,4500,FEMALE',
  'Chinstrap,Dream,46.5,3500,FEMALE',
]

let root: string

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'validate-data-'))
  await mkdir(path.join(root, 'data'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function write(relPath: string, content: string): Promise<void> {
  await writeFile(path.join(root, relPath), content)
}

async function validate(dir: string, name: string, spec: DataEntry): Promise<DataResult> {
  return (await validateData(dir, name, spec)).result
}

function entry(input: Record<string, unknown>): DataEntry {
  return DataEntrySchema.parse(input)
}

const penguinColumns = {
  species: { type: 'category', values: ['Adelie', 'Chinstrap', 'Gentoo'], nullable: false },
  island: { type: 'category', values: ['Biscoe', 'Dream', 'Torgersen'] },
  bill_length_mm: { type: 'number', min: 25, max: 70 },
  body_mass_g: { type: 'integer', min: 2000, max: 7000 },
  sex: { type: 'category', values: ['MALE', 'FEMALE'] },
}

function find(result: DataResult, check: CheckResult['check'], column?: string): CheckResult {
  const found = result.checks.find((c) => c.check === check && c.column === column)
  if (!found) throw new Error(`no ${check} check for ${column}`)
  return found
}

function failing(result: DataResult): string[] {
  return result.checks.filter((c) => !c.passed).map((c) => `${c.check}${c.column ? `:${c.column}` : ''}`)
}

describe('validateData', () => {
  it('passes good data, with a hash, a profile and a result that fits the schema', async () => {
    const content = [HEADER, ...GOOD_ROWS].join('\n') + '\n'
    await write('data/good.csv', content)
    const result = await validate(root, 'penguins', entry({ path: 'data/good.csv', rows: { min: 4 }, columns: penguinColumns }))

    expect(DataResult.parse(result)).toEqual(result)
    expect(result).toMatchObject({ name: 'penguins', path: 'data/good.csv', format: 'csv', rows: 4, passed: true })
    expect(result.sha256).toBe(createHash('sha256').update(content).digest('hex'))
    expect(failing(result)).toEqual([])
    expect(result.checks.map((c) => `${c.check}${c.column ? `:${c.column}` : ''}`)).toEqual([
      'rows',
      'presence:species',
      'nullable:species',
      'values:species',
      'presence:island',
      'values:island',
      'presence:bill_length_mm',
      'type:bill_length_mm',
      'min:bill_length_mm',
      'max:bill_length_mm',
      'presence:body_mass_g',
      'type:body_mass_g',
      'min:body_mass_g',
      'max:body_mass_g',
      'presence:sex',
      'values:sex',
    ])
    expect(result.profile.body_mass_g).toEqual({ type: 'integer', count: 3, nulls: 1, min: 3500, max: 4500, mean: 3916.6666666666665, std: expect.closeTo(520.4165, 4), distinct: 3 })
    expect(result.profile.species).toEqual({ type: 'string', count: 4, nulls: 0, distinct: 3 })
    expect(formatDataResult(result)).toBe('✓ penguins data/good.csv: 4 rows, 16 checks passed')
  })

  it('reports every failing check with counts, lines and examples', async () => {
    const rows = [
      'Adelie,Torgersen,39.1,3750,MALE', // line 2
      ',Torgersen,39.1,3750,MALE', // 3: species empty
      'Emperor,Biscoe,39.1,3750,MALE', // 4: species not allowed
      'Gentoo,Atlantis,39.1,3750,male', // 5: island, sex not allowed
      'Gentoo,Biscoe,abc,3750.5,FEMALE', // 6: bill not a number, mass not an integer
      'Gentoo,Biscoe,12,9000,FEMALE', // 7: bill below, mass above
      'Gentoo,Biscoe,80,1000,FEMALE', // 8: bill above, mass below
    ]
    await write('data/bad.csv', [HEADER, ...rows].join('\n') + '\n')
    const result = await validate(root, 'bad', entry({ path: 'data/bad.csv', rows: { min: 10 }, columns: penguinColumns }))

    expect(result.passed).toBe(false)
    expect(result.rows).toBe(7)
    expect(failing(result)).toEqual([
      'rows',
      'nullable:species',
      'values:species',
      'values:island',
      'type:bill_length_mm',
      'min:bill_length_mm',
      'max:bill_length_mm',
      'type:body_mass_g',
      'min:body_mass_g',
      'max:body_mass_g',
      'values:sex',
    ])
    expect(find(result, 'rows')).toMatchObject({ message: '7 rows; expected at least 10' })
    expect(find(result, 'nullable', 'species')).toMatchObject({ failed: 1, total: 7, examples: [{ line: 3, value: '' }] })
    expect(find(result, 'values', 'species')).toMatchObject({
      failed: 1,
      total: 6,
      message: 'species: 1 of 6 values (16.7%) are not in [Adelie, Chinstrap, Gentoo]',
      examples: [{ line: 4, value: 'Emperor' }],
    })
    expect(find(result, 'values', 'island').examples).toEqual([{ line: 5, value: 'Atlantis' }])
    expect(find(result, 'type', 'bill_length_mm')).toMatchObject({ failed: 1, examples: [{ line: 6, value: 'abc' }] })
    expect(find(result, 'min', 'bill_length_mm').examples).toEqual([{ line: 7, value: '12' }])
    expect(find(result, 'max', 'bill_length_mm').examples).toEqual([{ line: 8, value: '80' }])
    expect(find(result, 'type', 'body_mass_g')).toMatchObject({ message: 'body_mass_g: 1 of 7 values (14.3%) are not integers', examples: [{ line: 6, value: '3750.5' }] })
    expect(find(result, 'max', 'body_mass_g').examples).toEqual([{ line: 7, value: '9000' }])
    expect(find(result, 'min', 'body_mass_g').examples).toEqual([{ line: 8, value: '1000' }])
    expect(find(result, 'values', 'sex').examples).toEqual([{ line: 5, value: 'male' }])

    const text = formatDataResult(result)
    expect(text.split('\n')[0]).toBe('✗ bad data/bad.csv: 7 rows, 11 of 16 checks failed')
    // Every failing check, then each example as file:line, column and value.
    expect(text).toContain('    [values] species: 1 of 6 values (16.7%) are not in [Adelie, Chinstrap, Gentoo]\n      data/bad.csv:4  column "species"  "Emperor"\n')
    expect(text).toContain('    [nullable] species: 1 of 7 rows (14.3%) are empty\n      data/bad.csv:3  column "species"  ""\n')
    expect(text.split('\n')).toHaveLength(1 + 1 + 10 * 2)
  })

  it('applies mostly at the boundary', async () => {
    const mass = (bad: number): string =>
      ['body_mass_g', ...Array.from({ length: 100 }, (_, i) => (i < bad ? '9000' : '4000'))].join('\n') + '\n'
    const spec = entry({ path: 'data/mostly.csv', columns: { body_mass_g: { type: 'integer', max: 7000, mostly: 0.98 } } })
    await write('data/mostly.csv', mass(2))
    const atLimit = await validate(root, 'm', spec)
    expect(atLimit.passed).toBe(true)
    expect(find(atLimit, 'max', 'body_mass_g').message).toBe('body_mass_g: 2 of 100 values (2.0%) are above 7000; mostly 0.98 allows 2')
    await write('data/mostly.csv', mass(3))
    expect((await validate(root, 'm', spec)).passed).toBe(false)
  })

  it('checks rows max and reports a row count within bounds', async () => {
    await write('data/rows.csv', 'a\n1\n2\n3\n')
    const tooMany = await validate(root, 'r', entry({ path: 'data/rows.csv', rows: { max: 2 } }))
    expect(find(tooMany, 'rows')).toMatchObject({ passed: false, message: '3 rows; expected at most 2' })
    const within = await validate(root, 'r', entry({ path: 'data/rows.csv', rows: { min: 1, max: 3 } }))
    expect(find(within, 'rows')).toMatchObject({ passed: true, message: '3 rows, expected between 1 and 3' })
  })

  it('reports a missing file as a failed read check, without throwing', async () => {
    const result = await validate(root, 'penguins', entry({ path: 'data/penguins.csv' }))
    expect(result).toMatchObject({ passed: false, rows: 0, format: 'csv' })
    expect(result.sha256).toBeUndefined()
    expect(result.checks).toEqual([
      { check: 'read', passed: false, failed: 1, total: 1, fraction: 1, message: 'file not found: data/penguins.csv', examples: [] },
    ])
    expect(formatDataResult(result)).toBe('✗ penguins data/penguins.csv: could not be read\n    [read] file not found: data/penguins.csv')
  })

  it('names a missing column and lists the columns the file has', async () => {
    await write('data/cols.csv', 'species,island\nAdelie,Dream\n')
    const result = await validate(root, 'c', entry({ path: 'data/cols.csv', columns: { species: {}, sex: { nullable: false } } }))
    expect(failing(result)).toEqual(['presence:sex'])
    expect(find(result, 'presence', 'sex').message).toBe('sex: column is missing; the file has species, island')
  })

  it('fails strict on columns that are not declared, and profiles them anyway', async () => {
    await write('data/strict.csv', 'a,b,c\n1,2,3\n')
    const result = await validate(root, 's', entry({ path: 'data/strict.csv', strict: true, columns: { a: {} } }))
    expect(find(result, 'strict')).toMatchObject({ passed: false, failed: 2, total: 3, message: '2 of 3 columns are not declared under columns: b, c' })
    expect(Object.keys(result.profile)).toEqual(['a', 'b', 'c'])
    const ok = await validate(root, 's', entry({ path: 'data/strict.csv', strict: true, columns: { a: {}, b: {}, c: {} } }))
    expect(find(ok, 'strict')).toMatchObject({ passed: true, message: 'all 3 columns are declared' })
  })

  it('treats a column named like an Object.prototype key as undeclared', async () => {
    await write('data/proto.csv', 'constructor,__proto__\nx,y\n')
    const result = await validate(root, 'p', entry({ path: 'data/proto.csv', strict: true }))
    expect(find(result, 'strict').failed).toBe(2)
    expect(result.profile.constructor).toEqual({ type: 'string', count: 1, nulls: 0, distinct: 1 })
  })

  it('turns a ragged row into a failed read check with its line', async () => {
    await write('data/ragged.csv', 'a,b\n1,2\n"x\ny",3\n4,5,6\n7,8\n')
    const result = await validate(root, 'r', entry({ path: 'data/ragged.csv', columns: { a: {} } }))
    expect(result.passed).toBe(false)
    // The rows around it still count, the quoted newline included.
    expect(result.rows).toBe(3)
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(result.checks.filter((c) => c.check === 'read')).toEqual([
      expect.objectContaining({ passed: false, failed: 1, total: 4, message: '1 rows have the wrong number of fields', examples: [expect.objectContaining({ line: 5, value: '4,5,6' })] }),
    ])
  })

  it('turns an unterminated quote into a failed read check with its line', async () => {
    await write('data/quote.csv', 'a,b\n1,2\n3,"oops\n5,6\n')
    const result = await validate(root, 'q', entry({ path: 'data/quote.csv' }))
    expect(result.checks.map((c) => c.message)).toEqual(['1 quoted fields are never closed'])
    expect(result.checks[0]!.examples[0]).toMatchObject({ line: 3, position: 3, column: 'b' })
  })

  it('fails an empty file and validates a header-only file as zero rows', async () => {
    await write('data/empty.csv', '')
    const empty = await validate(root, 'e', entry({ path: 'data/empty.csv' }))
    expect(empty.checks.map((c) => [c.check, c.message])).toEqual([['read', 'file is empty: expected a header row']])

    await write('data/header.csv', 'a,b\n')
    const header = await validate(root, 'h', entry({ path: 'data/header.csv', rows: { min: 1 }, columns: { a: { type: 'integer' } } }))
    expect(header.rows).toBe(0)
    expect(failing(header)).toEqual(['rows'])
    expect(find(header, 'type', 'a').message).toBe('a: no values to check')
  })

  it('validates TSV by extension or by explicit format', async () => {
    await write('data/t.tsv', 'name\tscore\nSmith, J.\t3\nDoe\tx\n')
    const columns = { score: { type: 'integer' } }
    const result = await validate(root, 't', entry({ path: 'data/t.tsv', columns }))
    expect(result.format).toBe('tsv')
    expect(find(result, 'type', 'score')).toMatchObject({ failed: 1, examples: [{ line: 3, value: 'x' }] })
    await write('data/t.txt', 'name\tscore\nDoe\t1\n')
    expect((await validate(root, 't', entry({ path: 'data/t.txt', format: 'tsv', columns }))).passed).toBe(true)
  })

  it('fails the read check for files it cannot read, unknown extensions and paths outside the root', async () => {
    await write('data/x.parquet', 'PAR1')
    const parquet = await validate(root, 'x', entry({ path: 'data/x.parquet' }))
    expect(parquet).toMatchObject({ format: 'parquet', passed: false })
    expect(parquet.checks[0]?.message).toBe('not a Parquet file: it is only 4 bytes long')

    const unknown = await validate(root, 'x', entry({ path: 'data/x.dat' }))
    expect(unknown.checks[0]?.message).toMatch(/^cannot tell the format of data\/x.dat/)

    const outside = await validate(root, 'x', entry({ path: '../elsewhere.csv' }))
    expect(outside.checks[0]?.message).toBe('../elsewhere.csv is outside the repository')

    const directory = await validate(root, 'x', entry({ path: 'data', format: 'csv' }))
    expect(directory.checks[0]?.message).toBe('data is not a file')
  })

  it('streams a 200,000-row file in one pass', async () => {
    const file = path.join(root, 'data/large.csv')
    const out = createWriteStream(file)
    out.write('id,group,value,flag\n')
    for (let i = 0; i < 200_000; i++) {
      if (!out.write(`${i},g${i % 7},${(i % 1000) / 10},${i % 2 ? 'yes' : 'no'}\n`)) await once(out, 'drain')
    }
    out.end()
    await once(out, 'finish')
    const columns = { id: { type: 'integer', unique: true }, group: { pattern: '^g[0-6]$' }, value: { type: 'number', min: 0, max: 100 }, flag: { type: 'boolean' } }

    const result = await validate(root, 'large', entry({ path: 'data/large.csv', rows: { min: 200_000 }, columns }))

    expect(failing(result)).toEqual([])
    expect(result.rows).toBe(200_000)
    expect(result.profile.value).toMatchObject({ count: 200_000, min: 0, max: 99.9 })
  })

  it.skipIf(!existsSync(path.join(PENGUINS_DIR, 'data/penguins.csv')))('passes the penguins example against its own mlops.yml', async () => {
    const spec = parseYaml(await readFile(path.join(PENGUINS_DIR, 'mlops.yml'), 'utf8')) as { data: Record<string, unknown> }
    const result = await validate(PENGUINS_DIR, 'penguins', DataEntrySchema.parse(spec.data.penguins))
    expect(failing(result)).toEqual([])
    expect(result.passed).toBe(true)
    expect(result.rows).toBeGreaterThanOrEqual(300)
    expect(result.profile.sex?.nulls).toBeGreaterThan(0)
  })
})
