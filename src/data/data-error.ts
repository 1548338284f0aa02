/** Malformed or unsupported input; the validator reports it as a failed 'read' check. */
export class DataError extends Error {
  override name = 'DataError'
  readonly line: number | undefined
  /** The offending text, for the check's examples. */
  readonly example: string | undefined

  constructor(message: string, line?: number, example?: string) {
    super(message)
    this.line = line
    this.example = example
  }
}
