import { GITHUB_COMMENT_LIMIT } from '../report/render-report.js'
import { isHttpError, type GitHubClient } from './octokit.js'
import { sameLogin } from './token-identity.js'

// One comment per model per pull request, found again by its hidden marker and edited in place
// on every push. Only a comment the token's own identity wrote is ours: anybody can paste the
// marker into a comment, and the action must never overwrite (or mistake for its own) what
// someone else wrote.

export interface StickyTarget {
  owner: string
  repo: string
  /** Pull request (or issue) number. */
  issueNumber: number
  /** The hidden marker the body starts with, e.g. renderReportMarker(model). */
  marker: string
  /** Login the token writes as (resolveTokenIdentity). */
  author: string
}

export interface StickyComment {
  id: number
  url: string
  body: string
}

export interface StickyCommentResult {
  id: number
  url: string
  action: 'created' | 'updated'
}

/** Attempts at creating the comment when the answer is lost; each one looks for it first. */
const CREATE_ATTEMPTS = 3

/**
 * The oldest comment on the issue by `author` that contains `marker`, or undefined. Reads the
 * comments 100 at a time and stops at the first match.
 */
export async function findStickyComment(github: GitHubClient, target: StickyTarget): Promise<StickyComment | undefined> {
  const pages = github.paginate.iterator(github.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  })
  for await (const { data } of pages) {
    for (const comment of data) {
      if (!sameLogin(comment.user?.login, target.author)) continue
      if (comment.body?.includes(target.marker)) return { id: comment.id, url: comment.html_url, body: comment.body }
    }
  }
  return undefined
}

export interface UpsertOptions extends StickyTarget {
  body: string
  /**
   * What findStickyComment returned, when the caller already looked (to merge the old body):
   * null means "looked, none". Undefined looks now.
   */
  existing?: StickyComment | null
}

/**
 * Updates our comment in place, or creates it when there is none. A re-run finds the comment
 * the first run made, so a pull request never gets a second one from the same workflow (two
 * jobs racing on their very first report could each create one; serialise them with a
 * workflow `concurrency` group keyed by the pull request).
 */
export async function upsertStickyComment(github: GitHubClient, options: UpsertOptions): Promise<StickyCommentResult> {
  const { body, existing: given, ...target } = options
  if (body.length > GITHUB_COMMENT_LIMIT) throw new RangeError(`comment body is ${body.length} characters; GitHub allows ${GITHUB_COMMENT_LIMIT}`)
  if (!body.includes(target.marker)) throw new Error('comment body does not contain its marker; the next run could not find it')
  const existing = given === undefined ? await findStickyComment(github, target) : given
  if (existing) {
    const updated = await update(github, target, existing.id, body)
    if (updated) return updated
    // Deleted since we looked: make a new one.
  }
  return create(github, target, body)
}

async function update(github: GitHubClient, target: StickyTarget, id: number, body: string): Promise<StickyCommentResult | undefined> {
  try {
    // PATCH is idempotent, so Octokit's retries are safe here.
    const { data } = await github.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: id, body })
    return { id: data.id, url: data.html_url, action: 'updated' }
  } catch (error) {
    if (isHttpError(error, 404)) return undefined
    throw error
  }
}

/**
 * POST is not idempotent: when GitHub made the comment but the answer was lost (a 5xx or a
 * dropped connection after the fact), a blind retry would leave two. So Octokit's retries are
 * off and every new attempt first looks for the comment the previous one may have made.
 */
async function create(github: GitHubClient, target: StickyTarget, body: string): Promise<StickyCommentResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { data } = await github.rest.issues.createComment({
        owner: target.owner,
        repo: target.repo,
        issue_number: target.issueNumber,
        body,
        request: { retries: 0 },
      })
      return { id: data.id, url: data.html_url, action: 'created' }
    } catch (error) {
      if (!isHttpError(error) || error.status < 500 || attempt >= CREATE_ATTEMPTS) throw error
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt))
      const made = await findStickyComment(github, target)
      if (made) {
        if (made.body === body) return { id: made.id, url: made.url, action: 'created' }
        return (await update(github, target, made.id, body)) ?? { id: made.id, url: made.url, action: 'created' }
      }
    }
  }
}
