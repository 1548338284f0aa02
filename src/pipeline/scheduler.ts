import type { DagNode } from './dag.js'

// Runs a DAG with bounded concurrency. A node starts when everything it comes after has
// succeeded; when one of those failed it is blocked, and so are its own dependents, while
// unrelated branches carry on.

export type NodeOutcome = { ok: true } | { ok: false }

export interface ScheduleHooks {
  execute: (node: DagNode) => Promise<NodeOutcome>
  /** `cause` is the id of the failed or blocked node it was waiting for. */
  block: (node: DagNode, cause: string) => void
}

export type Outcome = 'ok' | 'failed' | 'blocked'

/** `settled`: outcomes of nodes outside `nodes` (run earlier) that nodes may come after. */
export async function runGraph(nodes: Map<string, DagNode>, jobs: number, hooks: ScheduleHooks, settled: ReadonlyMap<string, Outcome> = new Map()): Promise<Map<string, Outcome>> {
  const outcome = new Map<string, Outcome>()
  const before = (id: string) => outcome.get(id) ?? settled.get(id)
  const running = new Map<string, Promise<void>>()
  const limit = Math.max(1, jobs)

  while (outcome.size < nodes.size) {
    let progressed = false
    for (const node of nodes.values()) {
      if (outcome.has(node.id) || running.has(node.id)) continue
      const failedDep = node.after.find((id) => before(id) === 'failed' || before(id) === 'blocked')
      if (failedDep) {
        outcome.set(node.id, 'blocked')
        hooks.block(node, failedDep)
        progressed = true
        continue
      }
      if (running.size >= limit || !node.after.every((id) => before(id) === 'ok')) continue
      const task = hooks
        .execute(node)
        .catch((): NodeOutcome => ({ ok: false }))
        .then((result) => {
          outcome.set(node.id, result.ok ? 'ok' : 'failed')
          running.delete(node.id)
        })
      running.set(node.id, task)
      progressed = true
    }
    if (running.size > 0) await Promise.race(running.values())
    else if (!progressed) throw new Error('pipeline graph has a cycle or a dependency on an unknown node')
  }
  return outcome
}
