import type { ArtifactRec, AssetRec, CheckRunRec, CommentRec, FakeState, IssueRec, PullRec, ReleaseRec, ReviewRec, TagObjectRec, UserRec, WorkflowRunRec } from './state.js'

// Turns state records into the JSON GitHub answers with. Fields listed here are modelled; any other
// required field of the operation's response schema is filled with a placeholder by the server.

export interface FakeContext {
  state: FakeState
  /** API base, e.g. http://127.0.0.1:PORT */
  apiUrl: string
  /** Uploads base (`/uploads` on the API port), the origin of `upload_url`. */
  uploadsUrl: string
  /** ACTIONS_RESULTS_URL: the results (artifact) service and its blob storage. */
  resultsUrl: string
  /** Where html_url links point (https://github.com, like GITHUB_SERVER_URL). */
  webUrl: string
  /** Signs a blob path (on the results server) for a limited time; permission `r` (default) or `cw`. */
  signBlobUrl(path: string, ttlMs?: number, permission?: string): string
}

export const nodeId = (prefix: string, id: number | string) => `${prefix}_kwDO${Buffer.from(String(id)).toString('base64url')}`

const repoApi = (c: FakeContext) => `${c.apiUrl}/repos/${c.state.owner}/${c.state.repo}`
const repoWeb = (c: FakeContext) => `${c.webUrl}/${c.state.owner}/${c.state.repo}`

