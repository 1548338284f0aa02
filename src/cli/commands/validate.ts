import { formatDataResult } from '../../data/format-data-result.js'
import { validateDeclaredData } from '../../data/validate-declared.js'
import { formatDiagnostic } from '../../spec/diagnostics.js'
import type { CliSettings } from '../args.js'
import { loadProject } from '../load-project.js'

export async function validateCommand(settings: CliSettings): Promise<number> {
  const project = await loadProject(settings)
  for (const warning of project.warnings) process.stderr.write(`${formatDiagnostic(warning)}\n`)
  const { spec } = project
  process.stdout.write(`✓ ${project.specFile}: valid (${Object.keys(spec.stages).length} stages, ${Object.keys(spec.data).length} data entries, ${Object.keys(spec.gates).length} gates)\n`)
  let failed = false
  for (const check of await validateDeclaredData(project.root, spec)) {
    if ('producedBy' in check) {
      process.stdout.write(`- ${check.name} ${check.path}: written by stage "${check.producedBy}", checked during "mlops run"\n`)
    } else {
      process.stdout.write(`${formatDataResult(check.result)}\n`)
      failed ||= !check.result.passed
    }
  }
  return failed ? 1 : 0
}
