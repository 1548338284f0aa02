import { actionHandlers } from './actions.js'
import { checkHandlers } from './checks.js'
import { gitHandlers } from './git.js'
import { issueHandlers } from './issues.js'
import { pullHandlers } from './pulls.js'
import { releaseHandlers } from './releases.js'
import { repoHandlers } from './repos.js'
import type { Handlers } from './types.js'

/** Handlers by OpenAPI operationId. */
export const handlers: Handlers = {
  ...repoHandlers,
  ...issueHandlers,
  ...gitHandlers,
  ...pullHandlers,
  ...releaseHandlers,
  ...actionHandlers,
  ...checkHandlers,
}

export const IMPLEMENTED_OPERATIONS: ReadonlySet<string> = new Set(Object.keys(handlers))
