import { describe, expect, it } from 'vitest'
import { withRetry } from '../../src/github/retry.js'

describe('withRetry', () => {
  it('retries until the action succeeds', async () => {
    let calls = 0
    const retries: number[] = []
    const value = await withRetry(
      async () => {
        calls += 1
        if (calls < 3) throw new Error(`502 #${calls}`)
        return 'ok'
      },
      { minDelayMs: 1, maxDelayMs: 5, onRetry: (_e, attempt) => retries.push(attempt) },
    )
    expect(value).toBe('ok')
    expect(calls).toBe(3)
    expect(retries).toEqual([1, 2])
  })

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0
    await expect(withRetry(async () => Promise.reject(new Error(`fail ${++calls}`)), { attempts: 2, minDelayMs: 1 })).rejects.toThrow('fail 2')
    expect(calls).toBe(2)
  })

  it('does not retry errors that will not go away', async () => {
    let calls = 0
    const action = async () => {
      calls += 1
      throw Object.assign(new Error('not found'), { status: 404 })
    }
    await expect(withRetry(action, { minDelayMs: 1, isRetryable: (e) => (e as { status?: number }).status !== 404 })).rejects.toThrow('not found')
    expect(calls).toBe(1)
  })
})
