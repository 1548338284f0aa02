import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flattenParams, loadParams, paramEnvName, ParamsError, selectParams } from '../../src/pipeline/params.js'
import { tempDirs, writeFiles } from './helpers.js'

const dirs = tempDirs()
let root: string

beforeEach(async () => {
  root = await dirs.make('mlops-params-')
})
afterEach(() => dirs.cleanup())

describe('loadParams', () => {
  it('flattens nested YAML keys with dots; lists become JSON, dates ISO strings', async () => {
    await writeFiles(root, {
      'params.yaml': [
        'seed: 42',
        'train:',
        '  epochs: 200',
        '  learning_rate: 0.1',
        '  optimizer: { name: adam, betas: [0.9, 0.999] }',
        '  resume: null',
        'prepare:',
        '  split: 0.8',
        '  shuffle: true',
        '  since: 2024-01-02',
        '',
      ].join('\n'),
    })
    expect(await loadParams(root, undefined)).toEqual({
      seed: 42,
      'train.epochs': 200,
      'train.learning_rate': 0.1,
      'train.optimizer.name': 'adam',
      'train.optimizer.betas': '[0.9,0.999]',
      'train.resume': null,
      'prepare.split': 0.8,
      'prepare.shuffle': true,
      // YAML 1.2 core schema: a date stays a string.
      'prepare.since': '2024-01-02',
    })
  })

  it('reads a JSON params file named in the spec', async () => {
    await writeFiles(root, { 'config/params.json': JSON.stringify({ train: { epochs: 3, layers: [64, 32] }, name: 'x' }) })
    expect(await loadParams(root, 'config/params.json')).toEqual({ 'train.epochs': 3, 'train.layers': '[64,32]', name: 'x' })
  })

  it('returns {} when the default params.yaml is absent, or the file is empty', async () => {
    expect(await loadParams(root, undefined)).toEqual({})
    await writeFiles(root, { 'params.yaml': '# nothing yet\n' })
    expect(await loadParams(root, undefined)).toEqual({})
  })

  it('fails when a params file the spec names is absent', async () => {
    const error = await loadParams(root, 'params/train.yaml').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ParamsError)
    expect((error as Error).message).toMatch(/^cannot read params file "params\/train\.yaml": ENOENT/)
  })

  it('names the file and the first line of the YAML error', async () => {
    await writeFiles(root, { 'params.yaml': 'train:\n  epochs: 3\n   lr: [0.1\n' })
    const error = await loadParams(root, undefined).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ParamsError)
    const message = (error as Error).message
    expect(message).toMatch(/^params file "params\.yaml" is not valid YAML: .+/)
    expect(message).not.toContain('\n')
    expect(message).toMatch(/line \d+/)
  })

  it('names the file in a JSON error', async () => {
    await writeFiles(root, { 'p.json': '{ "train": { "epochs": 3, } }' })
    await expect(loadParams(root, 'p.json')).rejects.toThrow(/^params file "p\.json" is not valid JSON: /)
  })

  it('refuses a file that is not a mapping', async () => {
    await writeFiles(root, { 'params.yaml': '- 1\n- 2\n', 'p.json': '42' })
    await expect(loadParams(root, undefined)).rejects.toThrow(/must hold a mapping of keys/)
    await expect(loadParams(root, 'p.json')).rejects.toThrow(/must hold a mapping of keys/)
  })
})

describe('flattenParams', () => {
  it('keeps an empty mapping out and leaves scalars as they are', () => {
    expect(flattenParams({ a: {}, b: { c: { d: 'deep' } }, e: false, f: 0 })).toEqual({ 'b.c.d': 'deep', e: false, f: 0 })
  })
})

describe('selectParams', () => {
  const all = { seed: 42, 'train.epochs': 200, 'train.lr': 0.1, 'train.optimizer.name': 'adam', 'training.other': 1, 'prepare.split': 0.8 }

  it('selects exact keys', () => {
    expect(selectParams(all, ['seed', 'train.lr'])).toEqual({ values: { seed: 42, 'train.lr': 0.1 }, missing: [] })
  })

  it('selects a whole subtree by its prefix, not keys that merely start alike', () => {
    expect(selectParams(all, ['train']).values).toEqual({ 'train.epochs': 200, 'train.lr': 0.1, 'train.optimizer.name': 'adam' })
    expect(selectParams(all, ['train.optimizer']).values).toEqual({ 'train.optimizer.name': 'adam' })
  })

  it('reports missing keys and still returns the ones found', () => {
    expect(selectParams(all, ['seed', 'train.batch_size', 'evaluate'])).toEqual({ values: { seed: 42 }, missing: ['train.batch_size', 'evaluate'] })
  })

  it('selects nothing for no declared keys', () => {
    expect(selectParams(all, [])).toEqual({ values: {}, missing: [] })
  })
})

describe('paramEnvName', () => {
  it('upper-cases and turns separators into underscores', () => {
    expect(paramEnvName('train.epochs')).toBe('MLOPS_PARAM_TRAIN_EPOCHS')
    expect(paramEnvName('train.learning_rate')).toBe('MLOPS_PARAM_TRAIN_LEARNING_RATE')
    expect(paramEnvName('model.hidden-size')).toBe('MLOPS_PARAM_MODEL_HIDDEN_SIZE')
    expect(paramEnvName('a..b')).toBe('MLOPS_PARAM_A_B')
  })
})
