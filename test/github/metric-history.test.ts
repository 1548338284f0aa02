import { describe, expect, it } from 'vitest'
import {
  appendHistory,
  decodeHistory,
  EMPTY_HISTORY,
  encodeHistory,
  historyEntryFromRun,
  keyMetricNames,
  MAX_HISTORY_ENTRIES,
  MAX_HISTORY_METRICS,
  renderHistory,
  type HistoryEntry,
  type MetricHistory,
} from '../../src/github/metric-history.js'
import { buildGateVerdict, buildMetrics, buildRunRecord } from '../builders.js'

const REPO_URL = 'https://github.com/octo/penguins'
const HOSTILE = ['<img src=x onerror=alert(1)>', '@octocat', '| x |', '</details>']

function entry(n: number, metrics: Record<string, number> = { accuracy: 0.9 + n / 1000 }, passed = true): HistoryEntry {
  return { sha: `${String(n).padStart(4, '0')}abcdef12`, runId: 1000 + n, at: new Date(Date.UTC(2025, 5, 1, 12, n)).toISOString(), passed, metrics }
}

function historyOf(...entries: HistoryEntry[]): MetricHistory {
  return entries.reduce<MetricHistory>((h, e) => appendHistory(h, e), EMPTY_HISTORY)
}

/** A payload as someone editing the comment could write it. */
function forge(stored: unknown): string {
  return `<!-- mlops-history:v1:${Buffer.from(JSON.stringify(stored)).toString('base64url')} -->`
}

describe('history payload', () => {
  it('round-trips through the comment body and cannot close the HTML comment early', () => {
    const history = historyOf(entry(1), entry(2, { accuracy: 0.95, 'loss-->': 0.2 }, false))
    const payload = encodeHistory(history)
    expect(payload).toMatch(/^<!-- mlops-history:v1:[A-Za-z0-9_-]+ -->$/)
    expect(payload.slice(4, -4)).not.toContain('-->')
    const decoded = decodeHistory(`## report\n\ntext\n\n${payload}\n`)
    expect(decoded.problem).toBeUndefined()
    expect(decoded.history).toEqual(history)
  })

  it('is absent for an empty history and reads as empty from a body without one', () => {
    expect(encodeHistory(EMPTY_HISTORY)).toBe('')
    expect(decodeHistory(undefined)).toEqual({ history: EMPTY_HISTORY })
    expect(decodeHistory('just a comment')).toEqual({ history: EMPTY_HISTORY })
  })

  it.each([
    ['not base64 JSON', '<!-- mlops-history:v1:bm90IGpzb24 -->'],
    ['the wrong version', forge({ v: 2, m: [], e: [] })],
    ['a metric list that is not strings', forge({ v: 1, m: [1, 2], e: [] })],
    ['a metric named twice', forge({ v: 1, m: ['a', 'a'], e: [{ s: 'abcdef1', r: 1, t: '2025-06-01T00:00:00Z', ok: true, x: [1, 2] }] })],
    ['an oversized payload', `<!-- mlops-history:v1:${'A'.repeat(70_000)} -->`],
  ])('survives %s: empty history and a problem to log', (_what, body) => {
    const decoded = decodeHistory(body)
    expect(decoded.history).toEqual(EMPTY_HISTORY)
    expect(decoded.problem).toMatch(/starting a new one/)
  })

  it('drops bad entries one by one and keeps the good ones', () => {
    const good = { s: 'abcdef123456', r: 42, t: '2025-06-01T12:00:00.000Z', ok: true, x: [0.9, null] }
    const body = forge({
      v: 1,
      m: ['accuracy', 'f1'],
      e: [
        good,
        { ...good, s: 'javascript:alert(1)' }, // not a SHA
        { ...good, r: -1 },
        { ...good, t: 'yesterday' },
        { ...good, x: [1, 2, 3] }, // more values than metrics
        'garbage',
      ],
    })
    const decoded = decodeHistory(body)
    expect(decoded.problem).toBe('5 entries of the stored metric history were not valid and were dropped')
    expect(decoded.history.entries).toEqual([{ sha: 'abcdef123456', runId: 42, at: '2025-06-01T12:00:00.000Z', passed: true, metrics: { accuracy: 0.9 } }])
  })

  it('reads a metric named __proto__ as data, not as a prototype', () => {
    const decoded = decodeHistory(forge({ v: 1, m: ['__proto__'], e: [{ s: 'abcdef1', r: 1, t: '2025-06-01T00:00:00Z', ok: true, x: [5] }] }))
    const metrics = decoded.history.entries[0]!.metrics
    expect(Object.hasOwn(metrics, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(metrics)).toBe(Object.prototype)
  })
})

describe('appendHistory', () => {
  it('keeps the newest 20 pushes', () => {
    const history = historyOf(...Array.from({ length: 25 }, (_, i) => entry(i + 1)))
    expect(history.entries).toHaveLength(MAX_HISTORY_ENTRIES)
    expect(history.entries[0]!.runId).toBe(1006)
    expect(history.entries.at(-1)!.runId).toBe(1025)
  })

  it('replaces the entry of a re-run (same run id) or the same commit, and moves it last', () => {
    const history = historyOf(entry(1), entry(2), entry(3))
    const rerun = { ...entry(1), metrics: { accuracy: 0.5 } }
    expect(appendHistory(history, rerun).entries.map((e) => e.runId)).toEqual([1002, 1003, 1001])
    const samePush = { ...entry(2), runId: 9999, sha: entry(2).sha.slice(0, 7) }
    expect(appendHistory(history, samePush).entries.map((e) => e.runId)).toEqual([1001, 1003, 9999])
  })

  it('orders metrics as this push tracks them and forgets metrics no entry has any more', () => {
    const old = historyOf(entry(1, { old_metric: 1, accuracy: 0.9 }))
    const next = appendHistory(old, entry(2, { f1: 0.8, accuracy: 0.91 }), ['f1', 'accuracy'])
    expect(next.metrics).toEqual(['f1', 'accuracy', 'old_metric'])
    const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`m${i}`, i]))
    expect(appendHistory(next, entry(3, many)).metrics).toHaveLength(MAX_HISTORY_METRICS)
  })
})