export function userJson(c: FakeContext, u: UserRec) {
  const api = `${c.apiUrl}/users/${encodeURIComponent(u.login)}`
  return {
    login: u.login,
    id: u.id,
    node_id: nodeId(u.type === 'Bot' ? 'BOT' : 'U', u.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${u.id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: u.type === 'Bot' ? `${c.webUrl}/apps/${u.login.replace(/\[bot\]$/, '')}` : `${c.webUrl}/${u.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: u.type,
    user_view_type: 'public',
    site_admin: false,
  }
}

export function repoJson(c: FakeContext, fullName = c.state.fullName) {
  const [owner = '', name = ''] = fullName.split('/')
  const fork = fullName.toLowerCase() !== c.state.fullName.toLowerCase()
  const id = fork ? 640000000 + (hash(fullName) % 999999) + 2 : c.state.repoId
  const api = `${c.apiUrl}/repos/${fullName}`
  return {
    id,
    node_id: nodeId('R', id),
    name,
    full_name: fullName,
    owner: userJson(c, c.state.user(owner)),
    private: false,
    html_url: `${c.webUrl}/${fullName}`,
    description: null,
    fork,
    url: api,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    releases_url: `${api}/releases{/id}`,
    pulls_url: `${api}/pulls{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    default_branch: c.state.defaultBranch,
    visibility: 'public',
  }
}

function hash(s: string): number {
  let h = 0
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) >>> 0
  return h
}

export function issueJson(c: FakeContext, x: IssueRec) {
  return {
    id: x.number + 500_000,
    node_id: nodeId('I', x.number),
    number: x.number,
    url: `${repoApi(c)}/issues/${x.number}`,
    html_url: `${repoWeb(c)}/issues/${x.number}`,
    comments_url: `${repoApi(c)}/issues/${x.number}/comments`,
    title: x.title,
    body: x.body,
    state: x.state,
    state_reason: x.state_reason,
    labels: x.labels.map((name, i) => ({ id: x.number * 100 + i, node_id: nodeId('LA', name), name, color: 'ededed', default: false, description: null, url: `${repoApi(c)}/labels/${encodeURIComponent(name)}` })),
    user: userJson(c, x.user),
    comments: (c.state.comments.get(x.number) ?? []).length,
    locked: false,
    created_at: x.created_at,
    updated_at: x.updated_at,
    closed_at: x.closed_at,
    author_association: x.user.type === 'Bot' ? 'NONE' : 'MEMBER',
  }
}

export function commentJson(c: FakeContext, x: CommentRec) {
  return {
    id: x.id,
    node_id: nodeId('IC', x.id),
    url: `${repoApi(c)}/issues/comments/${x.id}`,
    html_url: `${repoWeb(c)}/${c.state.pulls.has(x.issue_number) ? 'pull' : 'issues'}/${x.issue_number}#issuecomment-${x.id}`,
    issue_url: `${repoApi(c)}/issues/${x.issue_number}`,
    body: x.body,
    user: userJson(c, x.user),
    created_at: x.created_at,
    updated_at: x.updated_at,
    author_association: x.user.type === 'Bot' ? 'NONE' : 'MEMBER',
  }
}

export function refJson(c: FakeContext, ref: string, sha: string) {
  const isTag = c.state.tagObjects.has(sha)
  return {
    ref,
    node_id: nodeId('REF', ref),
    url: `${repoApi(c)}/git/${ref}`,
    object: { type: isTag ? 'tag' : 'commit', sha, url: `${repoApi(c)}/git/${isTag ? 'tags' : 'commits'}/${sha}` },
  }
}

export function tagObjectJson(c: FakeContext, t: TagObjectRec) {
  return {
    node_id: nodeId('TAG', t.sha),
    tag: t.tag,
    sha: t.sha,
    url: `${repoApi(c)}/git/tags/${t.sha}`,
    message: t.message,
    tagger: t.tagger,
    object: { type: t.object.type, sha: t.object.sha, url: `${repoApi(c)}/git/${t.object.type === 'tag' ? 'tags' : t.object.type + 's'}/${t.object.sha}` },
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  }
}

function labelJson(c: FakeContext, name: string) {
  const id = hash(name)
  return { id, node_id: nodeId('LA', id), url: `${repoApi(c)}/labels/${encodeURIComponent(name)}`, name, description: '', color: 'ededed', default: false }
}

function branchJson(c: FakeContext, ref: string, sha: string, repoFullName: string) {
  const repo = repoJson(c, repoFullName)
  return { label: `${repoFullName.split('/')[0]}:${ref}`, ref, sha, user: repo.owner, repo }
}

/** A pull request (pulls/get), also used for the pull-request-simple lists. */
export function pullJson(c: FakeContext, p: PullRec) {
  const api = `${repoApi(c)}/pulls/${p.number}`
  const issue = `${repoApi(c)}/issues/${p.number}`
  const html = `${repoWeb(c)}/pull/${p.number}`
  return {
    url: api,
    id: p.id,
    node_id: nodeId('PR', p.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issue,
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    review_comment_url: `${repoApi(c)}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: `${repoApi(c)}/statuses/${p.head.sha}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: userJson(c, p.user),
    body: p.body,
    labels: p.labels.map((l) => labelJson(c, l)),
    milestone: null,
    active_lock_reason: null,
    created_at: p.created_at,
    updated_at: p.updated_at,
    closed_at: p.closed_at,
    merged_at: p.merged_at,
    merge_commit_sha: p.merge_commit_sha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branchJson(c, p.head.ref, p.head.sha, p.head.repo),
    base: branchJson(c, p.base.ref, p.base.sha, c.state.fullName),
    _links: {
      self: { href: api },
      html: { href: html },
      issue: { href: issue },
      comments: { href: `${issue}/comments` },
      review_comments: { href: `${api}/comments` },
      review_comment: { href: `${repoApi(c)}/pulls/comments{/number}` },
      commits: { href: `${api}/commits` },
      statuses: { href: `${repoApi(c)}/statuses/${p.head.sha}` },
    },
    author_association: 'CONTRIBUTOR',
    auto_merge: null,
    draft: p.draft,
    merged: p.merged,
    mergeable: p.merged ? null : true,
    mergeable_state: p.merged ? 'unknown' : 'clean',
    merged_by: null,
    maintainer_can_modify: false,
    comments: c.state.comments.get(p.number)?.length ?? 0,
    review_comments: 0,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  }
}

/** The pull-request-simple shape (lists such as commits/{sha}/pulls). */
export function pullSimpleJson(c: FakeContext, p: PullRec) {
  const { merged: _merged, mergeable: _mergeable, mergeable_state: _state, merged_by: _by, maintainer_can_modify: _modify, comments: _comments, review_comments: _rc, commits: _commits, additions: _add, deletions: _del, changed_files: _files, ...simple } = pullJson(c, p)
  return simple
}

export function reviewJson(c: FakeContext, r: ReviewRec) {
  const pr = `${repoApi(c)}/pulls/${r.pull_number}`
  const html = `${repoWeb(c)}/pull/${r.pull_number}#pullrequestreview-${r.id}`
  return {
    id: r.id,
    node_id: nodeId('PRR', r.id),
    user: userJson(c, r.user),
    body: r.body,
    state: r.state,
    html_url: html,
    pull_request_url: pr,
    _links: { html: { href: html }, pull_request: { href: pr } },
    submitted_at: r.state === 'PENDING' ? undefined : r.submitted_at,
    commit_id: r.commit_id,
    author_association: 'MEMBER',
  }
}

export function assetJson(c: FakeContext, a: AssetRec, release: ReleaseRec) {
  return {
    url: `${repoApi(c)}/releases/assets/${a.id}`,
    browser_download_url: `${c.apiUrl}/_web/${c.state.owner}/${c.state.repo}/releases/download/${encodeURIComponent(release.draft ? `untagged-${release.id}` : release.tag_name)}/${encodeURIComponent(a.name)}`,
    id: a.id,
    node_id: nodeId('RA', a.id),
    name: a.name,
    label: a.label,
    state: a.state,
    content_type: a.content_type,
    size: a.size,
    digest: a.digest,
    download_count: a.download_count,
    created_at: a.created_at,
    updated_at: a.updated_at,
    uploader: userJson(c, a.uploader),
  }
}

export function releaseJson(c: FakeContext, r: ReleaseRec) {
  const api = `${repoApi(c)}/releases/${r.id}`
  return {
    url: api,
    html_url: `${repoWeb(c)}/releases/tag/${encodeURIComponent(r.draft ? `untagged-${r.id}` : r.tag_name)}`,
    assets_url: `${api}/assets`,
    upload_url: `${c.uploadsUrl}/repos/${c.state.owner}/${c.state.repo}/releases/${r.id}/assets{?name,label}`,
    tarball_url: r.draft ? null : `${repoApi(c)}/tarball/${encodeURIComponent(r.tag_name)}`,
    zipball_url: r.draft ? null : `${repoApi(c)}/zipball/${encodeURIComponent(r.tag_name)}`,
    id: r.id,
    node_id: nodeId('RE', r.id),
    tag_name: r.tag_name,
    target_commitish: r.target_commitish,
    name: r.name,
    body: r.body,
    draft: r.draft,
    prerelease: r.prerelease,
    immutable: r.immutable,
    created_at: r.created_at,
    published_at: r.published_at,
    updated_at: r.updated_at,
    author: userJson(c, r.author),
    assets: r.assets.map((a) => assetJson(c, a, r)),
  }
}

export function workflowRunJson(c: FakeContext, r: WorkflowRunRec, excludePullRequests = false) {
  const api = `${repoApi(c)}/actions/runs/${r.id}`
  const commit = c.state.commits.get(r.head_sha)
  return {
    id: r.id,
    name: r.name,
    node_id: nodeId('WFR', r.id),
    head_branch: r.head_branch,
    head_sha: r.head_sha,
    path: r.path,
    display_title: r.display_title,
    run_number: r.run_number,
    run_attempt: r.run_attempt,
    event: r.event,
    status: r.status,
    conclusion: r.conclusion,
    workflow_id: r.workflow_id,
    check_suite_id: r.id + 1,
    check_suite_node_id: nodeId('CS', r.id + 1),
    url: api,
    html_url: `${repoWeb(c)}/actions/runs/${r.id}`,
    pull_requests: excludePullRequests
      ? []
      : r.pull_requests.map((n) => {
          const p = c.state.pulls.get(n)!
          const headRepo = repoJson(c, p.head.repo)
          const baseRepo = repoJson(c)
          return {
            id: p.id,
            number: p.number,
            url: `${repoApi(c)}/pulls/${p.number}`,
            head: { ref: p.head.ref, sha: p.head.sha, repo: { id: headRepo.id, url: headRepo.url, name: headRepo.name } },
            base: { ref: p.base.ref, sha: p.base.sha, repo: { id: baseRepo.id, url: baseRepo.url, name: baseRepo.name } },
          }
        }),
    created_at: r.created_at,
    updated_at: r.updated_at,
    run_started_at: r.created_at,
    actor: userJson(c, r.actor),
    triggering_actor: userJson(c, r.actor),
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    check_suite_url: `${repoApi(c)}/check-suites/${r.id + 1}`,
    artifacts_url: `${api}/artifacts`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    previous_attempt_url: null,
    workflow_url: `${repoApi(c)}/actions/workflows/${r.workflow_id}`,
    head_commit: {
      id: r.head_sha,
      tree_id: r.head_sha,
      message: commit?.message ?? '',
      timestamp: r.created_at,
      author: { name: r.actor.login, email: `${r.actor.login}@users.noreply.github.com` },
      committer: { name: 'GitHub', email: 'noreply@github.com' },
    },
    repository: repoJson(c),
    head_repository: repoJson(c),
  }
}

export function artifactJson(c: FakeContext, a: ArtifactRec) {
  const run = c.state.workflowRuns.get(a.run_id)
  const api = `${repoApi(c)}/actions/artifacts/${a.id}`
  return {
    id: a.id,
    node_id: nodeId('MDg', a.id),
    name: a.name,
    size_in_bytes: a.size_in_bytes,
    url: api,
    archive_download_url: `${api}/zip`,
    expired: a.expired,
    created_at: a.created_at,
    expires_at: a.expires_at,
    updated_at: a.updated_at,
    digest: a.digest,
    workflow_run: run
      ? { id: run.id, repository_id: c.state.repoId, head_repository_id: c.state.repoId, head_branch: run.head_branch ?? '', head_sha: run.head_sha }
      : null,
  }
}

export function checkRunJson(c: FakeContext, x: CheckRunRec) {
  return {
    id: x.id,
    node_id: nodeId('CR', x.id),
    head_sha: x.head_sha,
    external_id: x.external_id,
    url: `${repoApi(c)}/check-runs/${x.id}`,
    html_url: `${repoWeb(c)}/runs/${x.id}`,
    details_url: x.details_url,
    status: x.status,
    conclusion: x.conclusion,
    started_at: x.started_at,
    completed_at: x.completed_at,
    name: x.name,
    output: {
      title: x.output.title,
      summary: x.output.summary,
      text: x.output.text,
      annotations_count: x.output.annotations.length,
      annotations_url: `${repoApi(c)}/check-runs/${x.id}/annotations`,
    },
    check_suite: { id: x.id + 1 },
    app: null,
    pull_requests: [],
  }
}
