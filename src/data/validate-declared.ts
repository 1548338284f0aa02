import { dataLocation, pathsOverlap } from '../pipeline/dag.js'
import type { Spec } from '../spec/schema.js'
import type { DataResult } from './result.js'
import { validateData } from './validate-data.js'

// `validate` without running anything: data a stage writes cannot be checked yet.

export type DeclaredDataCheck = { name: string; path: string } & ({ result: DataResult } | { producedBy: string })

export async function validateDeclaredData(root: string, spec: Spec): Promise<DeclaredDataCheck[]> {
  const checks: DeclaredDataCheck[] = []
  for (const [name, entry] of Object.entries(spec.data)) {
    const producer = Object.entries(spec.stages).find(([, stage]) => stage.outs.some((o) => pathsOverlap(o, dataLocation(entry.path))))
    if (producer) checks.push({ name, path: entry.path, producedBy: producer[0] })
    else checks.push({ name, path: entry.path, result: (await validateData(root, name, entry)).result })
  }
  return checks
}
