import { formatVersions } from '../../registry/format-versions.js'
import type { CliSettings } from '../args.js'
import { loadProject } from '../load-project.js'
import { openRegistry } from '../open-registry.js'

export async function versionsCommand(settings: CliSettings): Promise<number> {
  const project = await loadProject(settings)
  const registry = openRegistry(project, settings)
  const model = project.spec.model.name
  const [versions, history] = await Promise.all([registry.listVersions(model), registry.history(model)])
  process.stdout.write(formatVersions(model, versions, history, { metrics: Object.keys(project.spec.gates).length ? Object.keys(project.spec.gates) : undefined }))
  return 0
}
