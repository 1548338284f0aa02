import { UsageError } from './args.js'
import { SpecInvalidError } from './load-project.js'

// 2: the user must fix how they called us or their spec; 1: the work itself failed or was
// refused (a stage, data check or gate failed, a promotion was refused, a run is missing).

export function exitCodeFor(error: unknown): number {
  return error instanceof SpecInvalidError || error instanceof UsageError ? 2 : 1
}
