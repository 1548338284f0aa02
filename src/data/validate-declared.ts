import { buildDag, dataWriter } from '../pipeline/dag.js'
import type { Spec } from '../spec/schema.js'
import type { DataResult } from './result.js'
import { validateData } from './validate-data.js'

// `validate` without running anything: data a stage writes cannot be checked yet.

export type DeclaredDataCheck = { name: string; path: string } & ({ result: DataResult } | { producedBy: string })

export async function validateDeclaredData(root: string, spec: Spec): Promise<DeclaredDataCheck[]> {
  const checks: DeclaredDataCheck[] = []
  const nodes = buildDag(spec)
  for (const [name, entry] of Object.entries(spec.data)) {
    const producer = dataWriter(nodes, name)
    if (producer) checks.push({ name, path: entry.path, producedBy: producer })
    else checks.push({ name, path: entry.path, result: (await validateData(root, name, entry)).result })
  }
  return checks
}
