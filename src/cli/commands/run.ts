import { gitRunOptions } from '../../pipeline/dirty-files.js'
import { progressReporter } from '../../data/scan/progress.js'
import { ignoreStateDir } from '../../pipeline/run-store.js'
import { runPipeline } from '../../pipeline/run-pipeline.js'
import { formatDiagnostic } from '../../spec/diagnostics.js'
import { renderVerdictLine } from '../../report/render-report.js'
import type { CliSettings } from '../args.js'
import { createConsoleLogger } from '../console-logger.js'
import { adviseGitignore } from '../gitignore-advice.js'
import { loadProject } from '../load-project.js'
import { openRegistry, tryFindBaseline } from '../open-registry.js'
import path from 'node:path'

export async function runCommand(settings: CliSettings): Promise<number> {
  const project = await loadProject(settings)
  for (const warning of project.warnings) process.stderr.write(`${formatDiagnostic(warning)}\n`)
  const registry = openRegistry(project, settings)
  const baseline = await tryFindBaseline(registry, project.spec)
  const firstRun = await ignoreStateDir(project.root)
  const controller = new AbortController()
  // Ctrl-C stops running stages (their whole process trees) and still writes the run record.
  const onSignal = () => controller.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const { record, file } = await runPipeline({
      root: project.root,
      spec: project.spec,
      specFile: project.specFile,
      specSha256: project.specSha256,
      ...(await gitRunOptions(project.root, project.spec, project.specFile)),
      baseline,
      ...(baseline ? { baselineProfiles: { version: baseline.version, read: (data: string) => registry.readProfile(baseline, data) } } : {}),
      dataThreads: settings.threads,
      onDataProgress: (data) => progressReporter(`checking ${data}`, { write: (text) => process.stderr.write(text), tty: process.stderr.isTTY === true }).update,
      force: settings.force,
      jobs: settings.jobs,
      logger: createConsoleLogger({ quiet: settings.quiet }),
      signal: controller.signal,
    })
    // Metrics that could not be read or computed fail the run; say which and why before the verdict.
    const problems = record.metricErrors.map((e) => `⚠ ${e.message}\n`).join('')
    process.stdout.write(`${problems ? `\n${problems}` : ''}\n${renderVerdictLine(record, { format: 'text' })}\nrun ${record.id} recorded in ${path.relative(process.cwd(), file)}\n`)
    if (firstRun) process.stdout.write(await adviseGitignore(project.root, project.spec, project.specFile))
    return record.status === 'succeeded' && record.gates.passed ? 0 : 1
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
