import path from 'node:path'
import { readRunRecord } from '../../pipeline/run-store.js'
import { AlreadyRegisteredError } from '../../registry/registry.js'
import type { CliSettings } from '../args.js'
import { loadProject } from '../load-project.js'
import { localActor, openRegistry } from '../open-registry.js'

export async function promoteCommand(settings: CliSettings): Promise<number> {
  const project = await loadProject(settings)
  const { record, file } = await readRunRecord(project.root, settings.run)
  const promote = project.spec.promote
  const stage = settings.stage ?? promote?.stage ?? 'production'
  let registration
  try {
    registration = await openRegistry(project, settings).register(record, {
      bump: settings.bump ?? promote?.bump ?? 'minor',
      stage,
      actor: localActor(),
      version: settings.version,
      stages: promote?.stages,
      enforceOrder: promote?.stages !== undefined,
      runDir: path.dirname(file),
    })
  } catch (error) {
    // Promoting the same commit and artifacts twice is a no-op, so re-running is safe.
    if (!(error instanceof AlreadyRegisteredError)) throw error
    process.stdout.write(`nothing to promote: ${error.message}\n`)
    return 0
  }
  const { manifest, tag, assignment } = registration
  process.stdout.write(`registered ${manifest.model} v${manifest.version} (tag ${tag}, commit ${manifest.commit.slice(0, 7)})\n`)
  if (assignment) process.stdout.write(`assigned v${assignment.version} to ${assignment.stage}${assignment.previous ? ` (was v${assignment.previous})` : ''} (tag ${assignment.tag})\n`)
  if (registration.path) process.stdout.write(`artifacts and manifest in ${registration.path}\n`)
  return 0
}
