import path from 'node:path'
import { loadSpecFile } from '../spec/load-spec.js'
import { formatDiagnostic, type Diagnostic } from '../spec/diagnostics.js'
import type { Spec } from '../spec/schema.js'
import type { CliSettings } from './args.js'

// Every command but init starts here: find mlops.yml, load it, and stop with exit code 2 and
// every located error when it is invalid.

export class SpecInvalidError extends Error {
  override name = 'SpecInvalidError'
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'))
  }
}

export interface Project {
  /** Absolute directory of the spec: the root of every spec path. */
  root: string
  spec: Spec
  /** Spec path as shown in messages (relative to where the user stands). */
  specFile: string
  specSha256: string
  warnings: Diagnostic[]
}

export async function loadProject(settings: CliSettings): Promise<Project> {
  const specPath = path.resolve(settings.cwd, settings.spec)
  const display = path.relative(process.cwd(), specPath) || path.basename(specPath)
  const result = await loadSpecFile(specPath, display)
  if (!result.ok) throw new SpecInvalidError(result.diagnostics)
  return {
    root: path.dirname(specPath),
    spec: result.spec,
    specFile: path.basename(specPath),
    specSha256: result.sha256,
    warnings: result.diagnostics.filter((d) => d.severity === 'warning'),
  }
}
