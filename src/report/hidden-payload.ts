// JSON kept in a hidden HTML comment of a comment or issue body (`<!-- tag:BASE64URL -->`), so
// a bot can carry state from one run to the next without a database. base64url has no `-->`
// in it, so the payload cannot close the comment early.

export function encodePayload(tag: string, value: unknown): string {
  return `<!-- ${tag}:${Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')} -->`
}

export type DecodedPayload = { value: unknown } | { problem: 'too-large' | 'unreadable' }

/** The last payload tagged `tag` in `body`, undefined when there is none; never throws. */
export function decodePayload(tag: string, body: string | undefined, maxChars: number): DecodedPayload | undefined {
  if (!body) return undefined
  const pattern = new RegExp(`<!-- ${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:([A-Za-z0-9_-]*) -->`, 'g')
  const encoded = [...body.matchAll(pattern)].at(-1)?.[1]
  if (encoded === undefined) return undefined
  if (encoded.length > maxChars) return { problem: 'too-large' }
  try {
    return { value: JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) }
  } catch {
    return { problem: 'unreadable' }
  }
}
