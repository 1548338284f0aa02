import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { type Document, LineCounter, parseDocument, visit, type YAMLError } from 'yaml'
import { type Diagnostic, sortDiagnostics } from './diagnostics.js'
import { checkRules } from './rules.js'
import { type Spec, SpecSchema } from './schema.js'
import { describeIssues, type SpecIssue } from './zod-issues.js'
import { locate } from './yaml-positions.js'

// Loads mlops.yml in stages — YAML, schema, cross-field rules — and returns every problem at
// once with its line and column instead of stopping at the first.

/** Specs are small; a huge file is a mistake or an attack, not a pipeline. */
const MAX_SPEC_BYTES = 1024 * 1024
/** Aliases are fine for reuse; thousands of expansions are an alias bomb. */
const MAX_ALIAS_COUNT = 100

export type SpecResult =
  | { ok: true; spec: Spec; sha256: string; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] }

export interface LoadedSpec {
  spec: Spec
  /** Absolute directory of mlops.yml: the root every spec path is relative to. */
  dir: string
  /** Path as shown to the user. */
  file: string
  sha256: string
  warnings: Diagnostic[]
}

export async function loadSpecFile(absPath: string, displayName = path.basename(absPath)): Promise<SpecResult> {
  let text: string
  try {
    const bytes = await readFile(absPath)
    if (bytes.length > MAX_SPEC_BYTES) return failure(displayName, `file is ${bytes.length} bytes; a spec may be at most ${MAX_SPEC_BYTES}`)
    text = bytes.toString('utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return failure(displayName, code === 'ENOENT' ? 'file not found; run "mlops init" to write a starter spec' : `cannot read: ${(error as Error).message}`)
  }
  return parseSpec(text, displayName)
}

export function parseSpec(text: string, file: string): SpecResult {
  const lines = new LineCounter()
  // logLevel 'error': problems go into doc.errors/doc.warnings, never to the console.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, logLevel: 'error' })
  const at = (offset: number, severity: Diagnostic['severity'], message: string): Diagnostic => ({ file, ...lines.linePos(offset), severity, message })

  const yamlWarnings = doc.warnings.map((w) => at(w.pos[0], 'warning', `YAML: ${firstLine(w.message)}`))
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => {
      const { offset, message } = describeYamlError(doc, text, e)
      return at(offset, 'error', message)
    })
    return { ok: false, diagnostics: sortDiagnostics([...dedupe(errors), ...yamlWarnings]) }
  }

  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (error) {
    const unresolved = /^Unresolved alias .*: (.*)$/.exec((error as Error).message)
    if (unresolved) {
      const offset = findAlias(doc, unresolved[1]!)
      return { ok: false, diagnostics: [at(offset, 'error', `YAML: alias "*${unresolved[1]!}" refers to no anchor; define "&${unresolved[1]!}" before it`)] }
    }
    const message = error instanceof ReferenceError ? `YAML aliases expand too far (more than ${MAX_ALIAS_COUNT}); refusing a possible alias bomb` : `YAML: ${(error as Error).message}`
    return failure(file, message, 1)
  }
  if (value === null || value === undefined) return failure(file, 'the spec is empty; run "mlops init" for a starter', 1)

  const toDiagnostic = (severity: Diagnostic['severity']) => (issue: SpecIssue): Diagnostic => ({ file, ...locate(doc, lines, issue.path, issue.atKey), severity, message: issue.message })

  const parsed = SpecSchema.safeParse(value)
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues, SpecSchema, value)
    return { ok: false, diagnostics: sortDiagnostics([...dedupe(issues.map(toDiagnostic('error'))), ...yamlWarnings]) }
  }

  const { errors, warnings } = checkRules(parsed.data)
  const diagnostics = sortDiagnostics([...errors.map(toDiagnostic('error')), ...warnings.map(toDiagnostic('warning')), ...yamlWarnings])
  if (errors.length > 0) return { ok: false, diagnostics }
  return { ok: true, spec: parsed.data, sha256: createHash('sha256').update(text).digest('hex'), diagnostics }
}

function failure(file: string, message: string, line = 0): SpecResult {
  return { ok: false, diagnostics: [{ file, line, col: line ? 1 : 0, severity: 'error', message }] }
}

/** Where to show a YAML syntax error, and how to say it. */
function describeYamlError(doc: Document, text: string, error: YAMLError): { offset: number; message: string } {
  if (error.code === 'MULTIPLE_DOCS') {
    return { offset: error.pos[0], message: 'YAML: a spec is one document; remove this "---" and merge what follows into the part above' }
  }
  // An unclosed "[" or "{" is noticed only where the next key starts; point at the bracket.
  const flow = /^Flow (sequence|map)/.exec(error.message)
  if (flow) {
    let start: number | undefined
    visit(doc, {
      Collection(_, node) {
        if (node.flow && node.range?.[1] === error.pos[0]) start = node.range[0]
      },
    })
    if (start !== undefined) {
      const [open, close, what] = flow[1] === 'map' ? ['{', '}', 'mapping'] : ['[', ']', 'list']
      return { offset: start, message: `YAML: the ${what} opened by "${open}" here does not end with "${close}" (or a following line is not indented past its key)` }
    }
  }
  // Indentation errors start at the beginning of the line; point at the misplaced text.
  let offset = error.pos[0]
  while (text[offset] === ' ') offset++
  return { offset, message: `YAML: ${firstLine(error.message)}` }
}

function findAlias(doc: Document, name: string): number {
  let offset = 0
  visit(doc, {
    Alias(_, node) {
      if (node.source === name && node.range) {
        offset = node.range[0]
        return visit.BREAK
      }
    },
  })
  return offset
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>()
  return list.filter((d) => {
    const key = `${d.line}:${d.col}:${d.message}`
    return seen.has(key) ? false : (seen.add(key), true)
  })
}
