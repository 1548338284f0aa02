import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createExampleRepo, type ExampleRepo, latestRun as latestRunOf } from '../helpers/example-repo.js'

// The `mlops` bin (dist/cli.js) as a user runs it: a real git repository with the penguins
// example, real Python stages, real tags.

let repo: ExampleRepo
beforeEach(() => {
  repo = createExampleRepo()
})
afterEach(() => repo.remove())

const latestRun = () => latestRunOf(repo)
// The penguins separate so well that even 5 epochs reach 0.977 accuracy (f1_macro 0.9716,
// against 0.9856 fully trained): the gate tests tighten the gates instead.
const briefTraining = (params: string) => params.replace('epochs: 200', 'epochs: 5')

describe('mlops on the penguins example', () => {
  it('validates, runs, reports, promotes and lists versions', () => {
    const validate = repo.mlops('validate')
    expect(validate.status).toBe(0)
    expect(validate.stdout).toContain('✓ penguins data/penguins.csv: 344 rows')

    const run = repo.mlops('run')
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/\[train \[train\.learning_rate=0\.03\]\] /)
    expect(run.stdout).toContain('All 7 gates pass')
    const record = latestRun()
    expect(record.stages.map((s) => [s.name, s.status])).toEqual([['prepare', 'succeeded'], ['train', 'succeeded'], ['evaluate', 'succeeded']])
    expect(record.metrics.accuracy!.value).toBeGreaterThan(0.9)
    expect(record.git.dirty).toBe(false)
    expect(record.artifacts.map((a) => a.path)).toEqual(['models/model.json'])

    const report = repo.mlops('report')
    expect(report.status).toBe(0)
    expect(report.stdout.split('\n').find((l) => /gates? (pass|fail)/.test(l))).toContain('✅')
    expect(report.stdout).toContain('xychart-beta')

    const promote = repo.mlops('promote')
    expect(promote.status, promote.stderr).toBe(0)
    expect(promote.stdout).toContain('registered penguin-classifier v0.1.0')
    expect(repo.git('cat-file', '-t', 'penguin-classifier@v0.1.0').trim()).toBe('tag')
    expect(repo.git('cat-file', '-t', 'penguin-classifier#production#1').trim()).toBe('tag')

    // Same commit, same artifacts: a no-op, not a second version.
    const again = repo.mlops('promote')
    expect(again.status).toBe(0)
    expect(again.stdout).toContain('nothing to promote')
    expect(repo.git('tag', '--list').trim().split('\n')).toHaveLength(2)

    const versions = repo.mlops('versions')
    expect(versions.stdout).toMatch(/0\.1\.0 .*production/)
  })

  it('skips unchanged stages on a second run and reruns what a param change touches', () => {
    expect(repo.mlops('run').status).toBe(0)
    expect(repo.mlops('run').stdout).toContain('train [train.learning_rate=0.1]: unchanged, skipped (cached)')
    expect(latestRun().stages.every((s) => s.status === 'cached')).toBe(true)

    repo.write('params.yaml', repo.read('params.yaml').replace('epochs: 200', 'epochs: 150'))
    expect(repo.mlops('run').status).toBe(0)
    expect(latestRun().stages.map((s) => s.status)).toEqual(['cached', 'succeeded', 'succeeded'])
  })

  it('fails a gate, exits 1, and refuses to promote the run', () => {
    repo.write('mlops.yml', repo.read('mlops.yml').replace('accuracy: { min: 0.90,', 'accuracy: { min: 0.995,'))
    repo.commit('stricter gate')
    const run = repo.mlops('run')
    expect(run.status).toBe(1)
    expect(run.stdout).toMatch(/❌.*accuracy/)
    const promote = repo.mlops('promote')
    expect(promote.status).toBe(1)
    expect(promote.stderr).toMatch(/gate/i)
    expect(promote.stderr).not.toMatch(/\n\s+at /)
    expect(repo.git('tag', '--list').trim()).toBe('')
  })

  it('checks max_drop against the promoted baseline', () => {
    expect(repo.mlops('run').status).toBe(0)
    expect(repo.mlops('promote').status).toBe(0)
    // Still above the absolute minimums, but f1_macro falls by 0.014, more than 0.01.
    repo.write('mlops.yml', repo.read('mlops.yml').replace('max_drop: 0.02', 'max_drop: 0.01'))
    repo.write('params.yaml', briefTraining(repo.read('params.yaml')))
    repo.commit('briefly trained model')
    const run = repo.mlops('run')
    const record = latestRun()
    const drop = record.gates.results.find((g) => g.metric === 'f1_macro' && g.rule === 'max_drop')!
    expect(record.gates.baseline).toEqual({ version: '0.1.0', stage: 'production' })
    expect(drop.baseline).toBeGreaterThan(drop.value!)
    expect(drop.status).toBe('fail')
    expect(run.status).toBe(1)
    expect(repo.mlops('report').stdout).toMatch(/Baseline \(v0\\?\.1\\?\.0, production\)/)
  })

  it('reports every spec error with file:line:col, exit code 2 and no stack trace', () => {
    repo.write('mlops.yml', repo.read('mlops.yml').replace('deps: [data/train.csv', 'dep: [data/train.csv').replace('needs: [train]', 'needs: [trian]'))
    const result = repo.mlops('run')
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/^mlops\.yml:\d+:\d+: unknown key "dep" .*did you mean "deps"/m)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('reports a failing stage, blocks its dependents and exits 1', () => {
    repo.write('src/train.py', 'import sys\nsys.exit("boom: no training today")\n')
    const result = repo.mlops('run')
    expect(result.status).toBe(1)
    expect(result.stdout).toMatch(/✗ train \[train\.learning_rate=0\.1\]: failed: exit code 1: boom: no training today/)
    expect(latestRun().stages.map((s) => s.status)).toEqual(['succeeded', 'failed', 'blocked'])
  })

  describe('what makes a run dirty', () => {
    it('promotes after two runs in a project without a .gitignore: declared outputs and .mlops/ never count', () => {
      repo.git('rm', '-q', '--cached', '.gitignore')
      repo.git('commit', '-q', '-m', 'no gitignore')
      repo.write('.gitignore', '') // untracked and empty: ignores nothing, and is not an input
      const first = repo.mlops('run')
      expect(first.status, first.stderr).toBe(0)
      expect(repo.read('.mlops/.gitignore')).toBe('*\n')
      expect(first.stdout).toContain('declared outputs are neither tracked nor gitignored: data/train.csv, data/test.csv, models/model.json, reports/history.csv, reports/predictions.csv, reports/metrics.json')
      expect(first.stdout).toContain("printf '%s\\n' /data/train.csv /data/test.csv /models/model.json /reports/history.csv /reports/predictions.csv /reports/metrics.json >> .gitignore")
      const second = repo.mlops('run')
      expect(second.status).toBe(0)
      expect(second.stdout).not.toContain('gitignored') // offered on the first run only
      expect(latestRun().git).toMatchObject({ dirty: false })
      const promote = repo.mlops('promote')
      expect(promote.status, promote.stderr).toBe(0)
      expect(promote.stdout).toContain('registered penguin-classifier v0.1.0')
    })

    it('refuses a run that read an untracked dependency, naming the file', () => {
      repo.write('mlops.yml', repo.read('mlops.yml').replace('deps: [data/penguins.csv, src/prepare.py]', 'deps: [data/penguins.csv, src/prepare.py, data/extra.csv]'))
      repo.commit('extra input')
      repo.write('data/extra.csv', 'a\n1\n')
      expect(repo.mlops('run').status).toBe(0)
      expect(latestRun().git).toMatchObject({ dirty: true, dirtyFiles: ['data/extra.csv'], dirtyCount: 1 })
      const promote = repo.mlops('promote')
      expect(promote.status).toBe(1)
      expect(promote.stderr).toMatch(/uncommitted changes on top of [0-9a-f]{7} \("data\/extra\.csv"\)/)
      expect(repo.git('tag', '--list').trim()).toBe('')
    })

    it('refuses a run whose stage edited a tracked file that is not a declared output', () => {
      repo.write('notes.txt', 'runs:\n')
      repo.write('mlops.yml', repo.read('mlops.yml').replace('run: python3 src/prepare.py', 'run: python3 src/prepare.py && echo run >> notes.txt'))
      repo.commit('a stage that edits a committed file')
      expect(repo.mlops('run').status).toBe(0)
      expect(latestRun().git).toMatchObject({ dirty: true, dirtyFiles: ['notes.txt'] })
      const promote = repo.mlops('promote')
      expect(promote.status).toBe(1)
      expect(promote.stderr).toContain('("notes.txt")')
    })

    it('lists at most 10 files in the refusal, then a count', () => {
      for (let i = 0; i < 12; i++) repo.write(`src/new_${String(i).padStart(2, '0')}.py`, '')
      repo.write('mlops.yml', repo.read('mlops.yml').replace('deps: [data/penguins.csv, src/prepare.py]', 'deps: [data/penguins.csv, src/]'))
      repo.git('add', 'mlops.yml')
      repo.git('commit', '-q', '-m', 'whole src as dep')
      expect(repo.mlops('run').status).toBe(0)
      const promote = repo.mlops('promote')
      expect(promote.status).toBe(1)
      expect(promote.stderr).toContain('"src/new_09.py" and 2 more)')
      expect(promote.stderr).not.toContain('src/new_10.py')
    })

    it('does not count a committed, now rewritten model: declared outputs are products, not inputs', () => {
      expect(repo.mlops('run').status).toBe(0)
      repo.write('.gitignore', repo.read('.gitignore').replace('models/\n', ''))
      repo.commit('track the model')
      repo.write('params.yaml', repo.read('params.yaml').replace('epochs: 200', 'epochs: 150'))
      repo.commit('retrain')
      expect(repo.mlops('run').status).toBe(0)
      expect(latestRun().git.dirty).toBe(false)
    })
  })

  it('rolls the stage back to the previous version', () => {
    expect(repo.mlops('run').status).toBe(0)
    expect(repo.mlops('promote').status).toBe(0)
    repo.write('params.yaml', repo.read('params.yaml').replace('epochs: 200', 'epochs: 180'))
    repo.commit('retrain')
    expect(repo.mlops('run').status).toBe(0)
    expect(repo.mlops('promote').stdout).toContain('v0.2.0')
    const rollback = repo.mlops('rollback')
    expect(rollback.status, rollback.stderr).toBe(0)
    expect(rollback.stdout).toContain('production: penguin-classifier v0.1.0 (was v0.2.0)')
  })

  it('init writes a starter spec that validates, and refuses to overwrite', () => {
    repo.remove()
    repo = createExampleRepo()
    repo.git('rm', '-q', 'mlops.yml')
    repo.write('.gitignore', '')
    const init = repo.mlops('init')
    expect(init.status).toBe(0)
    expect(repo.read('.mlops/.gitignore')).toBe('*\n')
    expect(init.stdout).toContain('neither tracked nor gitignored: models/model.pkl, reports/metrics.json\n')
    expect(init.stdout).toContain("printf '%s\\n' /models/model.pkl /reports/metrics.json >> .gitignore")
    expect(repo.mlops('init').status).toBe(2)
    const validate = repo.mlops('validate')
    expect(validate.stdout).toContain('mlops.yml: valid')
  })

  it('says what is wrong with a bad command line', () => {
    const result = repo.mlops('rnu')
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('unknown command "rnu"; did you mean "run"?')
  })
})
