import { parse as parseYaml } from 'yaml'
import { describe, expect, it } from 'vitest'
import { formatDataResult } from '../../src/data/format-data-result.js'
import { inferColumnsYaml } from '../../src/data/infer-columns.js'
import { validateData } from '../../src/data/validate-data.js'
import { DataEntrySchema } from '../../src/spec/schema.js'
import { VEGA_DATASETS as VEGA } from '../helpers/vega-datasets.js'

// A real messy dataset, vega-datasets' movies.json (a dev dependency, so no network at test
// time): 3,201 films with nulls in most columns, nine titles that are JSON numbers (1776, 300),
// and dates as free text. The expected figures were counted with Python's json module.

const MOVIES = 'data/movies.json'

describe('vega-datasets movies.json', () => {
  it('profiles every column with the types and nulls the file has', async () => {
    const { result, profile } = await validateData(VEGA, 'movies', DataEntrySchema.parse({ path: MOVIES }))
    expect(result).toMatchObject({ format: 'json', rows: 3201, passed: true })
    const summary = result.profile
    expect(Object.keys(summary)).toHaveLength(16)
    expect(summary['US Gross']).toMatchObject({ type: 'integer', nulls: 7, min: 0, max: 760_167_650 })
    expect(summary['US DVD Sales']).toMatchObject({ type: 'integer', nulls: 2637, min: 618_454 })
    expect(summary['IMDB Rating']).toMatchObject({ type: 'number', nulls: 213, min: 1.4, max: 9.2 })
    expect(summary['Running Time min']).toMatchObject({ type: 'integer', nulls: 1992, min: 46, max: 222 })
    expect(summary['Release Date']).toMatchObject({ type: 'string', nulls: 0 })
    // The numeric titles are counted as integers, but do not make the column look numeric.
    expect(profile!.columns.get('Title')!.types).toMatchObject({ integer: 9, string: 3191 })
    expect(summary.Title).toMatchObject({ type: 'string', nulls: 1 })
    expect(summary.Title!.min).toBeUndefined()
    // 7 ratings: G, NC-17, Not Rated, Open, PG, PG-13, R; R is the most common.
    expect(summary['MPAA Rating']!.distinct).toBe(7)
    expect(profile!.columns.get('MPAA Rating')!.top.top(1)).toEqual([{ value: 'R', count: 1194 }])
  })

  it('validates with the inferred columns, and locates every film that breaks a declared rule', async () => {
    const { profile } = await validateData(VEGA, 'movies', DataEntrySchema.parse({ path: MOVIES }))
    const proposed = parseYaml(inferColumnsYaml(profile!, MOVIES)) as { columns: Record<string, Record<string, unknown>> }
    expect(proposed.columns['MPAA Rating']).toEqual({ type: 'category', nullable: true, values: ['G', 'NC-17', 'Not Rated', 'Open', 'PG', 'PG-13', 'R'] })
    const inferred = await validateData(VEGA, 'movies', DataEntrySchema.parse({ path: MOVIES, strict: true, columns: proposed.columns }))
    expect(inferred.result.checks.filter((c) => !c.passed)).toEqual([])

    const strict = DataEntrySchema.parse({
      path: MOVIES,
      columns: {
        Title: { type: 'string', nullable: false },
        'Running Time min': { type: 'integer', min: 60 },
        'IMDB Rating': { type: 'number', max: 10, mostly: 0.9 },
      },
    })
    const { result } = await validateData(VEGA, 'movies', strict)
    expect(result.passed).toBe(false)
    const failed = result.checks.filter((c) => !c.passed).map((c) => [c.check, c.column, c.failed, c.examples.map((e) => e.line)])
    // Line 3055 is {"Title": null, …}; line 586 the 46-minute "Michael Jordan to the MAX".
    expect(failed).toEqual([
      ['nullable', 'Title', 1, [3055]],
      ['min', 'Running Time min', 1, [586]],
    ])
    // `type: string` takes any value, as in a CSV, so the nine numeric titles (line 23: 1776) are not failures.
    const text = formatDataResult(result)
    expect(text).toContain('data/movies.json:3055')
    expect(text).toContain('data/movies.json:586')
  })
})
