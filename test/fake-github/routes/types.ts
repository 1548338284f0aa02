import type { IncomingHttpHeaders } from 'node:http'
import type { RouteResult } from '../http.js'
import type { Operation } from '../openapi.js'
import type { FakeContext } from '../present.js'
import type { UserRec } from '../state.js'

export interface TokenSpec {
  login: string
  /** `app`: an installation token such as the workflow GITHUB_TOKEN; `user`: a personal access token. */
  kind: 'app' | 'user'
  /** Default `write`. A `read` token gets 403 on every write (a fork pull request's GITHUB_TOKEN). */
  permissions?: 'read' | 'write'
}

export interface Caller {
  token: string
  spec: TokenSpec
  user: UserRec
  canWrite: boolean
}

export interface RouteContext {
  fake: FakeContext
  method: string
  /** Decoded path parameters. */
  params: Record<string, string>
  query: URLSearchParams
  /** Parsed JSON body (already checked against the operation's schema), or undefined. */
  body: unknown
  rawBody: Buffer
  headers: IncomingHttpHeaders
  caller: Caller
  /** The full URL of this request (for pagination links). */
  selfUrl: string
  operation: Operation
}

export type Handler = (ctx: RouteContext) => RouteResult | Promise<RouteResult>
export type Handlers = Record<string, Handler>

/** The JSON body as a record of the given shape (the schema check already ran). */
export const bodyOf = <T>(ctx: RouteContext): Partial<T> => (ctx.body ?? {}) as Partial<T>

export const intParam = (ctx: RouteContext, name: string): number => Number(ctx.params[name])
