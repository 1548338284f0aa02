import { createHash, randomUUID } from 'node:crypto'
import { iso } from './http.js'
import { zipFiles } from './zip.js'

// Everything the fake knows about the one repository it serves. Tests may read these maps
// directly and seed them with the add* helpers (which fill in ids, dates and defaults).

export interface UserRec {
  login: string
  id: number
  type: 'User' | 'Bot'
}

export interface CommentRec {
  id: number
  issue_number: number
  body: string
  user: UserRec
  created_at: string
  updated_at: string
}

export interface TagObjectRec {
  sha: string
  tag: string
  message: string
  object: { sha: string; type: 'commit' | 'tree' | 'blob' | 'tag' }
  tagger: { name: string; email: string; date: string }
}

export interface CommitRec {
  sha: string
  parents: string[]
  message: string
  /** Pull requests associated with this commit beyond the derived ones (head sha / merge commit). */
  pulls: number[]
}

export interface PullRec {
  number: number
  id: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  draft: boolean
  user: UserRec
  /** `repo` is the head repository's full name; a fork when it differs from owner/repo. */
  head: { sha: string; ref: string; repo: string }
  base: { sha: string; ref: string }
  labels: string[]
  merged: boolean
  merge_commit_sha: string | null
  created_at: string
  updated_at: string
  closed_at: string | null
  merged_at: string | null
}

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING'

export interface ReviewRec {
  id: number
  pull_number: number
  user: UserRec
  state: ReviewState
  body: string
  commit_id: string
  submitted_at: string
}

export interface AssetRec {
  id: number
  release_id: number
  name: string
  label: string | null
  content_type: string
  size: number
  content: Uint8Array
  state: 'uploaded'
  digest: string
  uploader: UserRec
  download_count: number
  created_at: string
  updated_at: string
}

export interface ReleaseRec {
  id: number
  tag_name: string
  target_commitish: string
  name: string | null
  body: string | null
  draft: boolean
  prerelease: boolean
  /** Set when the release is published while the repository has immutable releases on. */
  immutable: boolean
  make_latest: 'true' | 'false' | 'legacy'
  author: UserRec
  assets: AssetRec[]
  created_at: string
  published_at: string | null
  updated_at: string
}

export interface WorkflowRunRec {
  id: number
  /** The id the results service knows the run by (`Actions.Results:<backend_id>:<job>` in the runtime token). */
  backend_id: string
  name: string
  path: string
  workflow_id: number
  run_number: number
  run_attempt: number
  event: string
  status: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending' | 'action_required'
  conclusion: 'success' | 'failure' | 'cancelled' | 'skipped' | 'neutral' | 'timed_out' | 'action_required' | 'stale' | null
  head_sha: string
  head_branch: string | null
  /** Numbers of pull requests (seeded with addPullRequest) the run is associated with. */
  pull_requests: number[]
  actor: UserRec
  display_title: string
  created_at: string
  updated_at: string
}

export interface ArtifactRec {
  id: number
  run_id: number
  name: string
  size_in_bytes: number
  /** The bytes the zip endpoint serves (a zip unless uploaded with skipArchive). */
  archive: Uint8Array
  content_type: string
  expired: boolean
  digest: string | null
  created_at: string
  updated_at: string
  expires_at: string
  job_backend_id: string
}

export interface CheckRunRec {
  id: number
  name: string
  head_sha: string
  status: string
  conclusion: string | null
  started_at: string | null
  completed_at: string | null
  details_url: string | null
  external_id: string | null
  output: { title: string | null; summary: string | null; text: string | null; annotations: unknown[] }
  app: string
}

/** An issue that is not a pull request (monitoring issues). */
export interface IssueRec {
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  state_reason: 'completed' | 'not_planned' | 'reopened' | null
  labels: string[]
  user: UserRec
  created_at: string
  updated_at: string
  closed_at: string | null
}

/** A workflow_dispatch event created through the API. */
export interface WorkflowDispatchRec {
  workflow_id: string
  ref: string
  inputs: Record<string, unknown>
  sender: string
  at: string
}

export interface DispatchRec {
  event_type: string
  client_payload: Record<string, unknown> | undefined
  sender: string
  at: string
}

/** A tag ref that creating/publishing a release made because the tag did not exist. */
export interface ReleaseCreatedTag {
  tag: string
  sha: string
  release_id: number
}

export const BOT_USER: UserRec = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' }

export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex')
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

const bytesOf = (content: Uint8Array | string) => (typeof content === 'string' ? new TextEncoder().encode(content) : content)

export class FakeState {
  readonly repoId = 640000001
  defaultBranch = 'main'
  /** GitHub's repository setting; see the README for the rules it enforces. */
  immutableReleases = true

