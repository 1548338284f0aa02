import semver from 'semver'
import { RegistryError } from '../../registry/registry.js'
import { findRollbackTarget } from '../../registry/rollback-target.js'
import type { CliSettings } from '../args.js'
import { loadProject } from '../load-project.js'
import { localActor, openRegistry } from '../open-registry.js'

/** Moves the stage to --to, or to the version that held it before the current one. */
export async function rollbackCommand(settings: CliSettings): Promise<number> {
  const project = await loadProject(settings)
  const model = project.spec.model.name
  const stage = settings.stage ?? project.spec.promote?.stage ?? 'production'
  const registry = openRegistry(project, settings)
  const target = settings.to ?? (await findRollbackTarget(registry, model, stage))
  if (!semver.valid(target)) throw new RegistryError(`--to expects a version like 1.2.0, received "${target}"`)
  const assignment = await registry.assign(model, target, stage, { actor: localActor() })
  process.stdout.write(`${stage}: ${model} v${assignment.version}${assignment.previous ? ` (was v${assignment.previous})` : ''} (tag ${assignment.tag})\n`)
  return 0
}
