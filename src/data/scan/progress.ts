// Progress of a long scan: a line rewritten in place on a terminal, a line every
// few seconds in CI logs, nothing for scans that finish within a couple of seconds.

const QUIET_FOR_MS = 2000
const TTY_EVERY_MS = 250
const LOG_EVERY_MS = 10_000
const MIB = 1024 * 1024

export interface ProgressSink {
  write(text: string): void
  /** A terminal that understands \r; otherwise whole lines are written. */
  tty: boolean
}

export interface ScanProgress {
  bytes: number
  rows: number
  totalBytes: number
}

export function progressReporter(label: string, sink: ProgressSink, now: () => number = Date.now): { update(progress: ScanProgress): void; done(): void } {
  const start = now()
  let last = start
  let shown = false
  return {
    update({ bytes, rows, totalBytes }) {
      const time = now()
      if (time - start < QUIET_FOR_MS || time - last < (sink.tty ? TTY_EVERY_MS : LOG_EVERY_MS)) return
      last = time
      const seconds = (time - start) / 1000
      const percent = totalBytes > 0 ? ` (${Math.min(100, (100 * bytes) / totalBytes).toFixed(0)}%)` : ''
      const text = `${label}: ${(bytes / MIB).toFixed(0)} of ${(totalBytes / MIB).toFixed(0)} MiB${percent}, ${rows.toLocaleString('en-US')} rows, ${(bytes / MIB / seconds).toFixed(1)} MiB/s`
      sink.write(sink.tty ? `\r\u001b[2K${text}` : `${text}\n`)
      shown = true
    },
    done() {
      if (shown && sink.tty) sink.write('\r\u001b[2K')
    },
  }
}
