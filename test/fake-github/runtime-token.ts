// ACTIONS_RUNTIME_TOKEN: a JWT whose `scp` claim carries `Actions.Results:<runBackendId>:<jobBackendId>`.
// @actions/artifact only decodes it (jwt-decode, no signature check), and so does the fake.

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * A runtime token for the results (artifact) service. `runBackendId` is the run's `backend_id`
 * (or its numeric id: the fake accepts both); `jobBackendId` is any string naming the job.
 */
export function makeRuntimeToken(runBackendId: string | number, jobBackendId: string | number = 'job-1'): string {
  const now = Math.floor(Date.now() / 1000)
  const payload = {
    iss: 'https://token.actions.githubusercontent.com',
    scp: `Actions.ExampleScope Actions.Results:${runBackendId}:${jobBackendId}`,
    nbf: now - 60,
    exp: now + 6 * 3600,
  }
  return `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(payload)}.ZmFrZS1zaWduYXR1cmU`
}

export interface RuntimeIds {
  runBackendId: string
  jobBackendId: string
}

/** The ids in a runtime token, or undefined when it is not one. */
export function parseRuntimeToken(token: string): RuntimeIds | undefined {
  const payload = token.split('.')[1]
  if (!payload) return undefined
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { scp?: unknown }
    if (typeof claims.scp !== 'string') return undefined
    for (const scope of claims.scp.split(' ')) {
      const parts = scope.split(':')
      if (parts[0] === 'Actions.Results' && parts.length === 3) return { runBackendId: parts[1]!, jobBackendId: parts[2]! }
    }
  } catch {
    return undefined
  }
  return undefined
}
