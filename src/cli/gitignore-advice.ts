import path from 'node:path'
import { declaredPaths, findUnignoredOutputs, gitignoreFix } from '../pipeline/dirty-files.js'
import type { Spec } from '../spec/schema.js'

// As DVC does for its outs: say which declared outputs git would offer to commit, with the line
// that ignores them. They never make a run dirty; ignoring them keeps models out of commits.

/** The advice as text ending in a newline, or '' when every output is ignored or tracked. */
export async function adviseGitignore(root: string, spec: Spec, specFile: string): Promise<string> {
  const outputs = await findUnignoredOutputs(root, declaredPaths(spec, specFile))
  if (outputs.length === 0) return ''
  const gitignore = path.relative(process.cwd(), path.join(root, '.gitignore')) || '.gitignore'
  return (
    `\nThese declared outputs are neither tracked nor gitignored: ${outputs.join(', ')}\n` +
    `To keep them out of commits, run:\n  ${gitignoreFix(outputs, gitignore)}\n`
  )
}
