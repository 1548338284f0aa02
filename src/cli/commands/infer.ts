import path from 'node:path'
import { inferColumnsYaml } from '../../data/infer-columns.js'
import type { CliSettings } from '../args.js'
import { profileFiles } from './profile.js'

/** `mlops infer FILE`: a columns: block for mlops.yml on stdout. */
export async function inferCommand(settings: CliSettings): Promise<number> {
  const file = path.resolve(settings.cwd, settings.files[0]!)
  const { profile } = await profileFiles([file], settings)
  process.stdout.write(inferColumnsYaml(profile, settings.files[0]!))
  return 0
}
