import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'yaml'
import type { Params } from './run-record.js'

// DVC-style params: a YAML or JSON file whose nested keys stages address as `train.epochs`.
// A stage sees only the params it declares, so editing another key does not rerun it.

export const DEFAULT_PARAMS_FILE = 'params.yaml'

export class ParamsError extends Error {
  override name = 'ParamsError'
}

/** Flattened params, or an empty object when the file is optional and absent. */
export async function loadParams(root: string, file: string | undefined): Promise<Params> {
  const rel = file ?? DEFAULT_PARAMS_FILE
  let text: string
  try {
    text = await readFile(path.join(root, rel), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && file === undefined) return {}
    throw new ParamsError(`cannot read params file "${rel}": ${(error as Error).message}`, { cause: error })
  }
  let value: unknown
  try {
    value = rel.endsWith('.json') ? JSON.parse(text) : parse(text, { maxAliasCount: 100 })
  } catch (error) {
    throw new ParamsError(`params file "${rel}" is not valid ${rel.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`, { cause: error })
  }
  if (value === null || value === undefined) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw new ParamsError(`params file "${rel}" must hold a mapping of keys, e.g. "train: { epochs: 10 }"`)
  return flattenParams(value as Record<string, unknown>)
}

export function flattenParams(value: Record<string, unknown>, prefix = ''): Params {
  const out: Params = {}
  for (const [key, inner] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) Object.assign(out, flattenParams(inner as Record<string, unknown>, name))
    else if (Array.isArray(inner)) out[name] = JSON.stringify(inner)
    else if (inner instanceof Date) out[name] = inner.toISOString()
    else out[name] = inner as Params[string]
  }
  return out
}

/** The params a stage declared; a declared key may name a whole subtree (`train`). */
export function selectParams(all: Params, keys: readonly string[]): { values: Params; missing: string[] } {
  const values: Params = {}
  const missing: string[] = []
  for (const key of keys) {
    const hits = Object.keys(all).filter((k) => k === key || k.startsWith(`${key}.`))
    if (hits.length === 0) missing.push(key)
    for (const hit of hits) values[hit] = all[hit]!
  }
  return { values, missing }
}

/** `train.learning_rate` → `MLOPS_PARAM_TRAIN_LEARNING_RATE`. */
export function paramEnvName(key: string): string {
  return `MLOPS_PARAM_${key.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`
}
