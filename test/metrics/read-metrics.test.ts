import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readMetrics } from '../../src/metrics/read-metrics.js'

let root: string

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mlops-metrics-'))
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

async function write(file: string, text: string): Promise<string> {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true })
  await writeFile(path.join(root, file), text)
  return file
}

function values(metrics: Record<string, { value: number }>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, m.value]))
}

describe('readMetrics: JSON and YAML', () => {
  it('flattens nested objects to dotted names and arrays by index', async () => {
    const file = await write(
      'reports/metrics.json',
      JSON.stringify({
        accuracy: 0.97,
        per_class: { Adelie: { f1: 0.98, support: 44 }, Gentoo: { f1: 1 } },
        thresholds: [0.1, 0.5],
        curve: [{ x: 1 }],
      }),
    )
    const { metrics, errors } = await readMetrics(root, [file])
    expect(errors).toEqual([])
    expect(values(metrics)).toEqual({
      accuracy: 0.97,
      'per_class.Adelie.f1': 0.98,
      'per_class.Adelie.support': 44,
      'per_class.Gentoo.f1': 1,
      'thresholds.0': 0.1,
      'thresholds.1': 0.5,
      'curve.0.x': 1,
    })
    expect(metrics['per_class.Adelie.f1']).toEqual({ value: 0.98, file: 'reports/metrics.json', direction: 'higher' })
  })

  it('counts numeric strings and skips booleans, nulls, text, NaN and Infinity', async () => {
    const file = await write(
      'm.json',
      JSON.stringify({ a: '0.5', b: ' 1e-3 ', c: true, d: null, e: 'high', f: 'NaN', g: 'Infinity', h: '', i: '0x10', j: '1e999' }),
    )
    const { metrics } = await readMetrics(root, [file])
    expect(values(metrics)).toEqual({ a: 0.5, b: 0.001 })
  })

  it('reads YAML by .yaml and .yml, skipping .nan and .inf', async () => {
    const a = await write('a.yaml', 'loss: 0.25\nnested:\n  rmse: 1.5\n  ok: yes\nbad: .nan\nhuge: .inf\n')
    const b = await write('b.yml', '- 1\n- 2\n')
    const { metrics, errors } = await readMetrics(root, [a, b])
    expect(errors).toEqual([])
    expect(values(metrics)).toEqual({ loss: 0.25, 'nested.rmse': 1.5, '0': 1, '1': 2 })
    expect(metrics.loss?.direction).toBe('lower')
  })

  it('applies direction overrides from the spec', async () => {
    const file = await write('m.json', '{"loss": 1, "widgets": 2}')
    const { metrics } = await readMetrics(root, [file], { loss: { direction: 'higher' }, widgets: { direction: 'lower' } })
    expect(metrics.loss?.direction).toBe('higher')
    expect(metrics.widgets?.direction).toBe('lower')
  })

  it('stores a "__proto__" key as a metric instead of changing the prototype', async () => {
    const file = await write('m.json', '{"__proto__": {"polluted": 1}, "ok": 2}')
    const { metrics } = await readMetrics(root, [file])
    expect(values(metrics)).toEqual({ '__proto__.polluted': 1, ok: 2 })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('readMetrics: CSV and TSV', () => {
  it('takes the last row of a header + rows table', async () => {
    const file = await write('history.csv', 'epoch,loss,acc,note\n1,0.9,0.5,start\n2,0.4,0.8,\n3,0.2,0.9,done\n')
    const { metrics, errors } = await readMetrics(root, [file])
    expect(errors).toEqual([])
    expect(values(metrics)).toEqual({ epoch: 3, loss: 0.2, acc: 0.9 })
  })

  it('reads a key,value table with a name,value header', async () => {
    const file = await write('m.csv', 'metric,value\naccuracy,0.97\nf1,0.95\nnote,n/a\n')
    expect(values((await readMetrics(root, [file])).metrics)).toEqual({ accuracy: 0.97, f1: 0.95 })
  })

  it('reads a headerless key,value TSV', async () => {
    const file = await write('m.tsv', 'accuracy\t0.97\nlog_loss\t0.08\n')
    expect(values((await readMetrics(root, [file])).metrics)).toEqual({ accuracy: 0.97, log_loss: 0.08 })
  })

  it('treats a two-column table with a numeric first column as header + rows', async () => {
    const file = await write('curve.csv', 'epoch,loss\n1,0.9\n2,0.5\n')
    expect(values((await readMetrics(root, [file])).metrics)).toEqual({ epoch: 2, loss: 0.5 })
  })

  it('treats a one-row table with text headers as header + row, not key,value', async () => {
    const file = await write('m.csv', 'accuracy,f1\n0.9,0.8\n')
    expect(values((await readMetrics(root, [file])).metrics)).toEqual({ accuracy: 0.9, f1: 0.8 })
  })

  it('reports a header without data rows', async () => {
    const file = await write('m.csv', 'accuracy,f1\n')
    const { errors } = await readMetrics(root, [file])
    expect(errors).toEqual([{ file: 'm.csv', message: 'm.csv: has a header row but no data rows' }])
  })
})

describe('readMetrics: problems', () => {
  it('reports a missing file and keeps reading the others', async () => {
    const good = await write('good.json', '{"accuracy": 0.9}')
    const { metrics, errors } = await readMetrics(root, ['missing.json', good])
    expect(values(metrics)).toEqual({ accuracy: 0.9 })
    expect(errors).toEqual([{ file: 'missing.json', message: 'missing.json: file not found (did the stage write it?)' }])
  })

  it('reports invalid JSON with line and column', async () => {
    const file = await write('bad.json', '{\n  "accuracy": 0.9,\n  "f1": \n}\n')
    const { errors } = await readMetrics(root, [file])
    expect(errors).toHaveLength(1)
    expect(errors[0]?.message).toMatch(/^bad\.json: invalid JSON/)
    // Node 20 says "at position N" only for some errors; either way no source text leaks in.
    expect(errors[0]?.message).not.toContain('"f1"')
  })

  it('turns a V8 position into a line and column', async () => {
    const file = await write('bad.json', '{\n  "a": 1,\n  x\n}')
    const { errors } = await readMetrics(root, [file])
    expect(errors[0]?.message).toMatch(/^bad\.json: invalid JSON at line 3, column 3: /)
  })

  it('reports invalid YAML with its position', async () => {
    const file = await write('bad.yaml', 'a: 1\n  b: [2\n')
    const { errors } = await readMetrics(root, [file])
    expect(errors[0]?.message).toMatch(/^bad\.yaml: invalid YAML: .*line \d+, column \d+/)
    expect(errors[0]?.message).not.toContain('\n')
  })

  it('reports an empty file, a top-level scalar and a file without numbers', async () => {
    const empty = await write('empty.json', '  \n')
    const scalar = await write('scalar.yaml', '0.97\n')
    const none = await write('none.json', '{"ok": true}')
    const { errors } = await readMetrics(root, [empty, scalar, none])
    expect(errors.map((e) => e.message)).toEqual([
      'empty.json: the file is empty',
      'scalar.yaml: expected an object of metrics at the top level, found a number',
      'none.json: no numeric values found',
    ])
  })

  it('reports a directory where a file was declared', async () => {
    await mkdir(path.join(root, 'reports'))
    const { errors } = await readMetrics(root, ['reports'])
    expect(errors[0]?.message).toBe('reports: is a directory, expected a file')
  })

  it('names the metric and both files when two files define it, keeping the first value', async () => {
    const a = await write('a.json', '{"accuracy": 0.9, "f1": 0.8}')
    const b = await write('b.csv', 'metric,value\naccuracy,0.5\n')
    const { metrics, errors } = await readMetrics(root, [a, b])
    expect(metrics.accuracy).toEqual({ value: 0.9, file: 'a.json', direction: 'higher' })
    expect(errors).toEqual([
      { file: 'b.csv', message: 'metric "accuracy" is defined in both a.json and b.csv; keeping the value from a.json' },
    ])
  })

  it('reports a name defined twice within one file', async () => {
    const file = await write('m.json', '{"a.b": 1, "a": {"b": 2}}')
    const { metrics, errors } = await readMetrics(root, [file])
    expect(metrics['a.b']?.value).toBe(1)
    expect(errors[0]?.message).toBe('metric "a.b" is defined twice in m.json; keeping the first value')
  })

  it('reads a file declared twice only once', async () => {
    const file = await write('m.json', '{"accuracy": 0.9}')
    expect(await readMetrics(root, [file, file])).toEqual({
      metrics: { accuracy: { value: 0.9, file: 'm.json', direction: 'higher' } },
      errors: [],
    })
  })

  it('returns nothing for no files', async () => {
    expect(await readMetrics(root, [])).toEqual({ metrics: {}, errors: [] })
  })
})
