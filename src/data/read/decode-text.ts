import { isAscii, isUtf8 } from 'node:buffer'
import { open } from 'node:fs/promises'

// Reads a byte range of a file in large chunks and decodes each to a string.
// Valid UTF-8 goes through one native validity check and one native decode;
// only a chunk that fails the check is walked byte by byte, to replace each
// bad sequence with U+FFFD and note where it went (the reader reports it).

export type TextEncoding = 'utf-8' | 'utf-16le' | 'latin1'

export interface TextChunk {
  text: string
  /** Offsets in `text` of the U+FFFD put in place of invalid UTF-8, ascending. */
  bad: number[]
  /** File offset just past the bytes this chunk decodes (or holds back for the next). */
  bytesRead: number
  /** The last chunk; `text` may be empty. */
  final: boolean
}

export interface ReadTextOptions {
  encoding: TextEncoding
  start: number
  /** Exclusive; Infinity reads to the end of the file. */
  end: number
  chunkBytes: number
}

const NO_BAD: number[] = []

export async function* readTextChunks(absPath: string, options: ReadTextOptions): AsyncGenerator<TextChunk> {
  const { encoding, start, end } = options
  const chunkBytes = Math.max(4, options.chunkBytes)
  const file = await open(absPath, 'r')
  try {
    // Up to 3 bytes of a UTF-8 sequence cut by the chunk end wait at the front.
    const buf = Buffer.allocUnsafe(chunkBytes + 4)
    const decoder = encoding === 'utf-8' ? undefined : new TextDecoder(encoding, { ignoreBOM: start > 0 })
    let position = start
    let carry = 0
    let first = start === 0
    for (;;) {
      const want = Math.min(chunkBytes, end - position)
      const { bytesRead } = want > 0 ? await file.read(buf, carry, want, position) : { bytesRead: 0 }
      position += bytesRead
      const final = bytesRead === 0
      const total = carry + bytesRead
      let from = 0
      if (first && encoding === 'utf-8' && total >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) from = 3
      if (total >= 3 || final) first = false
      if (decoder) {
        const bytes = buf.subarray(0, total)
        // A single-byte decoder (windows-1252) agrees with latin1 on ASCII, which Node decodes far faster.
        const text = encoding === 'latin1' && isAscii(bytes) ? bytes.toString('latin1') : decoder.decode(bytes, { stream: !final })
        yield { text, bad: NO_BAD, bytesRead: position, final }
      } else {
        const cut = final ? total : completeUpTo(buf, total)
        const bytes = buf.subarray(from, cut)
        if (isAscii(bytes)) yield { text: bytes.toString('latin1'), bad: NO_BAD, bytesRead: position, final }
        else if (isUtf8(bytes)) yield { text: bytes.toString('utf8'), bad: NO_BAD, bytesRead: position, final }
        else yield { ...decodeLossy(buf, from, cut), bytesRead: position, final }
        buf.copy(buf, 0, cut, total)
        carry = total - cut
      }
      if (final) return
    }
  } finally {
    await file.close()
  }
}

/** Where a UTF-8 sequence left incomplete by the end of `buf[0, length)` starts, or `length`. */
export function completeUpTo(buf: Uint8Array, length: number): number {
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = buf[length - back] as number
    if ((byte & 0xc0) === 0x80) continue
    if (byte < 0xc0) return length
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2
    return need > back ? length - back : length
  }
  return length
}

/**
 * Decodes `buf[from, to)` as the WHATWG UTF-8 decoder does (one U+FFFD per
 * maximal invalid subpart), noting each replacement's offset in the text.
 */
export function decodeLossy(buf: Buffer, from: number, to: number): { text: string; bad: number[] } {
  const parts: string[] = []
  const bad: number[] = []
  let length = 0
  let run = from
  let i = from
  while (i < to) {
    const lead = buf[i] as number
    if (lead < 0x80) {
      i++
      continue
    }
    let need = 0
    let lo = 0x80
    let hi = 0xbf
    if (lead >= 0xc2 && lead <= 0xdf) need = 1
    else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2
      if (lead === 0xe0) lo = 0xa0
      else if (lead === 0xed) hi = 0x9f
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3
      if (lead === 0xf0) lo = 0x90
      else if (lead === 0xf4) hi = 0x8f
    }
    let j = i + 1
    let seen = 0
    while (seen < need && j < to) {
      const byte = buf[j] as number
      if (byte < lo || byte > hi) break
      lo = 0x80
      hi = 0xbf
      seen++
      j++
    }
    if (need > 0 && seen === need) {
      i = j
      continue
    }
    // [i, j) is one maximal invalid subpart; the byte at j (if any) starts afresh.
    const valid = buf.toString('utf8', run, i)
    parts.push(valid, '\uFFFD')
    length += valid.length
    bad.push(length)
    length += 1
    i = j
    run = j
  }
  parts.push(buf.toString('utf8', run, to))
  return { text: parts.join(''), bad }
}
