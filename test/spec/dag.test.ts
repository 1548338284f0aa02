import { describe, expect, it } from 'vitest'
import { buildDag, dataId, findCycle, pathsOverlap, stageId, topologicalOrder } from '../../src/pipeline/dag.js'
import { DataEntrySchema, type DataEntry, type Stage, StageSchema } from '../../src/spec/schema.js'
import type { SpecInput } from '../../src/spec/schema.js'

type StageInput = Omit<SpecInput['stages'][string], 'run'>

function stages(input: Record<string, StageInput>): Record<string, Stage> {
  return Object.fromEntries(Object.entries(input).map(([name, s]) => [name, StageSchema.parse({ run: `echo ${name}`, ...s })]))
}

function data(input: Record<string, string>): Record<string, DataEntry> {
  return Object.fromEntries(Object.entries(input).map(([name, p]) => [name, DataEntrySchema.parse({ path: p })]))
}

const after = (dag: ReturnType<typeof buildDag>, id: string) => [...(dag.get(id)?.after ?? [])].sort()

describe('pathsOverlap', () => {
  it('matches equal paths, directories and their contents, whatever the spelling', () => {
    expect(pathsOverlap('data/train.csv', 'data/train.csv')).toBe(true)
    expect(pathsOverlap('./data/train.csv', 'data//train.csv')).toBe(true)
    expect(pathsOverlap('data/', 'data/train.csv')).toBe(true)
    expect(pathsOverlap('data/train.csv', 'data')).toBe(true)
    expect(pathsOverlap('data\\train.csv', 'data/train.csv')).toBe(true)
  })

  it('does not match a name that merely starts the same', () => {
    expect(pathsOverlap('data', 'database/x.csv')).toBe(false)
    expect(pathsOverlap('models/model.json', 'models/model.json.bak')).toBe(false)
  })
})

describe('buildDag', () => {
  it('adds an edge for each need', () => {
    const dag = buildDag({ stages: stages({ train: {}, report: {}, evaluate: { needs: ['train', 'report'] } }), data: {} })
    expect(after(dag, stageId('evaluate'))).toEqual([stageId('report'), stageId('train')])
    expect(after(dag, stageId('train'))).toEqual([])
  })

  it('ignores needs naming no stage or the stage itself (the rules report those)', () => {
    const dag = buildDag({ stages: stages({ train: { needs: ['train', 'nope'] } }), data: {} })
    expect(after(dag, stageId('train'))).toEqual([])
  })

  it('orders a stage after the one whose outs it reads', () => {
    const dag = buildDag({
      stages: stages({
        prepare: { outs: ['data/train.csv', 'data/test.csv'] },
        train: { deps: ['./data/train.csv', 'src/train.py'], outs: ['models/'] },
        evaluate: { deps: ['models/model.json', 'data/test.csv'] },
      }),
      data: {},
    })
    expect(after(dag, stageId('prepare'))).toEqual([])
    expect(after(dag, stageId('train'))).toEqual([stageId('prepare')])
    expect(after(dag, stageId('evaluate'))).toEqual([stageId('prepare'), stageId('train')])
  })

  it('orders a reader of a whole directory after each writer of a file in it', () => {
    const dag = buildDag({
      stages: stages({ a: { outs: ['features/a.parquet'] }, b: { outs: ['features/b.parquet'] }, train: { deps: ['features'] } }),
      data: {},
    })
    expect(after(dag, stageId('train'))).toEqual([stageId('a'), stageId('b')])
  })

  it('adds no edge from a stage to itself when it reads what it writes', () => {
    const dag = buildDag({ stages: stages({ train: { deps: ['cache/'], outs: ['cache/'] } }), data: {} })
    expect(after(dag, stageId('train'))).toEqual([])
  })

  it('checks a data file after the stage that writes it and before the stages that read it', () => {
    const dag = buildDag({
      stages: stages({
        prepare: { deps: ['data/raw.csv'], outs: ['data/train.csv'] },
        train: { deps: ['data/train.csv'] },
        report: { deps: ['data/'] },
      }),
      data: data({ raw: 'data/raw.csv', training: 'data/train.csv' }),
    })
    expect(dag.get(dataId('raw'))).toEqual({ id: dataId('raw'), kind: 'data', name: 'raw', after: [] })
    expect(after(dag, dataId('training'))).toEqual([stageId('prepare')])
    expect(after(dag, stageId('prepare'))).toEqual([dataId('raw')])
    expect(after(dag, stageId('train'))).toEqual([dataId('training'), stageId('prepare')])
    expect(after(dag, stageId('report'))).toEqual([dataId('raw'), dataId('training'), stageId('prepare')])
    const order = topologicalOrder(dag)
    expect(order.indexOf(dataId('raw'))).toBeLessThan(order.indexOf(stageId('prepare')))
    expect(order.indexOf(stageId('prepare'))).toBeLessThan(order.indexOf(dataId('training')))
    expect(order.indexOf(dataId('training'))).toBeLessThan(order.indexOf(stageId('train')))
    expect(findCycle(dag)).toBeUndefined()
  })

  it('does not make the writer of a data file wait for its own check', () => {
    const dag = buildDag({ stages: stages({ prepare: { deps: ['data/train.csv'], outs: ['data/train.csv'] } }), data: data({ training: 'data/train.csv' }) })
    expect(after(dag, stageId('prepare'))).toEqual([])
    expect(after(dag, dataId('training'))).toEqual([stageId('prepare')])
    expect(topologicalOrder(dag)).toEqual([stageId('prepare'), dataId('training')])
  })
})

