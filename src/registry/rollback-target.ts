import { type Registry, RegistryError } from './registry.js'

/** The version that held `stage` before the current holder: what a rollback restores. */
export async function findRollbackTarget(registry: Registry, model: string, stage: string): Promise<string> {
  const current = await registry.findInStage(model, stage)
  const earlier = (await registry.history(model)).filter((e) => e.kind === 'assignment' && e.stage === stage && e.version && e.version !== current?.version)
  const target = earlier.at(-1)?.version
  if (!target) {
    throw new RegistryError(current ? `${model} v${current.version} is the only version ever in "${stage}"; name the version to roll back to` : `no version of ${model} is in stage "${stage}"; nothing to roll back`)
  }
  return target
}
