// Latency figures from the measured request times, as numpy's default percentile (linear
// interpolation between the closest ranks), so they agree with what users compute by hand.

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  const high = Math.ceil(at)
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low)
}

export interface LatencySummary {
  latency_p50_ms: number
  latency_p95_ms: number
  latency_p99_ms: number
  latency_mean_ms: number
  throughput_rps: number
  serve_error_rate: number
}

/** `durations` of the successful requests in ms; `wallMs` the whole measured phase; `failed` the requests that did not succeed. */
export function summarizeLatency(durations: readonly number[], wallMs: number, failed: number): LatencySummary {
  const sorted = [...durations].sort((a, b) => a - b)
  const total = durations.length + failed
  return {
    latency_p50_ms: percentile(sorted, 0.5),
    latency_p95_ms: percentile(sorted, 0.95),
    latency_p99_ms: percentile(sorted, 0.99),
    latency_mean_ms: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    throughput_rps: wallMs > 0 ? (durations.length / wallMs) * 1000 : Number.NaN,
    serve_error_rate: total > 0 ? failed / total : 0,
  }
}
