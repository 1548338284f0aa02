import { planJobs } from '../../pipeline/job-plan.js'
import type { CliSettings } from '../args.js'
import { loadProject } from '../load-project.js'

/** The job plan as JSON; the spec loader has already refused a plan beyond GitHub's limits. */
export async function planCommand(settings: CliSettings): Promise<number> {
  const project = await loadProject(settings)
  process.stdout.write(`${JSON.stringify(planJobs(project.spec).plan, null, 2)}\n`)
  return 0
}
