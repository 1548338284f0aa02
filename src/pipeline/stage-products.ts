import { cp, mkdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Stage } from '../spec/schema.js'

// What a stage leaves behind (outs, metrics and plot files), and copying those files between
// the workspace and a store: a sweep's combinations take turns in one workspace, and a
// workflow job hands its files to the next job.

export function stageProducts(stage: Pick<Stage, 'outs' | 'metrics' | 'plots'>): string[] {
  return [...new Set([...stage.outs, ...stage.metrics, ...stage.plots.map((p) => p.file)])]
}

/** Copies each of `paths` (files or directories) that exists under `from` to the same place under `to`, replacing what is there. */
export async function copyProducts(from: string, to: string, paths: readonly string[]): Promise<string[]> {
  const copied: string[] = []
  for (const p of paths) {
    const source = path.join(from, p)
    const exists = await stat(source).then(() => true, () => false)
    if (!exists) continue
    const target = path.join(to, p)
    await rm(target, { recursive: true, force: true })
    await mkdir(path.dirname(target), { recursive: true })
    await cp(source, target, { recursive: true })
    copied.push(p)
  }
  return copied
}
