import os from 'node:os'
import { parseArgs } from 'node:util'
import { didYouMean } from '../spec/suggest.js'

// argv → one typed settings object, parsed once at the edge; commands never read argv.

export class UsageError extends Error {
  override name = 'UsageError'
}

export const COMMANDS = ['init', 'validate', 'run', 'report', 'promote', 'versions', 'rollback', 'profile', 'infer', 'monitor', 'plan', 'help'] as const
/** Commands that take file arguments. */
const FILE_COMMANDS: readonly string[] = ['profile', 'infer']
/** Commands that take one file argument or none. */
const OPTIONAL_FILE_COMMANDS: readonly string[] = ['monitor']
const FORMATS = ['csv', 'tsv', 'jsonl', 'json', 'parquet'] as const
export type CommandName = (typeof COMMANDS)[number]

export interface CliSettings {
  command: CommandName
  /** Directory holding the spec; commands run there. */
  cwd: string
  spec: string
  /** Where registered versions keep their artifacts and manifests (relative to cwd). */
  registry: string
  force: boolean
  jobs: number
  run: string
  output: string | undefined
  bump: 'major' | 'minor' | 'patch' | undefined
  stage: string | undefined
  version: string | undefined
  to: string | undefined
  quiet: boolean
  /** profile, infer: data files (or, with --merge, profile JSON files). */
  files: string[]
  merge: boolean
  /** profile: baseline profile JSON to compute drift against. */
  baseline: string | undefined
  format: (typeof FORMATS)[number] | undefined
  /** Worker threads for large CSV scans; undefined picks one per core. */
  threads: number | undefined
  /** monitor: the data entry to check (default every entry, or the one a file is given for). */
  data: string | undefined
  /** monitor: a labelled predictions file to gate. */
  predictions: string | undefined
  /** monitor: a metrics file from production data to gate. */
  metrics: string | undefined
}

export function parseCliArgs(argv: string[]): CliSettings {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        cwd: { type: 'string', short: 'C' },
        spec: { type: 'string', short: 'f' },
        registry: { type: 'string' },
        force: { type: 'boolean' },
        jobs: { type: 'string', short: 'j' },
        run: { type: 'string' },
        output: { type: 'string', short: 'o' },
        bump: { type: 'string' },
        stage: { type: 'string' },
        version: { type: 'string' },
        to: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        merge: { type: 'boolean' },
        baseline: { type: 'string' },
        format: { type: 'string' },
        threads: { type: 'string' },
        data: { type: 'string' },
        predictions: { type: 'string' },
        metrics: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^Unknown option/, 'unknown option'))
  }
  const { values, positionals } = parsed
  const word = values.help ? 'help' : (positionals[0] ?? 'help')
  if (!(COMMANDS as readonly string[]).includes(word)) throw new UsageError(`unknown command "${word}"${didYouMean(word, COMMANDS)}`)
  const files = positionals.slice(1)
  if (OPTIONAL_FILE_COMMANDS.includes(word)) {
    if (files.length > 1) throw new UsageError(`${word} takes at most one file, received ${files.length}`)
  } else if (!FILE_COMMANDS.includes(word) && files.length > 0) throw new UsageError(`unexpected argument "${files[0]}"`)
  if (FILE_COMMANDS.includes(word) && files.length === 0) throw new UsageError(`${word} needs at least one file`)
  if (values.predictions && values.metrics) throw new UsageError('give --predictions or --metrics, not both')
  if (word === 'infer' && files.length > 1) throw new UsageError(`infer takes one file, or a quoted glob of part files ('data/parts/*.csv'), received ${files.length}`)
  if (values.format !== undefined && !(FORMATS as readonly string[]).includes(values.format)) throw new UsageError(`--format expects one of ${FORMATS.join(', ')}, received "${values.format}"`)
  const threads = values.threads === undefined ? undefined : Number(values.threads)
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError(`--threads expects a whole number of at least 1, received "${values.threads}"`)
  const jobs = values.jobs === undefined ? os.availableParallelism() : Number(values.jobs)
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs expects a whole number of at least 1, received "${values.jobs}"`)
  if (values.bump !== undefined && !['major', 'minor', 'patch'].includes(values.bump)) throw new UsageError(`--bump expects major, minor or patch, received "${values.bump}"`)
  return {
    command: word as CommandName,
    cwd: values.cwd || process.cwd(),
    spec: values.spec || 'mlops.yml',
    registry: values.registry || '.mlops/registry',
    force: values.force ?? false,
    jobs,
    run: values.run || 'latest',
    output: values.output || undefined,
    bump: values.bump as CliSettings['bump'],
    stage: values.stage || undefined,
    version: values.version?.replace(/^v/, '') || undefined,
    to: values.to?.replace(/^v/, '') || undefined,
    quiet: values.quiet ?? false,
    files,
    merge: values.merge ?? false,
    baseline: values.baseline || undefined,
    format: values.format as CliSettings['format'],
    threads,
    data: values.data || undefined,
    predictions: values.predictions || undefined,
    metrics: values.metrics || undefined,
  }
}

export const HELP = `mlops: train, check, report and promote a model from mlops.yml

Usage: mlops <command> [options]

Commands:
  init        write a commented starter mlops.yml
  validate    check mlops.yml and the declared data, run nothing
  run         run the pipeline (stages whose inputs changed), then metrics and gates
  report      print the Markdown report of a run
  promote     register the run's model as a new version and assign it to the stage
  versions    list registered versions, stages and their history
  rollback    move the stage back to the previous (or --to) version
  profile     profile data files (parts of one table) into a JSON profile; --merge merges profiles
  infer       propose a columns: block for mlops.yml from a data file
  plan        print the workflow jobs the reusable workflow runs (JSON): data shards, stage levels, sweep
  monitor     check new data (and labelled predictions) against the production version;
              exit 1 on drift or degraded metrics

Options:
  -C, --cwd DIR        directory with mlops.yml (default: current directory)
  -f, --spec FILE      spec file (default: mlops.yml)
      --registry DIR   where versions keep artifacts and manifests (default: .mlops/registry)
      --force          run: rerun every stage; init: overwrite
  -j, --jobs N         run: stages to run at once (default: number of CPUs)
      --run ID         report/promote: run id or run.json path (default: latest)
  -o, --output FILE    report: write Markdown to FILE instead of stdout;
                       profile: write the JSON profile there (default: profile.json)
      --bump KIND      promote: major, minor or patch (default: promote.bump)
      --stage NAME     promote/rollback: stage (default: promote.stage)
      --version X.Y.Z  promote: explicit version
      --to X.Y.Z       rollback: version to move the stage to
  -q, --quiet          run: do not echo stage output
      --merge          profile: the files are profile JSONs to merge
      --baseline FILE  profile: print drift against this profile; exit 1 when the data drifted
      --format FMT     profile/infer: csv, tsv, jsonl, json or parquet (default: by extension)
      --threads N      profile/infer/run/monitor: worker threads for large CSV files (default: one per core)
      --data NAME      monitor: the data entry to check, e.g. to pass it a new FILE
      --predictions F  monitor: labelled predictions to gate with evaluation: settings
      --metrics FILE   monitor: or a metrics file a scoring job wrote from production data

Exit codes: 0 success, 1 a stage, data check or gate failed or promotion was refused,
2 invalid spec or usage.
`
