import { access, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { ignoreStateDir } from '../../pipeline/run-store.js'
import { loadSpecFile } from '../../spec/load-spec.js'
import { renderStarterSpec } from '../../spec/starter.js'
import type { CliSettings } from '../args.js'
import { UsageError } from '../args.js'
import { adviseGitignore } from '../gitignore-advice.js'

export async function initCommand(settings: CliSettings): Promise<number> {
  const file = path.resolve(settings.cwd, settings.spec)
  const exists = await access(file).then(() => true, () => false)
  if (exists && !settings.force) throw new UsageError(`${path.relative(process.cwd(), file) || file} already exists; pass --force to overwrite it`)
  await writeFile(file, renderStarterSpec(modelNameFor(settings.cwd)))
  const root = path.dirname(file)
  await ignoreStateDir(root)
  process.stdout.write(`wrote ${path.relative(process.cwd(), file) || file}; edit it, then run "mlops validate"\n`)
  const loaded = await loadSpecFile(file, path.basename(file))
  if (loaded.ok) process.stdout.write(await adviseGitignore(root, loaded.spec, path.basename(file)))
  return 0
}

/** The directory name, lowered into a valid model name. */
function modelNameFor(dir: string): string {
  const name = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')
  return name || 'my-model'
}
