import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createExampleRepo, type ExampleRepo, latestRun } from '../helpers/example-repo.js'

// The data half end to end, through the bundled CLI on the penguins example: profiles stored
// with versions, drift against them in the next run's report, and the profile/infer commands.

let repo: ExampleRepo

beforeEach(() => {
  repo = createExampleRepo()
})
afterEach(() => repo.remove())

/** The example's data with numeric columns moved up by `shift`. */
/** The penguins data with columns moved by the given amounts (bill_length_mm by default). */
function shifted(shifts: Record<string, number> | number): string {
  const [header, ...rows] = repo.read('data/penguins.csv').trimEnd().split('\n')
  const moves = Object.entries(typeof shifts === 'number' ? { bill_length_mm: shifts } : shifts).map(([column, by]) => [header!.split(',').indexOf(column), by] as const)
  const moved = rows.map((row) => {
    const cells = row.split(',')
    for (const [index, by] of moves) if (cells[index]) cells[index] = String(Number((Number(cells[index]) + by).toFixed(1)))
    return cells.join(',')
  })
  return `${[header, ...moved].join('\n')}\n`
}

describe('profiles and drift in runs', () => {
  it('stores the profile with the promoted version, then reports and gates drift against it', () => {
    expect(repo.mlops('run', '-q').status).toBe(0)
    const run = JSON.parse(repo.read(`.mlops/runs/${repo.read('.mlops/runs/latest').trim()}/run.json`)) as { data: Array<{ profileFile?: { path: string } }> }
    expect(run.data[0]!.profileFile?.path).toBe('profiles/penguins.json')
    expect(repo.mlops('promote').status).toBe(0)
    const stored = path.join('.mlops', 'registry', 'penguin-classifier', '0.1.0')
    const manifest = JSON.parse(repo.read(path.join(stored, 'manifest.json'))) as { data: Array<{ profile?: { file: string } }> }
    expect(manifest.data[0]!.profile?.file).toBe('profile-penguins.json')
    expect(JSON.parse(repo.read(path.join(stored, 'profile-penguins.json')))).toMatchObject({ version: 1, rows: 344 })

    // The same data again: a Drift section with nothing drifted.
    expect(repo.mlops('run', '-q', '--force').status).toBe(0)
    const calm = repo.mlops('report').stdout
    expect(calm).toContain('### Drift')
    expect(calm).toMatch(/\*\*penguins\*\* against v0\.1\.0: ✅ no dataset drift, 0 of 7 columns drifted/)

    // Bills 6 mm longer, and a gate on drift.
    repo.write('data/penguins.csv', shifted(6))
    repo.write('mlops.yml', repo.read('mlops.yml').replace('drift: { share: 0.5 }', 'drift: { share: 0.1, gate: true }'))
    repo.commit('longer bills')
    const drifted = repo.mlops('run', '-q')
    expect(drifted.status).toBe(1)
    expect(drifted.stdout).toMatch(/❌ .*gates? fails?: .*drift\.penguins/)
    const report = repo.mlops('report').stdout
    const row = report.split('\n').find((line) => line.includes('| bill\\_length\\_mm |'))
    // 342 baseline values: Kolmogorov–Smirnov, as Evidently picks for small references.
    expect(row).toMatch(/^\| ❌ \| bill\\_length\\_mm \| Kolmogorov–Smirnov \| p = [\d.e-]+ \| p < 0\.05 \| mean 43\.9 → 49\.9/)
    // Drifted columns come first.
    const driftRows = report.split('\n').filter((line) => /^\| (❌|✅|⏭️) \|.*\| (Kolmogorov–Smirnov|chi-square) \|/.test(line))
    expect(driftRows[0]).toContain('bill\\_length\\_mm')
    expect(report).toMatch(/\*\*penguins\*\* against v0\.1\.0: ❌ \*\*drifted\*\*, 1 of 7 columns drifted .* · gate ❌ fails/)
    expect(repo.mlops('promote').status).toBe(1)
  })
})

