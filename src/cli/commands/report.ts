import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { readRunRecord } from '../../pipeline/run-store.js'
import { renderReport } from '../../report/render-report.js'
import type { CliSettings } from '../args.js'
import { loadProject } from '../load-project.js'
import { openRegistry, tryFindVersion } from '../open-registry.js'

export async function reportCommand(settings: CliSettings): Promise<number> {
  const project = await loadProject(settings)
  const { record } = await readRunRecord(project.root, settings.run)
  // Compare with the version the run was gated against, not whatever holds the stage now.
  const against = record.gates.baseline?.version
  const baseline = against ? await tryFindVersion(openRegistry(project, settings), record.model.name, against) : undefined
  const markdown = renderReport({ run: record, baseline })
  if (settings.output) {
    const file = path.resolve(settings.cwd, settings.output)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, markdown)
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`)
  } else {
    process.stdout.write(markdown.endsWith('\n') ? markdown : `${markdown}\n`)
  }
  return 0
}
