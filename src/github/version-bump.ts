import type { Bump } from '../registry/registry.js'

// The semver bump a merged pull request asks for, from its labels: release:major, release:minor,
// release:patch, or release:skip (merge without promoting). No label → the spec's promote.bump.

export const RELEASE_LABELS = {
  'release:major': 'major',
  'release:minor': 'minor',
  'release:patch': 'patch',
  'release:skip': 'skip',
} as const

export type BumpDecision =
  | { kind: 'bump'; bump: Bump; /** The label that chose it; undefined for the spec's default. */ label?: string }
  | { kind: 'skip'; label: string }
  | { kind: 'error'; message: string }

/** Label names are compared case-insensitively and trimmed, as GitHub shows them. */
export function decideBump(labels: readonly string[], fallback: Bump): BumpDecision {
  const found = [
    ...new Set(labels.map((l) => l.trim().toLowerCase()).filter((l): l is keyof typeof RELEASE_LABELS => Object.hasOwn(RELEASE_LABELS, l))),
  ].sort()
  if (found.length > 1) {
    return { kind: 'error', message: `the pull request has conflicting release labels (${found.join(', ')}); keep one of them and run the promotion again` }
  }
  const label = found[0]
  if (label === undefined) return { kind: 'bump', bump: fallback }
  const meaning = RELEASE_LABELS[label]
  return meaning === 'skip' ? { kind: 'skip', label } : { kind: 'bump', bump: meaning, label }
}