describe('topologicalOrder', () => {
  it('keeps declaration order among stages that do not depend on each other', () => {
    const dag = buildDag({ stages: stages({ zeta: {}, alpha: {}, mid: {} }), data: {} })
    expect(topologicalOrder(dag)).toEqual([stageId('zeta'), stageId('alpha'), stageId('mid')])
  })

  it('is the same on every call and puts every stage after what it needs', () => {
    const spec = {
      stages: stages({
        evaluate: { needs: ['train'], deps: ['models/m.json'] },
        train: { deps: ['data/train.csv'], outs: ['models/m.json'] },
        lint: {},
        prepare: { outs: ['data/train.csv'] },
      }),
      data: data({ training: 'data/train.csv' }),
    }
    const order = topologicalOrder(buildDag(spec))
    expect(order).toEqual([stageId('lint'), stageId('prepare'), dataId('training'), stageId('train'), stageId('evaluate')])
    for (let i = 0; i < 5; i++) expect(topologicalOrder(buildDag(spec))).toEqual(order)
  })

  it('throws on a cycle, naming it', () => {
    const dag = buildDag({ stages: stages({ a: { needs: ['b'] }, b: { needs: ['a'] } }), data: {} })
    expect(() => topologicalOrder(dag)).toThrow(/^cycle in pipeline: stage:a -> stage:b -> stage:a$/)
  })
})

describe('findCycle', () => {
  it('returns undefined for a graph without cycles', () => {
    expect(findCycle(buildDag({ stages: stages({ a: {}, b: { needs: ['a'] }, c: { needs: ['a', 'b'] } }), data: {} }))).toBeUndefined()
  })

  it('lists a cycle through needs in run order, the first stage repeated at the end', () => {
    const dag = buildDag({ stages: stages({ prepare: { needs: ['evaluate'] }, train: { needs: ['prepare'] }, evaluate: { needs: ['train'] } }), data: {} })
    expect(findCycle(dag)).toEqual([stageId('prepare'), stageId('train'), stageId('evaluate'), stageId('prepare')])
  })

  it('finds a cycle made of deps and outs', () => {
    const dag = buildDag({
      stages: stages({ prepare: { deps: ['reports/'], outs: ['data/train.csv'] }, train: { deps: ['data/train.csv'], outs: ['reports/metrics.json'] } }),
      data: {},
    })
    expect(findCycle(dag)).toEqual([stageId('prepare'), stageId('train'), stageId('prepare')])
  })

  it('finds a cycle that does not start at the first stage', () => {
    const dag = buildDag({ stages: stages({ ok: {}, x: { needs: ['ok', 'y'] }, y: { needs: ['x'] } }), data: {} })
    const cycle = findCycle(dag)
    expect(cycle?.[0]).toBe(cycle?.at(-1))
    expect(new Set(cycle)).toEqual(new Set([stageId('x'), stageId('y')]))
  })
})