describe('a dataset of part files', () => {
  it('checks the parts as one table, records them in the lineage, and refuses to promote with an untracked part', () => {
    const [header, ...rows] = repo.read('data/penguins.csv').trimEnd().split('\n')
    mkdirSync(path.join(repo.dir, 'data/parts'))
    for (const p of [0, 1, 2]) repo.write(`data/parts/part-${p}.csv`, `${[header, ...rows.slice(p * 115, (p + 1) * 115)].join('\n')}\n`)
    // One bill too long in the last part, at its line 3.
    const last = repo.read('data/parts/part-2.csv')
    repo.write('data/parts/part-2.csv', last.replace(/^(([^\n]*\n){2}[^,]*,[^,]*,)[\d.]+/, '$199.9'))
    repo.write('mlops.yml', repo.read('mlops.yml').replace('path: data/penguins.csv  ', 'path: data/parts/*.csv').replace('deps: [data/penguins.csv, src/prepare.py]', 'deps: [data/penguins.csv, data/parts, src/prepare.py]'))
    repo.commit('penguins in parts')
    const validate = repo.mlops('validate')
    expect(validate.status).toBe(1)
    expect(validate.stdout).toContain('✗ penguins data/parts/*.csv: 344 rows in 3 parts, 1 of 16 checks failed')
    expect(validate.stdout).toMatch(/data\/parts\/part-2\.csv:3  column "bill_length_mm"  "99\.9"/)

    repo.write('data/parts/part-2.csv', last)
    repo.commit('fixed')
    expect(repo.mlops('run').status).toBe(0)
    const record = latestRun(repo)
    expect(record.data[0]).toMatchObject({ path: 'data/parts/*.csv', parts: 3, rows: 344, passed: true })
    expect(record.git.dirty).toBe(false)

    repo.write('data/parts/part-3.csv', `${header}\n`)
    expect(repo.mlops('run').status).toBe(0)
    expect(latestRun(repo).git).toMatchObject({ dirty: true, dirtyFiles: ['data/parts/part-3.csv'] })
    expect(latestRun(repo).data[0]!.parts).toBe(4)
    const promote = repo.mlops('promote')
    expect(promote.status).toBe(1)
    expect(promote.stderr).toMatch(/uncommitted changes on top of [0-9a-f]{7} \("data\/parts\/part-3\.csv"\)/)
  })
})

