import { z } from 'zod'
import { DriftMethod } from '../data/drift/defaults.js'

// The single source of truth for mlops.yml: TypeScript types, the JSON Schema in
// schema/mlops.schema.json and the README's key reference all derive from this file.

/** A path inside the repository; leaving it (`../`, absolute) is refused in rules.ts. */
const RepoPath = z.string().min(1).describe('Path relative to the directory that holds mlops.yml')

const Name = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." and "-" only')

/** Lowercase keeps tags `name@vX.Y.Z` unambiguous on case-insensitive file systems (refs are files). */
const ModelName = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'lowercase letters, digits and "-", e.g. "penguin-classifier"')

/** GTO parses stage tags `model#stage#N` with this pattern. */
const StageName = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?$/, 'letters, digits, "_" and "-", starting and ending with a letter or digit, e.g. "production"')

export const ColumnType = z.enum(['string', 'category', 'number', 'integer', 'boolean', 'date', 'datetime'])

const Bounds = z
  .strictObject({ min: z.number().optional(), max: z.number().optional() })
  .refine((b) => b.min !== undefined || b.max !== undefined, 'give min, max or both')
  .refine((b) => b.min === undefined || b.max === undefined || b.min <= b.max, 'min is greater than max')

const LengthBounds = z
  .strictObject({ min: z.number().int().nonnegative().optional(), max: z.number().int().nonnegative().optional() })
  .refine((b) => b.min !== undefined || b.max !== undefined, 'give min, max or both')
  .refine((b) => b.min === undefined || b.max === undefined || b.min <= b.max, 'min is greater than max')

/** Quantile keys are probabilities written as YAML keys: "0.5", "0.95". */
const QuantileKey = z.string().regex(/^(?:0(?:\.\d+)?|1(?:\.0+)?|\.\d+)$/, 'a probability between 0 and 1, e.g. "0.5" or "0.95"')

export const ColumnDriftSchema = z
  .strictObject({
    method: DriftMethod.optional().describe('psi, ks, wasserstein (numeric), jensenshannon, chisquare (categorical); default by type and size as Evidently does'),
    threshold: z.number().positive().optional().describe('p-value below which (ks, chisquare) or distance at or above which (others) the column drifts'),
  })
  .describe('How this column is compared with the baseline')

export const ColumnSchema = z
  .strictObject({
    type: ColumnType.optional().describe('Expected type of every non-null value'),
    nullable: z.boolean().default(true).describe('Whether empty cells are allowed'),
    values: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .min(1)
      .optional()
      .describe('Allowed values (categories)'),
    min: z.number().optional().describe('Smallest allowed value (inclusive)'),
    max: z.number().optional().describe('Largest allowed value (inclusive)'),
    length: LengthBounds.optional().describe('Bounds on the length of each value as text, in characters'),
    unique: z.boolean().default(false).describe('Whether values must be unique'),
    pattern: z.string().optional().describe('Regular expression every string value must match'),
    mostly: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .describe('Fraction of non-null rows that must pass the value checks (Great Expectations style)'),
    mean: Bounds.optional().describe('Bounds on the mean of the numeric values'),
    stddev: Bounds.optional().describe('Bounds on the (sample) standard deviation of the numeric values'),
    quantiles: z.record(QuantileKey, Bounds).optional().describe('Bounds on quantiles, e.g. { "0.5": { min: 40, max: 45 } }; from a sketch with ≤1% rank error'),
    null_fraction: z.strictObject({ max: z.number().min(0).max(1) }).optional().describe('Largest allowed share of empty cells'),
    drift: z.union([z.literal(false), ColumnDriftSchema]).optional().describe('Drift settings for this column; false leaves it out of drift'),
  })
  .describe('Checks for one column')

export const DataFormat = z.enum(['csv', 'tsv', 'jsonl', 'json', 'parquet'])

export const DataDriftSchema = z
  .strictObject({
    share: z.number().gt(0).max(1).default(0.5).describe('The dataset drifts when at least this share of its compared columns drift (Evidently: 0.5)'),
    gate: z.boolean().default(false).describe('Fail the run, and so block promotion, when the dataset drifts'),
    columns: z.array(z.string().min(1)).optional().describe('Columns to compare; default every column in both profiles'),
    method: DriftMethod.optional().describe('Method for every column without its own'),
    threshold: z.number().positive().optional().describe('Threshold for every column without its own (needs method)'),
  })
  .describe('Drift against the profile stored with the production model')

