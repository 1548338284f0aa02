import { realpath } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCommand, type CommandOptions } from '../../src/pipeline/process-runner.js'
import { isAlive, nodeCmd, readText, tempDirs, waitFor } from './helpers.js'

const posix = process.platform !== 'win32'
const dirs = tempDirs()
let cwd: string

beforeEach(async () => {
  cwd = await dirs.make('mlops-runner-')
})
afterEach(() => dirs.cleanup())

function run(command: string, options: Partial<CommandOptions> = {}) {
  const lines: { stream: 'stdout' | 'stderr'; line: string }[] = []
  const result = runCommand({
    command,
    cwd,
    env: process.env,
    timeoutMs: 10_000,
    onLine: (stream, line) => lines.push({ stream, line }),
    ...options,
  })
  const of = (stream: 'stdout' | 'stderr') => lines.filter((l) => l.stream === stream).map((l) => l.line)
  return { result, lines, of }
}

/** Reads the pid a command wrote to `file`, waiting for the file to appear. */
async function readPid(file: string): Promise<number> {
  let pid = NaN
  await waitFor(async () => {
    pid = Number((await readText(cwd, file).catch(() => '')).trim())
    return pid > 0
  })
  expect(pid).toBeGreaterThan(0)
  return pid
}

describe('runCommand: exit codes', () => {
  it('reports exit 0 and a non-zero code as data, not as an error', async () => {
    await expect(run('exit 0').result).resolves.toEqual({ kind: 'exited', exitCode: 0, lastError: undefined })
    await expect(run('exit 3').result).resolves.toMatchObject({ kind: 'exited', exitCode: 3 })
    await expect(run(nodeCmd('process.exitCode = 42')).result).resolves.toMatchObject({ kind: 'exited', exitCode: 42 })
  })

  it('honours a timeout longer than setTimeout can hold (timeout-minutes: 50000)', async () => {
    // Node fires a timer above 2^31-1 ms after 1 ms; the command must still run to the end.
    const r = await run(nodeCmd('setTimeout(() => {}, 200)'), { timeoutMs: 50_000 * 60_000 }).result
    expect(r).toMatchObject({ kind: 'exited', exitCode: 0 })
  })

  it('runs in cwd with the given environment', async () => {
    const { result, of } = run(nodeCmd('console.log(process.cwd()); console.log(process.env.MLOPS_TEST_VALUE)'), {
      env: { ...process.env, MLOPS_TEST_VALUE: 'hello there' },
    })
    await expect(result).resolves.toMatchObject({ kind: 'exited', exitCode: 0 })
    expect(of('stdout')[0]).toBe(await realpath(cwd))
    expect(of('stdout')[1]).toBe('hello there')
  })

  it.runIf(posix)('reports a command the shell cannot find as exit 127 with the shell message', async () => {
    const { result } = run('mlops-no-such-command-xyz --flag')
    const r = await result
    expect(r).toMatchObject({ kind: 'exited', exitCode: 127 })
    expect(r.kind === 'exited' && r.lastError).toMatch(/mlops-no-such-command-xyz.*not found/)
  })

  it('reports spawn-failed when the process cannot start at all (missing cwd)', async () => {
    const { result } = run('echo never', { cwd: path.join(cwd, 'does', 'not', 'exist') })
    const r = await result
    expect(r.kind).toBe('spawn-failed')
    expect(r.kind === 'spawn-failed' && r.message).toMatch(/ENOENT/)
  })

  it.runIf(posix)('reports a process killed by a signal as signaled', async () => {
    const r = await run('echo dying >&2; kill -9 $$').result
    expect(r).toEqual({ kind: 'signaled', signal: 'SIGKILL', lastError: 'dying' })
  })
})

