import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as core from '@actions/core'
import { validateDeclaredData } from '../data/validate-declared.js'
import { formatDataResult } from '../data/format-data-result.js'
import { runPipeline } from '../pipeline/run-pipeline.js'
import { runsDir } from '../pipeline/run-store.js'
import { readGitState } from '../registry/git.js'
import { createLocalRegistry } from '../registry/local-registry.js'
import { renderReport, renderVerdictLine } from '../report/render-report.js'
import type { Diagnostic } from '../spec/diagnostics.js'
import { loadSpecFile } from '../spec/load-spec.js'
import { readActionSettings } from './inputs.js'

// The Action front end: the same engine as the CLI, with GitHub's outputs, annotations and job
// summary. The step fails from this one catch; nothing below calls setFailed.

/** GitHub keeps 1 MiB of summary per step. */
const SUMMARY_LIMIT = 1024 * 1024 - 1024
/** And at most 10 annotations of a kind per step. */
const MAX_ANNOTATIONS = 10

export async function runAction(): Promise<void> {
  try {
    const settings = readActionSettings()
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd()
    const root = path.dirname(settings.specPath)
    const display = path.relative(workspace, settings.specPath)
    const loaded = await loadSpecFile(settings.specPath, display)
    annotate(loaded.diagnostics)
    if (!loaded.ok) throw new Error(`${display} has ${loaded.diagnostics.filter((d) => d.severity === 'error').length} error(s); see the annotations`)
    const spec = loaded.spec

    if (settings.command === 'validate') {
      const checks = await validateDeclaredData(root, spec)
      const failed = checks.filter((c) => 'result' in c && !c.result.passed)
      for (const check of checks) if ('result' in check) core.info(formatDataResult(check.result))
      core.setOutput('verdict', failed.length ? 'fail' : 'pass')
      if (failed.length) throw new Error(`data checks failed: ${failed.map((c) => c.name).join(', ')}`)
      return
    }

    const registry = createLocalRegistry({ repoDir: root, storeDir: path.join(root, '.mlops', 'registry') })
    const baseline = spec.promote ? await registry.findInStage(spec.model.name, spec.promote.stage).catch(() => undefined) : undefined
    const { record } = await runPipeline({
      root,
      spec,
      specFile: path.basename(settings.specPath),
      specSha256: loaded.sha256,
      git: await readGitState(root),
      baseline,
      force: settings.force,
      logger: {
        stageLine: (stage, _stream, line) => core.info(`[${stage}] ${line}`),
        info: (message) => core.info(message),
        data: (result) => (result.passed ? core.info : core.error)(formatDataResult(result)),
      },
    })

    const reportPath = path.join(runsDir(root), record.id, 'report.md')
    await mkdir(path.dirname(reportPath), { recursive: true })
    await writeFile(reportPath, renderReport({ run: record, baseline }))
    await core.summary.addRaw(renderReport({ run: record, baseline, maxLength: SUMMARY_LIMIT })).write()
    const passed = record.status === 'succeeded' && record.gates.passed
    core.setOutput('verdict', passed ? 'pass' : 'fail')
    core.setOutput('report-path', path.relative(workspace, reportPath))
    core.setOutput('run-id', record.id)
    if (!passed) throw new Error(renderVerdictLine(record, { format: 'text' }))
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}

function annotate(diagnostics: Diagnostic[]): void {
  for (const severity of ['error', 'warning'] as const) {
    const list = diagnostics.filter((d) => d.severity === severity)
    const emit = severity === 'error' ? core.error : core.warning
    const shown = list.length > MAX_ANNOTATIONS ? list.slice(0, MAX_ANNOTATIONS - 1) : list
    for (const d of shown) emit(d.message, { file: d.file, startLine: d.line || undefined, startColumn: d.col || undefined, title: 'mlops.yml' })
    if (shown.length < list.length) emit(`${list.length - (MAX_ANNOTATIONS - 1)} more ${severity}s in ${list[0]!.file}; run "mlops validate" to see them all`)
  }
}