export const DataEntrySchema = z.strictObject({
  path: RepoPath.describe('The data file, or a glob of part files of one table (data/events/part-*.csv), read in path order'),
  format: DataFormat.optional().describe('Defaults to the file extension'),
  delimiter: z.string().length(1).optional().describe('CSV field delimiter; default "," (tab for .tsv)'),
  header: z.boolean().default(true).describe('Whether the first CSV row names the columns; false names them column_1, column_2, …'),
  encoding: z.enum(['utf-8', 'utf-16le', 'latin1']).default('utf-8').describe('Text encoding of CSV/TSV files'),
  rows: z
    .strictObject({
      min: z.number().int().nonnegative().optional(),
      max: z.number().int().nonnegative().optional(),
    })
    .optional()
    .describe('Bounds on the number of data rows'),
  columns: z.record(z.string().min(1), ColumnSchema).default({}).describe('Expected columns, by header name'),
  strict: z.boolean().default(false).describe('Fail when the file has columns not listed under columns'),
  duplicates: z.boolean().default(true).describe('false fails when two rows are identical in every column'),
  drift: DataDriftSchema.optional(),
  shards: z.number().int().min(1).max(256).default(1).describe('Validate and profile the data in this many parallel jobs of the reusable workflow, merged into one verdict: a CSV/TSV file by byte ranges, part files by runs of whole files'),
})

export const PlotSchema = z.strictObject({
  file: RepoPath.describe('CSV/TSV/JSON file with one row per point'),
  x: z.string().min(1).describe('Column for the x axis'),
  y: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).describe('Column(s) for the y axis'),
  title: z.string().optional(),
})

const ParamScalar = z.union([z.string(), z.number(), z.boolean()])

export const SelectSchema = z.strictObject({
  metric: z.string().min(1).describe('The metric that ranks the combinations'),
  goal: z.enum(['max', 'min']).describe('Whether the highest or the lowest value wins'),
})

export const StageSchema = z.strictObject({
  run: z.string().min(1).describe('Shell command, run at the directory of mlops.yml'),
  desc: z.string().optional(),
  needs: z.array(Name).default([]).describe('Stages that must finish first (besides those inferred from deps/outs)'),
  deps: z.array(RepoPath).default([]).describe('Files or directories the stage reads; hashed for caching'),
  outs: z.array(RepoPath).default([]).describe('Files or directories the stage writes'),
  params: z.array(z.string().min(1)).default([]).describe('Keys of the params file the stage reads, e.g. train.epochs'),
  metrics: z.array(RepoPath).default([]).describe('Metrics files (JSON, YAML, CSV, TSV) the stage writes'),
  plots: z.array(PlotSchema).default([]).describe('Series to chart in the report'),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name: letters, digits and "_", not starting with a digit'), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  'timeout-minutes': z.number().positive().default(360).describe('Kill the stage (and its child processes) after this long'),
  cache: z.boolean().default(true).describe('Skip the stage when its command, deps and params are unchanged'),
  'runs-on': z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default('ubuntu-latest').describe('Runner labels of the stage\'s job in the reusable workflow, e.g. [self-hosted, gpu]'),
  matrix: z.record(z.string().min(1), z.array(ParamScalar).min(1)).optional().describe('A sweep: values for params this stage declares, e.g. { train.learning_rate: [0.01, 0.1] }; every combination runs'),
  select: SelectSchema.optional().describe('How the sweep picks the combination whose artifacts flow on'),
})

/** A slice is one column or several crossed (their intersections are the groups). */
const SliceSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(3)])

export const GateSchema = z
  .strictObject({
    min: z.number().optional().describe('Fail when the metric is below this value'),
    max: z.number().optional().describe('Fail when the metric is above this value'),
    max_drop: z.number().nonnegative().optional().describe('Fail when the metric falls more than this below the baseline'),
    max_rise: z.number().nonnegative().optional().describe('Fail when the metric rises more than this above the baseline'),
    per_slice: Bounds.optional().describe('Bounds every group of every evaluation slice (with at least min_group rows) must meet'),
    max_gap: z.number().nonnegative().optional().describe('Fail when the best and worst group of a slice differ by more than this (Fairlearn difference, between groups)'),
    slices: z.array(SliceSchema).min(1).optional().describe('The evaluation slices per_slice, max_gap and fairness gates apply to; default every slice'),
  })
  .refine((g) => Object.entries(g).some(([key, v]) => key !== 'slices' && v !== undefined), {
    message: 'a gate needs at least one of min, max, max_drop, max_rise, per_slice, max_gap',
    // An unknown or invalid rule is already reported; "needs at least one" would only repeat it.
    when: (payload) => payload.issues.length === 0,
  })

export const Direction = z.enum(['higher', 'lower'])

export const MetricSettingsSchema = z.strictObject({
  direction: Direction.describe('Whether higher or lower values are better'),
})

