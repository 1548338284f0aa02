import { spawn } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'

// Runs one stage command in a shell. An exit code is data: the result says how the process
// ended and the caller decides what that means. The command runs in its own process group so
// a timeout can kill everything it started, not only the shell.

export interface CommandOptions {
  command: string
  cwd: string
  env: NodeJS.ProcessEnv
  timeoutMs: number
  /** Called once per output line, without the newline. */
  onLine: (stream: 'stdout' | 'stderr', line: string) => void
  signal?: AbortSignal
  /** Time between SIGTERM and SIGKILL when stopping. */
  graceMs?: number
}

export type CommandResult =
  | { kind: 'exited'; exitCode: number; lastError?: string }
  | { kind: 'signaled'; signal: string; lastError?: string }
  | { kind: 'timed-out'; timeoutMs: number }
  | { kind: 'aborted' }
  | { kind: 'spawn-failed'; message: string }

export function runCommand(options: CommandOptions): Promise<CommandResult> {
  const { command, cwd, env, timeoutMs, onLine, signal, graceMs = 3000 } = options
  return new Promise((resolve) => {
    // An already-cancelled run (e.g. a later stage after Ctrl-C) must not start at all.
    if (signal?.aborted) return resolve({ kind: 'aborted' })
    const isWindows = process.platform === 'win32'
    const child = spawn(command, { cwd, env, shell: true, detached: !isWindows, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true })
    let stopped: 'timed-out' | 'aborted' | undefined
    let lastError: string | undefined
    let killTimer: NodeJS.Timeout | undefined
    let settled = false

    // Not settled means the output is still open: even when the shell itself has exited, a
    // background process it started holds the pipes, and the group kill must reach it.
    const stop = (why: 'timed-out' | 'aborted') => {
      if (stopped || settled) return
      stopped = why
      killTree(child.pid, 'SIGTERM')
      killTimer = setTimeout(() => killTree(child.pid, 'SIGKILL'), graceMs)
      killTimer.unref()
    }
    // setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); clamp long timeouts.
    const timer = setTimeout(() => stop('timed-out'), Math.min(timeoutMs, 2 ** 31 - 1))
    const onAbort = () => stop('aborted')
    signal?.addEventListener('abort', onAbort, { once: true })

    const flushStdout = forwardLines(child.stdout, (line) => onLine('stdout', line))
    const flushStderr = forwardLines(child.stderr, (line) => {
      if (line.trim()) lastError = line.trim()
      onLine('stderr', line)
    })

    const finish = (result: CommandResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (killTimer && !stopped) clearTimeout(killTimer)
      signal?.removeEventListener('abort', onAbort)
      resolve(result)
    }
    child.on('error', (error) => finish({ kind: 'spawn-failed', message: error.message }))
    child.on('close', (code, sig) => {
      flushStdout()
      flushStderr()
      if (stopped === 'timed-out') return finish({ kind: 'timed-out', timeoutMs })
      if (stopped === 'aborted') return finish({ kind: 'aborted' })
      if (sig) return finish({ kind: 'signaled', signal: sig, lastError })
      finish({ kind: 'exited', exitCode: code ?? 1, lastError })
    })
  })
}

function killTree(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    if (process.platform === 'win32') {
      spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true })
    } else {
      process.kill(-pid, signal) // negative pid: the whole process group
    }
  } catch {
    // Already gone.
  }
}

/** Splits a stream into lines (UTF-8 safe across chunks); returns a flush for the last one. */
function forwardLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): () => void {
  const decoder = new StringDecoder('utf8')
  let buffer = ''
  stream.on('data', (chunk: Buffer) => {
    buffer += decoder.write(chunk)
    let newline = buffer.indexOf('\n')
    while (newline !== -1) {
      onLine(buffer.slice(0, newline).replace(/\r$/, ''))
      buffer = buffer.slice(newline + 1)
      newline = buffer.indexOf('\n')
    }
  })
  return () => {
    buffer += decoder.end()
    if (buffer) onLine(buffer)
    buffer = ''
  }
}
