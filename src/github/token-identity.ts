import { isHttpError, type GitHubClient } from './octokit.js'

// Who writes with the token, so the action recognises its own sticky comment and never
// edits one somebody else wrote:
//  - a personal access token (classic or fine-grained): GET /user answers with its login;
//  - the workflow GITHUB_TOKEN: GET /user is 403 ("Resource not accessible by integration")
//    and comments are written by `github-actions[bot]`;
//  - a GitHub App installation token: also 403, but comments are written by `<app-slug>[bot]`,
//    which an installation token has no way to look up. Such workflows must pass the login as
//    an override (a future `comment-author` input: `my-app[bot]`); without it the action
//    assumes github-actions[bot], finds no comment of its own and creates a new one per push.

export const WORKFLOW_TOKEN_LOGIN = 'github-actions[bot]'

export type TokenIdentity =
  /** GET /user answered: a personal access token. */
  | { kind: 'user'; login: string }
  /** GET /user was refused: an installation token, assumed to be the workflow GITHUB_TOKEN. */
  | { kind: 'installation'; login: string }
  /** Given by the workflow (GitHub App tokens). */
  | { kind: 'override'; login: string }

export interface IdentityOptions {
  /** The comment author's login, e.g. `my-app[bot]`; skips the lookup. */
  override?: string
}

const cache = new WeakMap<GitHubClient, Promise<TokenIdentity>>()

/** The login comments made with this client's token carry; looked up once per client. */
export function resolveTokenIdentity(github: GitHubClient, options: IdentityOptions = {}): Promise<TokenIdentity> {
  const override = options.override?.trim()
  if (override) return Promise.resolve({ kind: 'override', login: override })
  let pending = cache.get(github)
  if (!pending) {
    pending = lookUp(github)
    cache.set(github, pending)
    // A failed lookup (network, 401) is not remembered: the next call asks again.
    pending.catch(() => cache.delete(github))
  }
  return pending
}

/** `my-app` → `my-app[bot]`, the login a GitHub App's installation token writes as. */
export function appBotLogin(appSlug: string): string {
  return appSlug.endsWith('[bot]') ? appSlug : `${appSlug}[bot]`
}

/** Logins compare case-insensitively on GitHub. */
export function sameLogin(a: string | undefined | null, b: string | undefined | null): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase()
}

async function lookUp(github: GitHubClient): Promise<TokenIdentity> {
  try {
    // An installation token's 403 is the expected answer (the client does not retry 403s).
    const { data } = await github.rest.users.getAuthenticated()
    return { kind: 'user', login: data.login }
  } catch (error) {
    // 404: some GitHub Enterprise Server versions answer installation tokens so.
    if (isHttpError(error, 403) || isHttpError(error, 404)) return { kind: 'installation', login: WORKFLOW_TOKEN_LOGIN }
    throw error
  }
}
