import { access, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { renderStarterSpec } from '../../spec/starter.js'
import type { CliSettings } from '../args.js'
import { UsageError } from '../args.js'

export async function initCommand(settings: CliSettings): Promise<number> {
  const file = path.resolve(settings.cwd, settings.spec)
  const exists = await access(file).then(() => true, () => false)
  if (exists && !settings.force) throw new UsageError(`${path.relative(process.cwd(), file) || file} already exists; pass --force to overwrite it`)
  await writeFile(file, renderStarterSpec(modelNameFor(settings.cwd)))
  process.stdout.write(`wrote ${path.relative(process.cwd(), file) || file}; edit it, then run "mlops validate"\n`)
  return 0
}

/** The directory name, lowered into a valid model name. */
function modelNameFor(dir: string): string {
  const name = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')
  return name || 'my-model'
}
