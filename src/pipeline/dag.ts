import path from 'node:path'
import { isPartGlob, partGlobBase } from '../data/read/part-files.js'
import type { Spec } from '../spec/schema.js'

// The run plan: stages and data checks as one graph. Edges come from explicit `needs` and from
// paths: a stage that reads (deps) what another writes (outs) runs after it, and a declared data
// file is checked after the stage that writes it and before any stage that reads it.

export type NodeKind = 'stage' | 'data'

export interface DagNode {
  id: string
  kind: NodeKind
  name: string
  /** Ids of the nodes that must finish successfully first. */
  after: string[]
}

export const stageId = (name: string) => `stage:${name}`
export const dataId = (name: string) => `data:${name}`

/** Normalised POSIX form, so `./data/x.csv` and `data/x.csv` compare equal. */
export function normalizePath(p: string): string {
  return path.posix.normalize(p.replaceAll('\\', '/')).replace(/\/+$/, '')
}

/** True when one path is the other or lies inside it (a directory dep or out). */
export function pathsOverlap(a: string, b: string): boolean {
  const x = normalizePath(a)
  const y = normalizePath(b)
  return x === y || y.startsWith(`${x}/`) || x.startsWith(`${y}/`)
}

/** A dataset's file, or the folder its part files' glob looks in: what a stage reads or writes to touch it. */
export const dataLocation = (dataPath: string): string => (isPartGlob(dataPath) ? partGlobBase(dataPath) : dataPath)

/** The stage that writes dataset `name` (its check runs after that stage), if one does. */
export function dataWriter(nodes: ReadonlyMap<string, DagNode>, name: string): string | undefined {
  const writer = nodes.get(dataId(name))?.after[0]
  return writer === undefined ? undefined : nodes.get(writer)!.name
}

export function buildDag(spec: Pick<Spec, 'stages' | 'data'>): Map<string, DagNode> {
  const nodes = new Map<string, DagNode>()
  const stages = Object.entries(spec.stages)
  const writers = (file: string) => stages.filter(([, s]) => s.outs.some((o) => pathsOverlap(o, file))).map(([n]) => n)

  for (const [name, stage] of stages) {
    const after = new Set(stage.needs.filter((n) => Object.hasOwn(spec.stages, n) && n !== name).map(stageId))
    for (const dep of stage.deps) for (const writer of writers(dep)) if (writer !== name) after.add(stageId(writer))
    nodes.set(stageId(name), { id: stageId(name), kind: 'stage', name, after: [...after] })
  }
  for (const [name, entry] of Object.entries(spec.data)) {
    const where = dataLocation(entry.path)
    const after = writers(where).map(stageId)
    nodes.set(dataId(name), { id: dataId(name), kind: 'data', name, after })
    for (const [stageName, stage] of stages) {
      const reads = stage.deps.some((d) => pathsOverlap(d, where))
      const writes = stage.outs.some((o) => pathsOverlap(o, where))
      if (reads && !writes) nodes.get(stageId(stageName))!.after.push(dataId(name))
    }
  }
  return nodes
}

/** One cycle as a list of node ids (first repeated at the end), or undefined. */
export function findCycle(nodes: Map<string, DagNode>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const trail: string[] = []
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined
    if (state.get(id) === 'open') return [...trail.slice(trail.indexOf(id)), id]
    state.set(id, 'open')
    trail.push(id)
    for (const before of nodes.get(id)?.after ?? []) {
      const cycle = visit(before)
      if (cycle) return cycle
    }
    trail.pop()
    state.set(id, 'done')
    return undefined
  }
  for (const id of nodes.keys()) {
    const cycle = visit(id)
    if (cycle) return cycle.reverse()
  }
  return undefined
}

/** Topological order, ties broken by declaration order so runs are reproducible. */
export function topologicalOrder(nodes: Map<string, DagNode>): string[] {
  const done = new Set<string>()
  const order: string[] = []
  while (order.length < nodes.size) {
    const next = [...nodes.values()].find((n) => !done.has(n.id) && n.after.every((a) => done.has(a)))
    if (!next) throw new Error(`cycle in pipeline: ${findCycle(nodes)?.join(' -> ')}`)
    done.add(next.id)
    order.push(next.id)
  }
  return order
}
