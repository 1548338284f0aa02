/** Malformed or unsupported input; the validator reports it as a failed 'read' check. */
export class DataError extends Error {
  override name = 'DataError'
  readonly line: number | undefined
  /** The offending text, for the check's examples. */
  readonly example: string | undefined
  /** 1-based character position in the line, and the column it falls in, when known. */
  readonly position: number | undefined
  readonly column: string | undefined

  constructor(message: string, line?: number, example?: string, where: { position?: number; column?: string } = {}) {
    super(message)
    this.line = line
    this.example = example
    this.position = where.position
    this.column = where.column
  }
}