describe('mlops profile and mlops infer', () => {
  it('profiles a file, prints a summary and writes versioned JSON', () => {
    const result = repo.mlops('profile', 'data/penguins.csv', '-o', 'p.json')
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/^344 rows, 7 columns\ncolumn +type +nulls +distinct +min +mean +max +most common\n/)
    expect(result.stdout).toMatch(/\nspecies +string +0 +3 +"Adelie" 44\.2%, "Gentoo" 36\.0%, "Chinstrap" 19\.8%\n/)
    expect(result.stdout).toMatch(/\nbill_length_mm +number +2 \(0\.6%\) +\d+ +32\.1 +43\.9\d* +59\.6\n/)
    const json = JSON.parse(repo.read('p.json')) as { version: number; rows: number; columns: Array<{ name: string }> }
    expect(json).toMatchObject({ version: 1, rows: 344 })
    expect(json.columns.map((c) => c.name)).toEqual(['species', 'island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex'])
  })

  it('merges the profiles of two halves into the profile of the whole', () => {
    const [header, ...rows] = repo.read('data/penguins.csv').trimEnd().split('\n')
    repo.write('a.csv', `${[header, ...rows.slice(0, 150)].join('\n')}\n`)
    repo.write('b.csv', `${[header, ...rows.slice(150)].join('\n')}\n`)
    expect(repo.mlops('profile', 'a.csv', '-o', 'a.json').status).toBe(0)
    expect(repo.mlops('profile', 'b.csv', '-o', 'b.json').status).toBe(0)
    expect(repo.mlops('profile', '--merge', 'a.json', 'b.json', '-o', 'merged.json').status).toBe(0)
    expect(repo.mlops('profile', 'a.csv', 'b.csv', '-o', 'both.json').status).toBe(0)
    expect(repo.mlops('profile', 'data/penguins.csv', '-o', 'whole.json').status).toBe(0)
    const exact = (file: string) => {
      const json = JSON.parse(repo.read(file)) as { rows: number; columns: Array<{ name: string; profile: { count: number; nulls: number; types: unknown; top: unknown; distinct: unknown; numeric: { count: number; min: number; max: number } } }> }
      return { rows: json.rows, columns: json.columns.map((c) => ({ name: c.name, count: c.profile.count, nulls: c.profile.nulls, types: c.profile.types, top: c.profile.top, distinct: c.profile.distinct, min: c.profile.numeric.min, max: c.profile.numeric.max })) }
    }
    expect(exact('merged.json')).toEqual(exact('whole.json'))
    expect(exact('both.json')).toEqual(exact('whole.json'))
  })

  it('prints drift against a baseline profile and exits 1 when the data drifted', () => {
    expect(repo.mlops('profile', 'data/penguins.csv', '-o', 'base.json').status).toBe(0)
    expect(repo.mlops('profile', 'data/penguins.csv', '-o', 'same.json', '--baseline', 'base.json').status).toBe(0)
    repo.write('data/longer.csv', shifted(6))
    const one = repo.mlops('profile', 'data/longer.csv', '-o', 'now.json', '--baseline', 'base.json')
    expect(one.status).toBe(0)
    expect(one.stdout).toMatch(/drift against base\.json:\n✓ no dataset drift: 1 of 7 columns drifted \(14\.3%; drifts at 50%\)\n {2}✗ +bill_length_mm +ks +p=/)
    repo.write('data/bigger.csv', shifted({ bill_length_mm: 30, bill_depth_mm: 30, flipper_length_mm: 30, body_mass_g: 3000 }))
    const four = repo.mlops('profile', 'data/bigger.csv', '-o', 'now.json', '--baseline', 'base.json')
    expect(four.status).toBe(1)
    expect(four.stdout).toMatch(/✗ the dataset drifted: 4 of 7 columns drifted/)
  })

  it('refuses a file that is not a profile with a clear message and exit code 2', () => {
    repo.write('junk.json', '{"version": 7}')
    const result = repo.mlops('profile', '--merge', 'junk.json', 'junk.json')
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/junk\.json: table profile version 7 is not supported; this build reads version 1/)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('proposes a columns block that parses and passes validation of the same file', () => {
    const result = repo.mlops('infer', 'data/penguins.csv')
    expect(result.status).toBe(0)
    const proposed = parseYaml(result.stdout) as { columns: Record<string, Record<string, unknown>> }
    expect(proposed.columns.species).toEqual({ type: 'category', nullable: false, values: ['Adelie', 'Chinstrap', 'Gentoo'] })
    expect(proposed.columns.body_mass_g).toEqual({ type: 'integer', nullable: true, min: 2700, max: 6300 })
    expect(proposed.columns.sex).toMatchObject({ type: 'category', nullable: true, values: ['FEMALE', 'MALE'] })
    // Pasted into the spec, the proposal passes on the data it came from.
    const spec = parseYaml(repo.read('mlops.yml')) as { data: { penguins: Record<string, unknown> } }
    spec.data.penguins.columns = proposed.columns
    repo.write('mlops.yml', JSON.stringify(spec))
    const validate = repo.mlops('validate')
    expect(validate.stdout).toMatch(/✓ penguins data\/penguins\.csv: 344 rows, \d+ checks passed/)
    expect(readFileSync(path.join(repo.dir, 'mlops.yml'), 'utf8')).toContain('"columns"')
  })

  it('infers from a quoted glob of part files as one table, and says so when given several files', () => {
    const [header, ...rows] = repo.read('data/penguins.csv').trimEnd().split('\n')
    mkdirSync(path.join(repo.dir, 'data/parts'))
    for (const p of [0, 1]) repo.write(`data/parts/part-${p}.csv`, `${[header, ...rows.slice(p * 172, (p + 1) * 172)].join('\n')}\n`)
    const whole = repo.mlops('infer', 'data/penguins.csv')
    const parts = repo.mlops('infer', 'data/parts/*.csv')
    expect(parts.status, parts.stderr).toBe(0)
    expect(parts.stdout).toContain('from data/parts/*.csv (344 rows)')
    expect(parseYaml(parts.stdout)).toEqual(parseYaml(whole.stdout))
    const several = repo.mlops('infer', 'data/parts/part-0.csv', 'data/parts/part-1.csv')
    expect(several.status).toBe(2)
    expect(several.stderr).toContain("infer takes one file, or a quoted glob of part files ('data/parts/*.csv'), received 2")
  })
})