describe('entries from a run', () => {
  it('tracks the gated metrics first, then others by name, at most 8', () => {
    const run = buildRunRecord({
      metrics: buildMetrics(Object.fromEntries([...'zyxwvutsrq'].map((c, i) => [c, i / 10]))),
      gates: buildGateVerdict({ results: [{ metric: 'x', rule: 'min', threshold: 0, value: 0.2, status: 'pass', message: 'ok' }] }),
    })
    expect(keyMetricNames(run)).toEqual(['x', 'q', 'r', 's', 't', 'u', 'v', 'w'])
  })

  it('records a short SHA, the run, the finish time and the verdict', () => {
    const run = buildRunRecord({ status: 'failed' })
    expect(historyEntryFromRun(run, { sha: '3F2C1D0E9B8A7F6E5D4C3B2A1F0E9D8C7B6A5F4E', runId: 77 })).toEqual({
      sha: '3f2c1d0e9b8a',
      runId: 77,
      at: '2025-06-01T12:01:12.000Z',
      passed: false,
      metrics: { accuracy: 0.9712 },
    })
    expect(() => historyEntryFromRun(run, { sha: 'main', runId: 1 })).toThrow(/not a commit SHA/)
  })
})

describe('renderHistory', () => {
  it('folds a table of pushes with a sparkline per metric', () => {
    const history = historyOf(entry(1, { accuracy: 0.9, f1: 0.7 }, false), entry(2, { accuracy: 0.95, f1: 0.75 }), entry(3, { accuracy: 0.97 }))
    const md = renderHistory(history, { repoUrl: REPO_URL })
    expect(md).toMatch(/^<details><summary>Metric history \(3 pushes\) · accuracy ▁▆█ · f1 ▁█<\/summary>/)
    expect(md).toContain('| Push | Commit | Run | Finished (UTC) | Gates | accuracy | f1 |')
    expect(md).toContain('| 1 | [`0001abc`](https://github.com/octo/penguins/commit/0001abcdef12) | [1001](https://github.com/octo/penguins/actions/runs/1001) | 2025-06-01 12:01 | ❌ | 0.9 | 0.7 |')
    expect(md).toContain('| **3 (this)** | [`0003abc`](https://github.com/octo/penguins/commit/0003abcdef12) | [1003](https://github.com/octo/penguins/actions/runs/1003) | 2025-06-01 12:03 | ✅ | **0.97** | **—** |')
    expect(md).toContain('| Trend |  |  |  |  | ▁▆█ | ▁█ |')
    expect(md.endsWith('</details>')).toBe(true)
  })

  it('shows fewer rows, or the summary alone, when asked to', () => {
    const history = historyOf(...Array.from({ length: 12 }, (_, i) => entry(i + 1)))
    const five = renderHistory(history, { repoUrl: REPO_URL, maxRows: 5 })
    expect(five.match(/^\| \**\d+/gm)).toHaveLength(5)
    expect(five).toContain('_7 older pushes not shown; the trend row covers all of them._')
    expect(renderHistory(history, { repoUrl: REPO_URL, maxRows: 0 })).toContain("_Table omitted to fit GitHub's comment limit._")
    expect(renderHistory(EMPTY_HISTORY, { repoUrl: REPO_URL })).toBe('')
    expect(renderHistory(historyOf(entry(1)), { repoUrl: REPO_URL })).toBe('') // nothing to compare yet
  })

  it('escapes metric names from a tampered payload in the table and the summary', () => {
    const stored = { v: 1, m: HOSTILE, e: [1, 2].map((n) => ({ s: `abcdef${n}`, r: n, t: '2025-06-01T00:00:00Z', ok: true, x: [n, n, n, n] })) }
    const { history, problem } = decodeHistory(forge(stored))
    expect(problem).toBeUndefined()
    const md = renderHistory(history, { repoUrl: REPO_URL })
    expect(md).not.toContain('<img')
    expect(md).not.toMatch(/@octocat/) // a zero-width joiner follows every @
    expect(md).toContain('@\u200Docto')
    // Inside <summary> (an HTML block) a pipe is literal text; in the table it must be escaped.
    expect(md.split('\n').filter((l) => l.startsWith('|') && l.includes('| x |'))).toEqual([])
    expect(md).toContain('\\| x \\|')
    expect(md.match(/<\/details>/g)).toHaveLength(1)
    expect(md.match(/<details>/g)).toHaveLength(1)
    // Every table row still has the same number of cells.
    const rows = md.split('\n').filter((l) => l.startsWith('|'))
    const cells = (row: string) => row.replace(/\\\|/g, '').split('|').length
    expect(new Set(rows.map(cells)).size).toBe(1)
  })
})
