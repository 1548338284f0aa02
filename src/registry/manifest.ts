import { z } from 'zod'
import { Evaluation } from '../metrics/evaluation/evaluation-result.js'
import { GateVerdict, Metrics } from '../metrics/result.js'
import { ArtifactRecord, Params } from '../pipeline/run-record.js'

// One registered model version: written next to the artifacts in the registry directory and
// carried in the annotated tag's message, so a clone alone can rebuild the registry's history.

export const MANIFEST_SCHEMA_VERSION = 1

export const Manifest = z.object({
  schema: z.literal(MANIFEST_SCHEMA_VERSION),
  model: z.string(),
  description: z.string().optional(),
  /** Semver without the leading v, e.g. "0.2.0". */
  version: z.string(),
  tag: z.string(),
  commit: z.string(),
  runId: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  artifacts: z.array(ArtifactRecord),
  metrics: Metrics,
  params: Params,
  data: z.array(
    z.object({
      name: z.string(),
      path: z.string(),
      sha256: z.string().optional(),
      rows: z.number().int(),
      /** The dataset's profile stored with the version (a file beside the manifest, a release asset), for drift. */
      profile: z.object({ file: z.string(), sha256: z.string() }).optional(),
    }),
  ),
  /** Per-slice metrics of the version, which the next pull request's slices are compared with. */
  evaluation: Evaluation.optional(),
  gates: GateVerdict,
  /** Where the version came from when a front end knows more than git does (the GitHub Action). */
  source: z
    .object({
      repository: z.string().optional(),
      pullRequest: z.number().int().optional(),
      /** Logins whose latest review of the pull request approved it. */
      approvers: z.array(z.string()).default([]),
      workflowRunUrl: z.string().optional(),
      /** The workflow run whose artifact was reviewed and promoted. */
      reviewedRunUrl: z.string().optional(),
    })
    .optional(),
})

export type Manifest = z.infer<typeof Manifest>

/** The file (and release asset) name of a dataset's stored profile; data names are safe file names. */
export const profileFileName = (data: string) => `profile-${data}.json`
