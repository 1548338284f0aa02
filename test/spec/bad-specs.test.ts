import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { type Diagnostic, formatDiagnostic } from '../../src/spec/diagnostics.js'
import { parseSpec } from '../../src/spec/load-spec.js'

// The corpus of broken specs: each fixture lists, in its header, every diagnostic it must
// produce as `# expect: LINE:COL: part of the message` (errors) or `# warning: ...`. Extra or
// missing diagnostics fail, so a fixture with several mistakes proves they are all reported
// at once.

const DIR = fileURLToPath(new URL('../fixtures/specs/bad/', import.meta.url))
const MIN_FIXTURES = 25
const fixtures = readdirSync(DIR)
  .filter((name) => name.endsWith('.yml'))
  .sort()

interface Expectation {
  severity: Diagnostic['severity']
  line: number
  col: number
  text: string
}

function expectationsOf(source: string): Expectation[] {
  return [...source.matchAll(/^# (expect|warning): (\d+):(\d+): (.+)$/gm)].map((m) => ({
    severity: m[1] === 'expect' ? 'error' : 'warning',
    line: Number(m[2]),
    col: Number(m[3]),
    text: m[4]!,
  }))
}

const show = (list: Diagnostic[]) => list.map(formatDiagnostic).join('\n') || '(none)'

describe('bad spec corpus', () => {
  it(`has at least ${MIN_FIXTURES} fixtures, named NN-short-name.yml with unique numbers`, () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(MIN_FIXTURES)
    for (const name of fixtures) expect(name).toMatch(/^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*\.yml$/)
    const numbers = fixtures.map((name) => name.slice(0, 2))
    expect(new Set(numbers).size).toBe(numbers.length)
  })

  it('includes specs with several errors, to prove they are reported together', () => {
    const multi = fixtures.filter((name) => expectationsOf(readFileSync(DIR + name, 'utf8')).filter((e) => e.severity === 'error').length >= 3)
    expect(multi.length).toBeGreaterThanOrEqual(3)
  })

  it.each(fixtures)('%s', (name) => {
    const source = readFileSync(DIR + name, 'utf8')
    const expected = expectationsOf(source)
    expect(expected.filter((e) => e.severity === 'error'), `${name} has no "# expect:" line`).not.toHaveLength(0)

    const result = parseSpec(source, 'mlops.yml')
    expect(result.ok, `${name} loaded although it is broken`).toBe(false)

    const unmatched = [...result.diagnostics]
    for (const e of expected) {
      const hit = unmatched.findIndex((d) => d.severity === e.severity && d.line === e.line && d.col === e.col && d.message.includes(e.text))
      expect(hit, `${name}: no ${e.severity} at ${e.line}:${e.col} containing ${JSON.stringify(e.text)}; got:\n${show(result.diagnostics)}`).toBeGreaterThanOrEqual(0)
      unmatched.splice(hit, 1)
    }
    expect(unmatched, `${name}: diagnostics the header does not list:\n${show(unmatched)}`).toEqual([])

    for (const d of result.diagnostics) {
      expect(d.file).toBe('mlops.yml')
      expect(d.line, `${name}: every diagnostic has a position`).toBeGreaterThan(0)
      expect(d.col).toBeGreaterThan(0)
      const text = formatDiagnostic(d)
      expect(text.startsWith(`mlops.yml:${d.line}:${d.col}: ${d.severity === 'warning' ? 'warning: ' : ''}`)).toBe(true)
      // One line each, no stack trace, no zod defaults that don't say what is wrong.
      expect(text).not.toContain('\n')
      expect(text).not.toMatch(/\bat .*\.(?:ts|js):\d+|Invalid input|Error:/)
    }
  })
})