  readonly users = new Map<string, UserRec>()
  /** Issue numbers that exist (pull requests are issues too). */
  readonly issues = new Set<number>()
  /** Issue comments by issue number, oldest first. */
  readonly comments = new Map<number, CommentRec[]>()
  /** `refs/heads/main`, `refs/tags/v1` ... -> sha (a commit, or a tag object for annotated tags). */
  readonly refs = new Map<string, string>()
  /** Annotated tag objects by their sha. */
  readonly tagObjects = new Map<string, TagObjectRec>()
  readonly commits = new Map<string, CommitRec>()
  readonly pulls = new Map<number, PullRec>()
  readonly reviews = new Map<number, ReviewRec[]>()
  readonly releases = new Map<number, ReleaseRec>()
  /** Tag names a published immutable release used: never usable for a new release again. */
  readonly reservedTags = new Set<string>()
  /** Lightweight tags GitHub created because a release named a tag that did not exist. */
  readonly tagsCreatedByReleases: ReleaseCreatedTag[] = []
  readonly workflowRuns = new Map<number, WorkflowRunRec>()
  readonly artifacts = new Map<number, ArtifactRec>()
  readonly checkRuns = new Map<number, CheckRunRec>()
  readonly dispatches: DispatchRec[] = []
  /** Issues proper, by number (pull requests live in `pulls`). */
  readonly issueRecs = new Map<number, IssueRec>()
  readonly workflowDispatches: WorkflowDispatchRec[] = []

  private lastId = 1_000_000
  private lastIssue = 0
  private lastShaSeed = 0

  constructor(
    readonly owner: string,
    readonly repo: string,
  ) {
    const initial = this.addCommit({ message: 'Initial commit' })
    this.refs.set(`refs/heads/${this.defaultBranch}`, initial)
  }

  get fullName(): string {
    return `${this.owner}/${this.repo}`
  }

  nextId(): number {
    return ++this.lastId
  }

  nextIssueNumber(): number {
    while (this.issues.has(this.lastIssue + 1)) this.lastIssue++
    return ++this.lastIssue
  }

  /** A fresh, well-formed 40-hex sha. */
  newSha(): string {
    return sha1(`fake-github:${++this.lastShaSeed}:${randomUUID()}`)
  }

