import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatDiagnostic } from '../../src/spec/diagnostics.js'
import { loadSpecFile, parseSpec } from '../../src/spec/load-spec.js'

const PENGUINS = fileURLToPath(new URL('../../examples/penguins/mlops.yml', import.meta.url))
const MIB = 1024 * 1024

const MINIMAL = `version: 1
model:
  name: penguin-classifier
  artifacts: [models/model.json]
stages:
  train:
    run: python3 src/train.py
    outs: [models/model.json]
`

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'mlops-spec-'))
})
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true })
})

describe('the penguins example', () => {
  it('loads with no errors and no warnings', async () => {
    const result = await loadSpecFile(PENGUINS, 'mlops.yml')
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([])
    expect(result.ok).toBe(true)
  })

  it('applies the defaults', async () => {
    const result = await loadSpecFile(PENGUINS, 'mlops.yml')
    if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'))
    const { spec } = result
    expect(result.sha256).toBe(createHash('sha256').update(await readFile(PENGUINS)).digest('hex'))

    expect(spec.version).toBe(1)
    expect(spec.model).toEqual({
      name: 'penguin-classifier',
      description: 'Predicts the species of a penguin from its measurements',
      artifacts: ['models/model.json'],
    })
    expect(spec.params).toBe('params.yaml')

    const penguins = spec.data.penguins!
    expect(penguins.path).toBe('data/penguins.csv')
    expect(penguins.format).toBeUndefined()
    expect(penguins.rows).toEqual({ min: 300 })
    expect(penguins.strict).toBe(false)
    expect(penguins.drift).toEqual({ share: 0.5, gate: false })
    expect(penguins.columns.species).toEqual({ type: 'category', values: ['Adelie', 'Chinstrap', 'Gentoo'], nullable: false, unique: false, mostly: 1 })
    expect(penguins.columns.island).toMatchObject({ nullable: true, unique: false, mostly: 1 })
    expect(penguins.columns.body_mass_g).toEqual({ type: 'integer', min: 2000, max: 7000, mostly: 0.99, nullable: true, unique: false })

    expect(Object.keys(spec.stages)).toEqual(['prepare', 'train', 'evaluate'])
    expect(spec.stages.prepare).toEqual({
      run: 'python3 src/prepare.py',
      needs: [],
      deps: ['data/penguins.csv', 'src/prepare.py'],
      outs: ['data/train.csv', 'data/test.csv'],
      params: [],
      metrics: [],
      plots: [],
      env: {},
      'timeout-minutes': 360,
      cache: true,
      'runs-on': 'ubuntu-latest',
    })
    expect(spec.stages.train!.params).toEqual(['train.learning_rate', 'train.epochs'])
    expect(spec.stages.train!.plots).toEqual([{ file: 'reports/history.csv', x: 'epoch', y: ['loss', 'val_loss'] }])
    expect(spec.stages.evaluate).toMatchObject({ needs: ['train'], outs: ['reports/predictions.csv'], metrics: ['reports/metrics.json'], cache: true, 'timeout-minutes': 360 })

    expect(spec.evaluation).toEqual({
      predictions: 'reports/predictions.csv',
      task: 'classification',
      label: 'species',
      prediction: 'predicted',
      score: 'p_adelie',
      positive: 'Adelie',
      slices: ['island', 'sex'],
      min_group: 20,
      agg: 'worst_case',
    })
    expect(spec.metrics).toEqual({})
    expect(spec.serve).toEqual({
      run: 'python3 src/serve.py',
      ready: 'http://127.0.0.1:{port}/health',
      url: 'http://127.0.0.1:{port}/predict',
      requests: 'data/requests.jsonl',
      count: 200,
      warmup: 10,
      concurrency: 1,
      'startup-seconds': 60,
      'request-timeout-ms': 10_000,
      env: {},
    })
    expect(spec.gates).toEqual({
      latency_p95_ms: { max: 50 },
      accuracy: { min: 0.9, per_slice: { min: 0.85 } },
      f1_macro: { min: 0.85, max_drop: 0.02 },
      equalized_odds_difference: { max: 0.2, slices: ['sex'] },
    })
    expect(spec.promote).toEqual({ branch: 'main', bump: 'minor', stage: 'production' })
  })
})

