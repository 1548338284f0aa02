import { describe, expect, it } from 'vitest'
import type { DagNode } from '../../src/pipeline/dag.js'
import { runGraph, type NodeOutcome } from '../../src/pipeline/scheduler.js'
import { sleep } from './helpers.js'

// The scheduler on its own: nodes are plain ids, execute sleeps for real so that several of
// them are in flight at once.

function graph(edges: Record<string, string[]>): Map<string, DagNode> {
  return new Map(Object.entries(edges).map(([id, after]) => [id, { id, kind: 'stage' as const, name: id, after }]))
}

interface Options {
  ms?: Record<string, number>
  fail?: string[]
  throws?: string[]
}

/** Runs `nodes` recording start/finish order, peak concurrency and blocked causes. */
async function schedule(nodes: Map<string, DagNode>, jobs: number, { ms = {}, fail = [], throws = [] }: Options = {}) {
  const started: string[] = []
  const finished: string[] = []
  const blocked = new Map<string, string>()
  let active = 0
  let peak = 0
  const outcome = await runGraph(nodes, jobs, {
    execute: async (node): Promise<NodeOutcome> => {
      started.push(node.id)
      peak = Math.max(peak, ++active)
      await sleep(ms[node.id] ?? 20)
      active--
      finished.push(node.id)
      if (throws.includes(node.id)) throw new Error(`${node.id} exploded`)
      return { ok: !fail.includes(node.id) }
    },
    block: (node, cause) => {
      expect(started).not.toContain(node.id)
      blocked.set(node.id, cause)
    },
  })
  return { outcome, started, finished, blocked, peak }
}

describe('runGraph', () => {
  it('starts every node only after all the nodes it comes after finished', async () => {
    // Declared in reverse so declaration order alone would be wrong.
    const nodes = graph({ report: ['evaluate', 'train'], evaluate: ['train', 'featurize'], train: ['featurize'], featurize: ['prepare'], prepare: [] })
    const { outcome, started, finished } = await schedule(nodes, 4)
    expect(started).toEqual(['prepare', 'featurize', 'train', 'evaluate', 'report'])
    for (const node of nodes.values()) {
      for (const before of node.after) expect(finished.indexOf(before)).toBeLessThan(started.indexOf(node.id))
    }
    expect([...outcome.values()].every((o) => o === 'ok')).toBe(true)
  })

  it('never runs more than `jobs` nodes at once, and does use all of them', async () => {
    const nodes = graph(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`n${i}`, []])))
    const { peak, finished } = await schedule(nodes, 3, { ms: Object.fromEntries([...nodes.keys()].map((id, i) => [id, 30 + (i % 3) * 15])) })
    expect(peak).toBe(3)
    expect(finished).toHaveLength(8)
  })

  it('runs serially with jobs = 1 (and treats jobs < 1 as 1)', async () => {
    const nodes = graph({ a: [], b: [], c: [], d: ['a'] })
    for (const jobs of [1, 0, -3]) {
      const { peak, started, finished } = await schedule(nodes, jobs)
      expect(peak).toBe(1)
      expect(started).toEqual(['a', 'b', 'c', 'd'])
      expect(finished).toEqual(started)
    }
  })

  it('keeps an independent branch running when another branch fails', async () => {
    // a fails quickly; x -> y -> z is slow and unrelated.
    const nodes = graph({ a: [], b: ['a'], x: [], y: ['x'], z: ['y'] })
    const { outcome, finished, blocked } = await schedule(nodes, 2, { fail: ['a'], ms: { a: 5, x: 40, y: 40, z: 40 } })
    expect(Object.fromEntries(outcome)).toEqual({ a: 'failed', b: 'blocked', x: 'ok', y: 'ok', z: 'ok' })
    expect(finished).toEqual(['a', 'x', 'y', 'z'])
    expect(Object.fromEntries(blocked)).toEqual({ b: 'a' })
  })

  it('blocks dependents transitively, naming the node each one waited for', async () => {
    const nodes = graph({ a: [], b: ['a'], c: ['b'], d: ['c', 'e'], e: [], f: ['e'] })
    const { outcome, started, blocked } = await schedule(nodes, 2, { fail: ['a'] })
    expect(Object.fromEntries(outcome)).toEqual({ a: 'failed', b: 'blocked', c: 'blocked', d: 'blocked', e: 'ok', f: 'ok' })
    expect(started.sort()).toEqual(['a', 'e', 'f'])
    expect(Object.fromEntries(blocked)).toEqual({ b: 'a', c: 'b', d: 'c' })
  })

  it('treats a throwing execute as a failed node', async () => {
    const nodes = graph({ a: [], b: ['a'], c: [] })
    const { outcome, blocked } = await schedule(nodes, 2, { throws: ['a'] })
    expect(Object.fromEntries(outcome)).toEqual({ a: 'failed', b: 'blocked', c: 'ok' })
    expect(blocked.get('b')).toBe('a')
  })

  it('rejects a cycle or an unknown dependency instead of hanging', async () => {
    await expect(schedule(graph({ a: ['b'], b: ['a'] }), 2)).rejects.toThrow(/cycle/)
    await expect(schedule(graph({ a: ['ghost'] }), 2)).rejects.toThrow(/unknown node/)
  })

  it('finishes an empty graph at once', async () => {
    await expect(runGraph(new Map(), 2, { execute: async () => ({ ok: true }), block: () => {} })).resolves.toEqual(new Map())
  })
})