  user(login: string, type?: 'User' | 'Bot'): UserRec {
    let user = this.users.get(login)
    if (!user) {
      user = login === BOT_USER.login ? BOT_USER : { login, id: this.nextId(), type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User') }
      this.users.set(login, user)
    }
    return user
  }

  /** True for a sha the fake knows as a git object (commit or tag object). */
  hasObject(sha: string): boolean {
    return this.commits.has(sha) || this.tagObjects.has(sha)
  }

  /** Peels refs, branches and tags to a commit sha; undefined when unknown. */
  resolveCommitish(commitish: string): string | undefined {
    const direct = this.refs.get(commitish) ?? this.refs.get(`refs/heads/${commitish}`) ?? this.refs.get(`refs/tags/${commitish}`)
    let sha = direct ?? (this.commits.has(commitish) ? commitish : undefined)
    for (let i = 0; sha && this.tagObjects.has(sha) && i < 10; i++) sha = this.tagObjects.get(sha)!.object.sha
    return sha
  }

  // ----- seeding helpers ---------------------------------------------------------------------

  addCommit(opts: { sha?: string; parents?: string[]; message?: string; pulls?: number[] } = {}): string {
    const sha = opts.sha ?? this.newSha()
    const existing = this.commits.get(sha)
    this.commits.set(sha, {
      sha,
      parents: opts.parents ?? existing?.parents ?? [],
      message: opts.message ?? existing?.message ?? `Commit ${sha.slice(0, 7)}`,
      pulls: [...new Set([...(existing?.pulls ?? []), ...(opts.pulls ?? [])])],
    })
    return sha
  }

  /** Points `ref` (e.g. `refs/heads/feature` or `refs/tags/v1`) at `sha`, adding the commit if unknown. */
  setRef(ref: string, sha: string): void {
    if (!this.hasObject(sha)) this.addCommit({ sha })
    this.refs.set(ref, sha)
  }

  /** Creates an annotated tag object and its `refs/tags/<tag>` ref; returns the tag object's sha. */
  addAnnotatedTag(opts: { tag: string; commit: string; message?: string; tagger?: { name: string; email: string; date?: string } }): string {
    if (!this.hasObject(opts.commit)) this.addCommit({ sha: opts.commit })
    const rec = this.createTagObject(opts.tag, opts.message ?? opts.tag, { sha: opts.commit, type: 'commit' }, opts.tagger)
    this.refs.set(`refs/tags/${opts.tag}`, rec.sha)
    return rec.sha
  }

  createTagObject(tag: string, message: string, object: TagObjectRec['object'], tagger?: { name: string; email: string; date?: string }): TagObjectRec {
    const who = { name: tagger?.name ?? 'github-actions[bot]', email: tagger?.email ?? '41898282+github-actions[bot]@users.noreply.github.com', date: tagger?.date ?? iso() }
    const sha = sha1(`tag ${tag}\nobject ${object.sha}\ntype ${object.type}\ntagger ${who.name} <${who.email}> ${who.date}\n\n${message}\n${++this.lastShaSeed}`)
    const rec: TagObjectRec = { sha, tag, message, object, tagger: who }
    this.tagObjects.set(sha, rec)
    return rec
  }

  addIssue(number?: number): number {
    const n = number ?? this.nextIssueNumber()
    this.issues.add(n)
    return n
  }

  addComment(issueNumber: number, body: string, login = BOT_USER.login): CommentRec {
    this.issues.add(issueNumber)
    const now = iso()
    const rec: CommentRec = { id: this.nextId(), issue_number: issueNumber, body, user: this.user(login), created_at: now, updated_at: now }
    const list = this.comments.get(issueNumber) ?? []
    list.push(rec)
    this.comments.set(issueNumber, list)
    return rec
  }

  addPullRequest(opts: {
    number?: number
    title?: string
    body?: string | null
    head: { sha?: string; ref: string; repo?: string }
    base?: { sha?: string; ref?: string }
    labels?: string[]
    state?: 'open' | 'closed'
    draft?: boolean
    merged?: boolean
    merge_commit_sha?: string | null
    user?: string
  }): PullRec {
    const number = opts.number ?? this.nextIssueNumber()
    this.issues.add(number)
    const headSha = opts.head.sha ?? this.newSha()
    if (!this.hasObject(headSha)) this.addCommit({ sha: headSha })
    const baseRef = opts.base?.ref ?? this.defaultBranch
    const baseSha = opts.base?.sha ?? this.resolveCommitish(baseRef) ?? this.addCommit()
    const merged = opts.merged ?? false
    const mergeSha = opts.merge_commit_sha === undefined ? (merged ? this.addCommit({ parents: [baseSha, headSha], message: `Merge pull request #${number}` }) : null) : opts.merge_commit_sha
    if (mergeSha && !this.hasObject(mergeSha)) this.addCommit({ sha: mergeSha, parents: [baseSha, headSha] })
    const now = iso()
    const rec: PullRec = {
      number,
      id: this.nextId(),
      title: opts.title ?? `Pull request #${number}`,
      body: opts.body ?? null,
      state: opts.state ?? (merged ? 'closed' : 'open'),
      draft: opts.draft ?? false,
      user: this.user(opts.user ?? 'octocat'),
      head: { sha: headSha, ref: opts.head.ref, repo: opts.head.repo ?? this.fullName },
      base: { sha: baseSha, ref: baseRef },
      labels: opts.labels ?? [],
      merged,
      merge_commit_sha: mergeSha,
      created_at: now,
      updated_at: now,
      closed_at: merged || opts.state === 'closed' ? now : null,
      merged_at: merged ? now : null,
    }
    this.pulls.set(number, rec)
    return rec
  }

  addReview(pullNumber: number, opts: { state: ReviewState; user?: string; body?: string; commit_id?: string }): ReviewRec {
    const pull = this.pulls.get(pullNumber)
    if (!pull) throw new Error(`fake-github: no pull request #${pullNumber}`)
    const rec: ReviewRec = {
      id: this.nextId(),
      pull_number: pullNumber,
      user: this.user(opts.user ?? 'reviewer'),
      state: opts.state,
      body: opts.body ?? '',
      commit_id: opts.commit_id ?? pull.head.sha,
      submitted_at: iso(),
    }
    const list = this.reviews.get(pullNumber) ?? []
    list.push(rec)
    this.reviews.set(pullNumber, list)
    return rec
  }

  /** Seeds a release as it would exist on GitHub (no immutability checks; `immutable` as given). */
  addRelease(opts: { tag_name: string; name?: string | null; body?: string | null; draft?: boolean; prerelease?: boolean; immutable?: boolean; target_commitish?: string; author?: string }): ReleaseRec {
    const now = iso()
    const draft = opts.draft ?? false
    const rec: ReleaseRec = {
      id: this.nextId(),
      tag_name: opts.tag_name,
      target_commitish: opts.target_commitish ?? this.defaultBranch,
      name: opts.name ?? null,
      body: opts.body ?? null,
      draft,
      prerelease: opts.prerelease ?? false,
      immutable: !draft && (opts.immutable ?? this.immutableReleases),
      make_latest: 'true',
      author: this.user(opts.author ?? BOT_USER.login),
      assets: [],
      created_at: now,
      published_at: draft ? null : now,
      updated_at: now,
    }
    if (!draft && !this.refs.has(`refs/tags/${rec.tag_name}`)) {
      const sha = this.resolveCommitish(rec.target_commitish) ?? this.addCommit()
      this.refs.set(`refs/tags/${rec.tag_name}`, sha)
    }
    if (rec.immutable) this.reservedTags.add(rec.tag_name)
    this.releases.set(rec.id, rec)
    return rec
  }

  addReleaseAsset(releaseId: number, name: string, content: Uint8Array | string, opts: { content_type?: string; label?: string; uploader?: string } = {}): AssetRec {
    const release = this.releases.get(releaseId)
    if (!release) throw new Error(`fake-github: no release ${releaseId}`)
    const bytes = bytesOf(content)
    const now = iso()
    const rec: AssetRec = {
      id: this.nextId(),
      release_id: releaseId,
      name,
      label: opts.label ?? null,
      content_type: opts.content_type ?? 'application/octet-stream',
      size: bytes.length,
      content: bytes,
      state: 'uploaded',
      digest: `sha256:${sha256(bytes)}`,
      uploader: this.user(opts.uploader ?? BOT_USER.login),
      download_count: 0,
      created_at: now,
      updated_at: now,
    }
    release.assets.push(rec)
    return rec
  }

  addWorkflowRun(opts: Partial<Omit<WorkflowRunRec, 'actor'>> & { actor?: string } = {}): WorkflowRunRec {
    const id = opts.id ?? this.nextId()
    const headSha = opts.head_sha ?? this.resolveCommitish(this.defaultBranch)!
    if (!this.hasObject(headSha)) this.addCommit({ sha: headSha })
    for (const n of opts.pull_requests ?? []) if (!this.pulls.has(n)) throw new Error(`fake-github: workflow run names unknown pull request #${n}`)
    const now = iso()
    const rec: WorkflowRunRec = {
      id,
      backend_id: opts.backend_id ?? randomUUID(),
      name: opts.name ?? 'CI',
      path: opts.path ?? '.github/workflows/ci.yml',
      workflow_id: opts.workflow_id ?? 161335,
      run_number: opts.run_number ?? this.workflowRuns.size + 1,
      run_attempt: opts.run_attempt ?? 1,
      event: opts.event ?? 'push',
      status: opts.status ?? 'completed',
      conclusion: opts.conclusion === undefined ? ((opts.status ?? 'completed') === 'completed' ? 'success' : null) : opts.conclusion,
      head_sha: headSha,
      head_branch: opts.head_branch === undefined ? this.defaultBranch : opts.head_branch,
      pull_requests: opts.pull_requests ?? [],
      actor: this.user(opts.actor ?? 'octocat'),
      display_title: opts.display_title ?? 'CI',
      created_at: opts.created_at ?? now,
      updated_at: opts.updated_at ?? now,
    }
    this.workflowRuns.set(id, rec)
    return rec
  }

  /** Adds a finalized artifact to a run; `files` are zipped with fflate (or pass `archive` bytes). */
  addArtifact(runId: number, opts: { name: string; files?: Record<string, Uint8Array | string>; archive?: Uint8Array; expired?: boolean; content_type?: string }): ArtifactRec {
    if (!this.workflowRuns.has(runId)) throw new Error(`fake-github: no workflow run ${runId}`)
    const archive = opts.archive ?? zipFiles(opts.files ?? {})
    const now = Date.now()
    const rec: ArtifactRec = {
      id: this.nextId(),
      run_id: runId,
      name: opts.name,
      size_in_bytes: archive.length,
      archive,
      content_type: opts.content_type ?? 'application/zip',
      expired: opts.expired ?? false,
      digest: `sha256:${sha256(archive)}`,
      created_at: iso(now),
      updated_at: iso(now),
      expires_at: iso(opts.expired ? now - 1000 : now + 90 * 24 * 3600 * 1000),
      job_backend_id: randomUUID(),
    }
    this.artifacts.set(rec.id, rec)
    return rec
  }

  /** Finds a run by its backend id, or by its numeric id given as a string. */
  runByBackendId(backendId: string): WorkflowRunRec | undefined {
    for (const run of this.workflowRuns.values()) if (run.backend_id === backendId) return run
    return /^\d+$/.test(backendId) ? this.workflowRuns.get(Number(backendId)) : undefined
  }
}
