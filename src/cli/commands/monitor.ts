import path from 'node:path'
import { progressReporter } from '../../data/scan/progress.js'
import { formatMonitor } from '../../monitor/format-monitor.js'
import { runMonitor } from '../../monitor/run-monitor.js'
import { didYouMean } from '../../spec/suggest.js'
import { type CliSettings, UsageError } from '../args.js'
import { loadProject } from '../load-project.js'
import { openRegistry, tryFindBaseline } from '../open-registry.js'

// `mlops monitor [FILE]`: the scheduled check, run locally against the local registry's
// production version. Exit 1 on drift or degraded metrics (or unreadable input), 0 when clean.

export async function monitorCommand(settings: CliSettings): Promise<number> {
  const project = await loadProject(settings)
  const { spec, root } = project
  const names = Object.keys(spec.data)
  if (settings.data !== undefined && !Object.hasOwn(spec.data, settings.data)) throw new UsageError(`--data "${settings.data}" is not a data entry of ${project.specFile}${didYouMean(settings.data, names)}`)
  const file = settings.files[0]
  if (file !== undefined && settings.data === undefined && names.length !== 1) throw new UsageError(`say which data entry ${file} is for with --data (${names.join(', ') || 'the spec has none'})`)
  if (settings.predictions !== undefined && !spec.evaluation) throw new UsageError(`--predictions needs an evaluation: section in ${project.specFile} (label, prediction, slices)`)
  const name = settings.data ?? (file !== undefined ? names[0] : undefined)
  const relative = (p: string) => path.relative(root, path.resolve(settings.cwd, p))
  const registry = openRegistry(project, settings)
  const production = await tryFindBaseline(registry, spec)
  if (!production) throw new UsageError(`no version of ${spec.model.name} is in stage "${spec.promote?.stage ?? 'production'}" yet: promote one first (monitoring compares with it)`)
  const result = await runMonitor({
    root,
    spec,
    production,
    readProfile: (data) => registry.readProfile(production, data),
    ...(name !== undefined ? { paths: { [name]: file !== undefined ? relative(file) : spec.data[name]!.path } } : {}),
    ...(settings.predictions !== undefined ? { predictions: relative(settings.predictions) } : {}),
    ...(settings.metrics !== undefined ? { metricsFile: relative(settings.metrics) } : {}),
    threads: settings.threads,
    onProgress: (data) => progressReporter(`checking ${data}`, { write: (text) => process.stderr.write(text), tty: process.stderr.isTTY === true }).update,
  })
  process.stdout.write(`${formatMonitor(result)}\n`)
  return result.drifted || result.degraded || result.problems.length > 0 ? 1 : 0
}