export const PromoteSchema = z.strictObject({
  branch: z.string().min(1).default('main').describe('Branch whose pushes promote the model'),
  bump: z.enum(['major', 'minor', 'patch']).default('minor').describe('Default semver bump of a new version'),
  stage: StageName.default('production').describe('Stage a promoted version is assigned to; also the baseline for gates'),
  stages: z
    .array(StageName)
    .min(1)
    .optional()
    .describe('Ordered stages (e.g. [staging, production]); a version reaches a stage only after the one before it'),
})

export const EvaluationSchema = z
  .strictObject({
    predictions: RepoPath.describe('CSV/TSV/JSON Lines/JSON/Parquet file with one row per example; a stage must list it in outs'),
    format: DataFormat.optional().describe('Defaults to the file extension'),
    task: z.enum(['classification', 'regression']).default('classification'),
    label: z.string().min(1).describe('Column with the true value'),
    prediction: z.string().min(1).describe('Column with the predicted value'),
    score: z.string().min(1).optional().describe('Column with the predicted probability of the positive class (log_loss, brier_score)'),
    positive: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional().describe('The favourable class for selection rate, TPR/FPR and the fairness metrics; default 1 or true when the labels are 0/1 or true/false'),
    slices: z.array(SliceSchema).default([]).describe('Columns of the predictions file to evaluate by, e.g. [island, sex, [island, sex]]'),
    min_group: z.number().int().positive().default(30).describe('Groups with fewer rows are reported but not gated'),
    agg: z.enum(['worst_case', 'mean']).default('worst_case').describe('How equalized odds combines its TPR and FPR differences (Fairlearn agg)'),
  })
  .describe('Metrics the engine computes from a predictions file, overall and per slice')

/** The server may only be reached on this machine: `{port}` is replaced by a free port mlops picks. */
const LocalUrl = z.string().min(1).describe('http://127.0.0.1:{port}/… (localhost only); {port} is a free port, also given to the command as MLOPS_SERVE_PORT')

export const ServeSchema = z
  .strictObject({
    run: z.string().min(1).describe('Shell command that starts the model server (in the foreground), run at the directory of mlops.yml'),
    ready: LocalUrl.describe('URL polled with GET until it answers 2xx; then the requests start'),
    url: LocalUrl.describe('URL the requests are POSTed to'),
    requests: RepoPath.describe('JSON Lines file: each line is one JSON request body, sent in turn (and again from the top)'),
    count: z.number().int().positive().max(100_000).default(200).describe('Requests measured'),
    warmup: z.number().int().nonnegative().default(10).describe('Requests sent first and not measured'),
    concurrency: z.number().int().positive().max(64).default(1).describe('Requests in flight at once'),
    'startup-seconds': z.number().positive().default(60).describe('How long the server may take to become ready'),
    'request-timeout-ms': z.number().positive().default(10_000).describe('A request taking longer counts as failed'),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name: letters, digits and "_", not starting with a digit'), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  })
  .describe('The staging check: start the model server, measure latency and throughput through real HTTP, always stop it')

export const SpecSchema = z.strictObject({
  version: z.literal(1).describe('Schema version of this file'),
  model: z.strictObject({
    name: ModelName,
    description: z.string().optional(),
    artifacts: z.array(RepoPath).min(1).describe('The files that make up one model version'),
  }),
  params: RepoPath.optional().describe('YAML or JSON params file (DVC style); keys addressed as train.epochs'),
  data: z.record(Name, DataEntrySchema).default({}),
  stages: z.record(Name, StageSchema).refine((s) => Object.keys(s).length > 0, 'at least one stage is needed'),
  metrics: z.record(z.string().min(1), MetricSettingsSchema).default({}).describe('Per-metric settings'),
  evaluation: EvaluationSchema.optional(),
  serve: ServeSchema.optional(),
  gates: z.record(z.string().min(1), GateSchema).default({}).describe('Conditions a run must meet to be promoted'),
  promote: PromoteSchema.optional(),
})

export type Spec = z.infer<typeof SpecSchema>
export type SpecInput = z.input<typeof SpecSchema>
export type Stage = z.infer<typeof StageSchema>
export type DataEntry = z.infer<typeof DataEntrySchema>
export type ColumnSpec = z.infer<typeof ColumnSchema>
export type DataDrift = z.infer<typeof DataDriftSchema>
export type DataFormat = z.infer<typeof DataFormat>
export type Gate = z.infer<typeof GateSchema>
export type EvaluationSpec = z.infer<typeof EvaluationSchema>
export type ServeSpec = z.infer<typeof ServeSchema>
export type Plot = z.infer<typeof PlotSchema>
export type Select = z.infer<typeof SelectSchema>
export type Promote = z.infer<typeof PromoteSchema>
export type MetricDirection = z.infer<typeof Direction>
