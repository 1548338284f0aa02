import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createExampleRepo, type ExampleRepo } from '../helpers/example-repo.js'

// `mlops monitor` on the penguins example: new data against the profile stored with the
// production version, and labelled predictions against its gates and recorded metrics.

let repo: ExampleRepo
beforeEach(() => {
  repo = createExampleRepo()
})
afterEach(() => repo.remove())

/** Rewrites a CSV of the repository row by row. */
function rewrite(from: string, to: string, change: (row: Record<string, string>, i: number) => void): void {
  const [header, ...lines] = repo.read(from).trimEnd().split('\n')
  const names = header!.split(',')
  const rows = lines.map((line, i) => {
    const row = Object.fromEntries(line.split(',').map((v, j) => [names[j]!, v]))
    change(row, i)
    return names.map((n) => row[n]).join(',')
  })
  repo.write(to, `${[header, ...rows].join('\n')}\n`)
}

describe('mlops monitor', () => {
  it('needs a production version first', () => {
    const monitor = repo.mlops('monitor')
    expect(monitor.status).toBe(2)
    expect(monitor.stderr).toContain('no version of penguin-classifier is in stage "production" yet')
  })

  it('passes on the training data, exits 1 with the drift table on drifted data, and gates labelled predictions', () => {
    expect(repo.mlops('run', '-q').status).toBe(0)
    expect(repo.mlops('promote').status).toBe(0)

    const clean = repo.mlops('monitor')
    expect(clean.status, clean.stdout + clean.stderr).toBe(0)
    expect(clean.stdout).toMatch(/^✓ no drift, no degradation \(penguin-classifier v0\.1\.0 in production\)/)

    // Every measurement shifted: four of seven columns drift, over Evidently's 0.5 share.
    const shift = (row: Record<string, string>, column: string, by: number) => {
      if (row[column] && row[column] !== 'NA') row[column] = String(Number(row[column]) + by)
    }
    rewrite('data/penguins.csv', 'new-week.csv', (row) => {
      shift(row, 'body_mass_g', 900)
      shift(row, 'bill_length_mm', 6)
      shift(row, 'bill_depth_mm', 3)
      shift(row, 'flipper_length_mm', 25)
    })
    const drifted = repo.mlops('monitor', 'new-week.csv')
    expect(drifted.status).toBe(1)
    expect(drifted.stdout).toContain('✗ drift in penguins')
    expect(drifted.stdout).toContain('✗ the dataset drifted: 4 of 7 columns drifted')
    expect(drifted.stdout).toMatch(/✗ {2}body_mass_g +ks +p=[\d.e-]+ +p<0\.05 +mean 4,200 → 5,100/)

    // Production predictions with half of Dream mislabelled: the floors and the drop from v0.1.0 fail.
    rewrite('reports/predictions.csv', 'labelled.csv', (row, i) => {
      if (row.island === 'Dream' && i % 2 === 0) row.predicted = 'Gentoo'
    })
    const degraded = repo.mlops('monitor', '--predictions', 'labelled.csv')
    expect(degraded.status).toBe(1)
    expect(degraded.stdout).toContain('gates fail: accuracy, f1_macro, accuracy in island')
    expect(degraded.stdout).toContain('✗ f1_macro max drop 0.02: dropped 0.1761 from 0.9856 (max 0.02)')
    expect(degraded.stdout).toContain('✗ accuracy per slice min 0.85 in island: 1 of 2 groups under 0.85, worst Dream 0.5714')
    // Gates on metrics the evaluation does not compute (the staging check's latency) are left out.
    expect(degraded.stdout).not.toContain('latency')

    // A scoring job's own metrics file is gated the same way.
    repo.write('prod-metrics.json', JSON.stringify({ accuracy: 0.97, f1_macro: 0.95 }))
    const scored = repo.mlops('monitor', '--metrics', 'prod-metrics.json')
    expect(scored.status).toBe(1)
    expect(scored.stdout).toContain('✓ accuracy min 0.9: 0.97 ≥ 0.9')
    expect(scored.stdout).toContain('✗ f1_macro max drop 0.02: dropped 0.03557 from 0.9856 (max 0.02)')
    expect(repo.mlops('monitor', '--metrics', 'prod-metrics.json', '--predictions', 'labelled.csv').stderr).toContain('give --predictions or --metrics, not both')
  })

  it('names a bad file, entry or option, and locates unreadable predictions', () => {
    expect(repo.mlops('run', '-q').status).toBe(0)
    expect(repo.mlops('promote').status).toBe(0)
    expect(repo.mlops('monitor', '--data', 'pengiuns').stderr).toContain('--data "pengiuns" is not a data entry of mlops.yml; did you mean "penguins"?')
    repo.write('labelled.csv', 'island,sex,species,predicted,p_adelie\nDream,MALE,,Adelie,0.9\n')
    const bad = repo.mlops('monitor', '--predictions', 'labelled.csv')
    expect(bad.status).toBe(1)
    expect(bad.stdout).toContain('⚠ labelled.csv:2: column "species" is empty; 1 row left out of the evaluation (lines 2)')
  })
})