describe('runCommand: output lines', () => {
  it('delivers stdout and stderr lines in order, without newlines, CRLF trimmed', async () => {
    const { result, of } = run(nodeCmd(`
      for (let i = 1; i <= 200; i++) process.stdout.write('out ' + i + '\\n')
      process.stderr.write('err 1\\r\\nerr 2\\n')
    `))
    await expect(result).resolves.toMatchObject({ kind: 'exited', exitCode: 0 })
    expect(of('stdout')).toEqual(Array.from({ length: 200 }, (_, i) => `out ${i + 1}`))
    expect(of('stderr')).toEqual(['err 1', 'err 2'])
  })

  it('joins a line written in several chunks and flushes a last line without newline', async () => {
    const { result, of } = run(nodeCmd(`
      const parts = ['epo', 'ch 1 lo', 'ss 0.5\\nepoch 2', ' loss 0.25\\n', 'tail without newline']
      let i = 0
      const next = () => { if (i < parts.length) process.stdout.write(parts[i++], () => setTimeout(next, 30)) }
      next()
    `))
    await expect(result).resolves.toMatchObject({ kind: 'exited', exitCode: 0 })
    expect(of('stdout')).toEqual(['epoch 1 loss 0.5', 'epoch 2 loss 0.25', 'tail without newline'])
  })

  it('decodes a UTF-8 character split across two chunks', async () => {
    // "é" is c3 a9, "😀" is f0 9f 98 80: each is cut in the middle of its bytes.
    const { result, of } = run(nodeCmd(`
      const bytes = Buffer.from('accuracy é 😀 ✓\\n', 'utf8')
      const cuts = [10, 14, 16, bytes.length]
      let from = 0
      const next = () => {
        const to = cuts.shift()
        if (to === undefined) return
        process.stdout.write(bytes.subarray(from, to), () => setTimeout(next, 30))
        from = to
      }
      next()
    `))
    await expect(result).resolves.toMatchObject({ kind: 'exited', exitCode: 0 })
    expect(of('stdout')).toEqual(['accuracy é 😀 ✓'])
  })

  it('reports the last non-blank stderr line as lastError', async () => {
    const r = await run(nodeCmd(`
      console.error('Traceback (most recent call last):')
      console.error('  File "train.py", line 3')
      console.log('stdout is not an error')
      console.error('ValueError: bad learning rate   ')
      console.error('   ')
      process.exit(1)
    `)).result
    expect(r).toEqual({ kind: 'exited', exitCode: 1, lastError: 'ValueError: bad learning rate' })
  })

  it('takes lastError from a final stderr line without newline', async () => {
    const r = await run(nodeCmd(`process.stderr.write('first\\nlast words'); process.exitCode = 2`)).result
    expect(r).toEqual({ kind: 'exited', exitCode: 2, lastError: 'last words' })
  })
})

describe.runIf(posix)('runCommand: timeout and abort stop the whole process tree', () => {
  it('kills the shell and a background grandchild at the timeout', async () => {
    const started = Date.now()
    // The grandchild does not hold the output pipes: only a process-group kill reaches it.
    const { result } = run('sleep 30 >/dev/null 2>&1 & echo $! > grandchild.pid; wait', { timeoutMs: 300 })
    const pid = await readPid('grandchild.pid')
    expect(isAlive(pid)).toBe(true)
    await expect(result).resolves.toEqual({ kind: 'timed-out', timeoutMs: 300 })
    expect(Date.now() - started).toBeLessThan(2500)
    expect(await waitFor(() => !isAlive(pid))).toBe(true)
  })

  it('kills a grandchild that keeps the output pipe open after the shell exited', async () => {
    const started = Date.now()
    const { result } = run('sleep 30 & echo $! > grandchild.pid; echo shell done', { timeoutMs: 300 })
    const pid = await readPid('grandchild.pid')
    await expect(result).resolves.toEqual({ kind: 'timed-out', timeoutMs: 300 })
    expect(Date.now() - started).toBeLessThan(2500)
    expect(await waitFor(() => !isAlive(pid))).toBe(true)
  })

  it('escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const started = Date.now()
    const script = nodeCmd(`
      process.on('SIGTERM', () => console.log('ignoring SIGTERM'))
      require('fs').writeFileSync('stubborn.pid', String(process.pid))
      setInterval(() => {}, 1000)
    `)
    // The timeout leaves a loaded machine time to start node and install the handler.
    const { result, of } = run(script, { timeoutMs: 2000, graceMs: 200 })
    const pid = await readPid('stubborn.pid')
    await expect(result).resolves.toEqual({ kind: 'timed-out', timeoutMs: 2000 })
    expect(Date.now() - started).toBeLessThan(5000)
    expect(of('stdout')).toContain('ignoring SIGTERM')
    expect(await waitFor(() => !isAlive(pid))).toBe(true)
  })

  it('stops the tree when the AbortSignal fires', async () => {
    const controller = new AbortController()
    const { result } = run('sleep 30 >/dev/null 2>&1 & echo $! > grandchild.pid; wait', { signal: controller.signal })
    const pid = await readPid('grandchild.pid')
    const started = Date.now()
    controller.abort()
    await expect(result).resolves.toEqual({ kind: 'aborted' })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(await waitFor(() => !isAlive(pid))).toBe(true)
  })

  it('does not run the command when the signal is already aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    const started = Date.now()
    const aborted = run('echo ran > aborted.txt; sleep 5', { signal: controller.signal })
    await expect(aborted.result).resolves.toEqual({ kind: 'aborted' })
    expect(Date.now() - started).toBeLessThan(2000)
    await expect(readText(cwd, 'aborted.txt')).rejects.toThrow(/ENOENT/)
  })
})
