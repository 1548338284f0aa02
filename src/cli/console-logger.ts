import { formatDataResult } from '../data/format-data-result.js'
import type { PipelineLogger } from '../pipeline/run-pipeline.js'

// Terminal output of a run: stage output prefixed with the stage name, so concurrent stages
// stay readable.

export function createConsoleLogger(options: { quiet: boolean; out?: NodeJS.WritableStream; err?: NodeJS.WritableStream }): PipelineLogger {
  const out = options.out ?? process.stdout
  const err = options.err ?? process.stderr
  return {
    stageLine: (stage, stream, line) => {
      if (!options.quiet) (stream === 'stderr' ? err : out).write(`[${stage}] ${line}\n`)
    },
    info: (message) => out.write(`${message}\n`),
    data: (result) => out.write(`${formatDataResult(result)}\n`),
  }
}
