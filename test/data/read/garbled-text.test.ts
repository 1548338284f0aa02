import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { xorshift } from '../profile/xorshift.js'
import { DataError } from '../../../src/data/data-error.js'
import { openDataReader } from '../../../src/data/reader.js'
import { DataEntrySchema, type DataFormat } from '../../../src/spec/schema.js'

// Valid CSV, TSV, JSON Lines and JSON files with random bytes overwritten
// (mostly ones that matter to the grammar: quotes, separators, brackets,
// line ends, bytes that are not UTF-8) and some cut short. Each read must end
// quickly, either with its batches (defects beside them) or with a DataError;
// anything else thrown is a crash. This found a JSON array whose stray `}`
// kept the splitter in place until memory ran out.

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'garbled-text-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const csv = `id,name,score,when\n${Array.from({ length: 400 }, (_, i) => `${i},"n ${i}, ""q""",${i / 3},2024-01-0${1 + (i % 9)}\r\n`).join('')}`
const SOURCES: Array<[DataFormat, string]> = [
  ['csv', csv],
  ['tsv', csv.replaceAll(',', '\t')],
  ['jsonl', Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: i, a: { b: `x${i}`, c: [i] }, s: 'ü' })).join('\n')],
  ['json', JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ id: i, a: { b: `x${i}` } })))],
]
const GRAMMAR = [0x22, 0x2c, 0x09, 0x0a, 0x0d, 0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x5c, 0xff, 0xc3, 0x00, 0x20]

describe('garbled text files', () => {
  it('end every read with batches or a DataError, quickly', async () => {
    const random = xorshift(777)
    const ended = { read: 0, refused: 0 }
    for (let trial = 0; trial < 1200; trial++) {
      const [format, text] = SOURCES[trial % SOURCES.length]!
      const bytes = Buffer.from(text)
      for (let flips = 1 + Math.floor(random() * 10); flips > 0; flips--) {
        bytes[Math.floor(random() * bytes.length)] = random() < 0.7 ? GRAMMAR[Math.floor(random() * GRAMMAR.length)]! : Math.floor(random() * 256)
      }
      const file = path.join(dir, `garbled.${format}`)
      await writeFile(file, random() < 0.2 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes)
      const started = performance.now()
      try {
        for await (const batch of openDataReader(file, format, DataEntrySchema.parse({ path: `garbled.${format}` })).batches()) void batch
        ended.read++
      } catch (error) {
        expect(error, `trial ${trial} (${format}) threw`).toBeInstanceOf(DataError)
        ended.refused++
      }
      expect(performance.now() - started, `trial ${trial} (${format})`).toBeLessThan(2000)
    }
    expect(ended.read).toBeGreaterThan(1000)
  }, 120_000)
})
