import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Manifest } from '../../src/registry/manifest.js'
import { createExampleRepo, type ExampleRepo, latestRun as latestRunOf } from '../helpers/example-repo.js'

// The engine's evaluation as a user meets it: the penguins example's evaluate stage writes
// reports/predictions.csv, `mlops run` computes the metrics by island and sex and gates them,
// `mlops promote` stores them with the version, and the next run compares group by group.

let repo: ExampleRepo
beforeEach(() => {
  repo = createExampleRepo()
})
afterEach(() => repo.remove())

const latestRun = () => latestRunOf(repo)

/** A filter after the evaluate stage's own script: the same stage then writes what it leaves. */
function filterPredictions(python: string): void {
  repo.write('src/filter.py', `import csv\nrows = list(csv.DictReader(open("reports/predictions.csv")))\nkeep = [r for r in rows if ${python}]\nw = csv.DictWriter(open("reports/predictions.csv", "w", newline=""), fieldnames=list(rows[0]), lineterminator="\\n")\nw.writeheader()\nw.writerows(keep)\n`)
  repo.write('mlops.yml', repo.read('mlops.yml').replace('run: python3 src/evaluate.py', 'run: python3 src/evaluate.py && python3 src/filter.py'))
}

describe('sliced evaluation of the penguins example', () => {
  it('computes metrics per island and sex, stores them with the version, and fails when a gated group goes missing', () => {
    const run = repo.mlops('run')
    expect(run.status, run.stdout + run.stderr).toBe(0)
    const record = latestRun()
    const evaluation = record.evaluation!
    expect(evaluation.rows).toBe(86)
    expect(evaluation.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo'])
    expect(evaluation.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(86)
    expect(evaluation.slices.map((s) => [s.name, s.groups.map((g) => g.values[0])])).toEqual([
      ['island', ['Biscoe', 'Dream', 'Torgersen']],
      ['sex', ['FEMALE', 'MALE', null]],
    ])
    expect(record.metrics.accuracy).toMatchObject({ file: 'reports/predictions.csv', direction: 'higher' })
    expect(record.metrics.log_loss_multiclass).toMatchObject({ file: 'reports/metrics.json', direction: 'lower' })
    expect(record.gates.results.filter((r) => r.slice).map((r) => [r.metric, r.rule, r.slice, r.status])).toEqual([
      ['accuracy', 'per_slice_min', 'island', 'pass'],
      ['accuracy', 'per_slice_min', 'sex', 'pass'],
      ['equalized_odds_difference', 'max', 'sex', 'pass'],
    ])

    const report = repo.mlops('report')
    expect(report.stdout).toContain('### Evaluation')
    expect(report.stdout).toMatch(/\| Torgersen \| 13 _\(not gated\)_ \|/)
    expect(report.stdout).toContain('Confusion matrix')

    expect(repo.mlops('promote').status).toBe(0)
    const message = repo.git('tag', '-l', '--format=%(contents)', 'penguin-classifier@v0.1.0')
    const manifest = Manifest.parse(JSON.parse(message.slice(message.indexOf('{'))))
    expect(manifest.evaluation!.slices[0]!.groups.map((g) => [g.values[0], g.rows])).toEqual([['Biscoe', 38], ['Dream', 35], ['Torgersen', 13]])

    // The next model is evaluated without Dream: the per-island gate cannot look at it.
    filterPredictions('r["island"] != "Dream"')
    repo.commit('evaluate without Dream')
    const next = repo.mlops('run')
    expect(next.status).toBe(1)
    expect(next.stdout).toContain('groups (groups of the baseline missing in island)')
    const missing = latestRun().gates.results.find((r) => r.rule === 'group_present')
    expect(missing).toMatchObject({ slice: 'island', status: 'fail', message: '1 group of v0.1.0 missing now: Dream (35 rows)' })
    const nextReport = repo.mlops('report')
    expect(nextReport.stdout).toContain('| Dream | ⚠️ missing now (35 in v0.1.0) |')
    expect(nextReport.stdout).toMatch(/Δ accuracy vs v0\.1\.0/)
    expect(repo.mlops('promote').status).not.toBe(0)
  })

  it('fails a fairness gate set under the measured value and names it in the verdict', () => {
    repo.write('mlops.yml', repo.read('mlops.yml').replace('equalized_odds_difference: { max: 0.2,', 'equalized_odds_difference: { max: 0.01,'))
    repo.commit('stricter fairness gate')
    const run = repo.mlops('run')
    expect(run.status).toBe(1)
    expect(run.stdout).toContain('equalized_odds_difference (max 0.01 in sex)')
    expect(latestRun().gates.results.find((r) => r.metric === 'equalized_odds_difference')).toMatchObject({ status: 'fail', value: 0.04, message: '0.04 > 0.01 (0 is parity)' })
  })

  it('names the rows of a predictions file it cannot use, by file:line and column, and fails the run', () => {
    filterPredictions('True]\nfor r in keep[3:5]: r["predicted"] = ""\nkeep = keep[0:len(keep)')
    repo.commit('blank predictions')
    const run = repo.mlops('run')
    expect(run.status).toBe(1)
    expect(run.stdout + run.stderr).toContain('reports/predictions.csv:5: column "predicted" is empty; 2 rows left out of the evaluation (lines 5, 6)')
    expect(latestRun().evaluation!.rows).toBe(84)
  })
})
