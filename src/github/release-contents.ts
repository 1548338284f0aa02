import path from 'node:path'
import type { RunRecord } from '../pipeline/run-record.js'
import { Manifest } from '../registry/manifest.js'
import { escapeMarkdown } from '../report/escape.js'
import { renderReport } from '../report/render-report.js'
import type { Spec } from '../spec/schema.js'
import type { RunContext } from './context.js'
import { modelOrigin, renderModelCard } from './model-card.js'
import { RELEASE_BODY_LIMIT, toAssetName, type ReleaseAsset } from './release.js'

// What a promotion's release holds: the model files, manifest.json and model-card.md as
// assets, and the lineage and report as its notes.

/**
 * Model files by base name; files sharing a base name (or one of ours) are named by their whole
 * path with "__" for "/" — names must be unique and stable, so a re-run finds what it uploaded.
 */
export function assetNames(paths: readonly string[], reserved: readonly string[] = [MANIFEST_ASSET, MODEL_CARD_ASSET]): Map<string, string> {
  const counts = new Map<string, number>()
  for (const name of [...reserved, ...paths.map((p) => path.posix.basename(p))]) counts.set(name, (counts.get(name) ?? 0) + 1)
  return new Map(paths.map((p) => [p, toAssetName((counts.get(path.posix.basename(p)) ?? 0) > 1 ? p.split('/').filter(Boolean).join('__') : path.posix.basename(p))]))
}

const MANIFEST_ASSET = 'manifest.json'
const MODEL_CARD_ASSET = 'model-card.md'

/** Where the files of the run being released are. */
export interface ReleaseSource {
  run: RunRecord
  /** An artifact, by its run-record path. */
  file: (rel: string) => string
  /** A file of the run's folder (a data profile), by its run-record path. */
  runFile: (rel: string) => string
}

export function releaseAssets(manifest: Manifest, source: ReleaseSource, spec: Spec, context: RunContext): ReleaseAsset[] {
  // Profiles keep their exact names (the manifest names them), so artifacts give way to them.
  const profiles = manifest.data.flatMap((d) => {
    const stored = source.run.data.find((r) => r.name === d.name)?.profileFile
    return d.profile && stored ? [{ name: d.profile.file, path: source.runFile(stored.path), contentType: 'application/json' }] : []
  })
  const names = assetNames(manifest.artifacts.map((a) => a.path), [MANIFEST_ASSET, MODEL_CARD_ASSET, ...profiles.map((p) => p.name)])
  return [
    ...manifest.artifacts.map((a) => ({ name: names.get(a.path)!, path: source.file(a.path), contentType: 'application/octet-stream' })),
    ...profiles,
    // Parsed for the schema's key order: the same bytes whether the manifest was just built or read back from its tag.
    { name: MANIFEST_ASSET, content: `${JSON.stringify(Manifest.parse(manifest), null, 2)}\n`, contentType: 'application/json' },
    {
      name: MODEL_CARD_ASSET,
      content: renderModelCard({ manifest, ...(spec.model.description ? { description: spec.model.description } : {}), serverUrl: context.serverUrl }),
      contentType: 'text/markdown',
    },
  ]
}

/** A lineage line, a warning for a retrained model, then the report (fitted to the release limit). */
export function releaseBody(manifest: Manifest, run: RunRecord, baseline: Manifest | undefined, context: RunContext): string {
  const source = manifest.source
  const facts: string[] = []
  if (source?.pullRequest !== undefined) facts.push(`Merged from #${source.pullRequest}`)
  if (source) facts.push(source.approvers.length ? `approved by ${source.approvers.map((a) => escapeMarkdown(a)).join(', ')}` : 'no approving review')
  facts.push(`commit \`${manifest.commit.slice(0, 7)}\``)
  if (source?.reviewedRunUrl) facts.push(`[reviewed run](${source.reviewedRunUrl})`)
  facts.push(`[promotion run](${context.runUrl})`)
  const warning =
    modelOrigin(manifest) === 'retrained'
      ? '\n\n> [!WARNING]\n> The reviewed model files were no longer available; this version was retrained on the merge commit, so its files are not the ones reviewed.'
      : ''
  const header = `${facts.join(' · ')}${warning}\n\n`
  return header + renderReport({ run, baseline, title: `${manifest.model} v${manifest.version}`, maxLength: RELEASE_BODY_LIMIT - header.length })
}