describe('parseSpec', () => {
  it('fills promote defaults and turns env values into strings', () => {
    const result = parseSpec(`${MINIMAL}    env: { SEED: 42, FAST: true, NAME: x }\npromote: {}\n`, 'mlops.yml')
    expect(result.diagnostics).toEqual([])
    if (!result.ok) return
    expect(result.spec.stages.train!.env).toEqual({ SEED: '42', FAST: 'true', NAME: 'x' })
    expect(result.spec.promote).toEqual({ branch: 'main', bump: 'minor', stage: 'production' })
    expect(result.spec.data).toEqual({})
    expect(result.spec.gates).toEqual({})
  })

  it('keeps warnings without failing: an artifact no stage writes', () => {
    const text = MINIMAL.replace('artifacts: [models/model.json]', 'artifacts: [models/model.json, models/vocab.txt]')
    const result = parseSpec(text, 'mlops.yml')
    expect(result.ok).toBe(true)
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      `mlops.yml:4:34: warning: artifact "models/vocab.txt" is not in any stage's outs, so no stage is known to produce it`,
    ])
  })

  it('accepts an artifact inside a directory a stage writes', () => {
    const result = parseSpec(MINIMAL.replace('outs: [models/model.json]', 'outs: [models/]'), 'mlops.yml')
    expect(result.ok).toBe(true)
    expect(result.diagnostics).toEqual([])
  })

  it('accepts ordinary reuse through anchors and aliases', () => {
    const text = `${MINIMAL}    deps: &common [src/common.py, src/features.py]
  evaluate:
    run: python3 src/evaluate.py
    deps: *common
`
    const result = parseSpec(text, 'mlops.yml')
    expect(result.diagnostics).toEqual([])
    if (result.ok) expect(result.spec.stages.evaluate!.deps).toEqual(['src/common.py', 'src/features.py'])
  })

  it('reports the same positions for CRLF line endings', () => {
    const text = MINIMAL.replace('outs:', 'dep: [x]\n    outs:')
    const lf = parseSpec(text, 'mlops.yml')
    const crlf = parseSpec(text.replaceAll('\n', '\r\n'), 'mlops.yml')
    expect(lf.diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(/^mlops\.yml:8:5: unknown key "dep"/)])
    expect(crlf.diagnostics).toEqual(lf.diagnostics)
  })

  it.each([
    ['a NUL byte', '\0'],
    ['a lone colon', ':'],
    ['an unclosed bracket', '['],
    ['a recursive alias', 'a: &a [*a]\n'],
    ['a recursive alias in a stage', `${MINIMAL}    needs: &n [*n]\n`],
    ['a binary scalar', '!!binary aGVsbG8='],
    ['a collection as a key', `${MINIMAL}? [a, b]\n: 1\n`],
    ['a missing version', MINIMAL.replace('version: 1\n', '')],
    ['keys named like Object.prototype members', `${MINIMAL}__proto__: {}\nconstructor: 1\n`],
    ['a byte order mark', `\uFEFF${MINIMAL}`],
  ])('never throws and always locates its diagnostics: %s', (_, text) => {
    const result = parseSpec(text, 'mlops.yml')
    for (const d of result.diagnostics) {
      expect(d.line).toBeGreaterThan(0)
      expect(formatDiagnostic(d)).toMatch(/^mlops\.yml:\d+:\d+: [^\n]+$/)
    }
  })

  it('reports unknown YAML tags as warnings', () => {
    const result = parseSpec(MINIMAL.replace('run: python3', 'run: !shell python3'), 'mlops.yml')
    expect(result.ok).toBe(true)
    expect(result.diagnostics.map(formatDiagnostic)).toEqual(['mlops.yml:7:10: warning: YAML: Unresolved tag: !shell'])
  })

  it('names the file it was given', () => {
    const result = parseSpec(MINIMAL.replace('version: 1', 'version: 2'), 'ci/mlops.yml')
    expect(result.diagnostics.map(formatDiagnostic)).toEqual(['ci/mlops.yml:1:10: "version": expected 1, received number 2'])
  })
})

describe('loadSpecFile', () => {
  it('points at "mlops init" when the file is missing', async () => {
    const result = await loadSpecFile(path.join(tmp, 'missing', 'mlops.yml'), 'mlops.yml')
    expect(result.ok).toBe(false)
    expect(result.diagnostics.map(formatDiagnostic)).toEqual(['mlops.yml: file not found; run "mlops init" to write a starter spec'])
  })

  it('shows the base name unless told otherwise', async () => {
    const result = await loadSpecFile(path.join(tmp, 'nowhere.yml'))
    expect(result.diagnostics[0]!.file).toBe('nowhere.yml')
  })

  it('says so when the path cannot be read', async () => {
    const result = await loadSpecFile(tmp, 'mlops.yml')
    expect(result.ok).toBe(false)
    expect(formatDiagnostic(result.diagnostics[0]!)).toMatch(/^mlops\.yml: cannot read: /)
  })

  it('refuses a file over 1 MiB without parsing it', async () => {
    const file = path.join(tmp, 'huge.yml')
    await writeFile(file, MINIMAL + `# ${'x'.repeat(MIB)}\n`)
    const result = await loadSpecFile(file, 'mlops.yml')
    expect(result.ok).toBe(false)
    expect(result.diagnostics).toHaveLength(1)
    expect(formatDiagnostic(result.diagnostics[0]!)).toMatch(/^mlops\.yml: file is \d+ bytes; a spec may be at most 1048576$/)
  })

  it('accepts a file of exactly 1 MiB', async () => {
    const file = path.join(tmp, 'limit.yml')
    const padding = MIB - Buffer.byteLength(MINIMAL) - 3
    await writeFile(file, `${MINIMAL}# ${'x'.repeat(padding)}\n`)
    expect((await readFile(file)).length).toBe(MIB)
    const result = await loadSpecFile(file, 'mlops.yml')
    expect(result.diagnostics).toEqual([])
    expect(result.ok).toBe(true)
  })
})
