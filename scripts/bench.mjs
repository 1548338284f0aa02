// npm run bench: timing figures with references measured in the same script.
//  1. The penguins pipeline: a full run against a cached rerun (the cache's payoff).
//  2. Data: `mlops profile` (profile + read checks; a run's data check also hashes the file)
//     of a generated CSV, 12 mixed columns, ~2% nulls, against DuckDB SUMMARIZE (threads=1
//     and default) and pandas read_csv + describe when installed, and against reading the
//     file and counting newlines (the floor). Peak RSS of every process; ours also on a file
//     a quarter the size (memory must not grow with the file).
//  3. Parquet: vega-datasets' flights-3m.parquet (3 M rows, ZSTD), ours against SUMMARIZE.
// BENCH_DATA_MB (default 1024) sizes the CSV; BENCH_RUNS (default 3) the repeats (median).
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, createWriteStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cli = path.join(repo, 'dist', 'cli.js')
const runs = Number(process.env.BENCH_RUNS ?? 3)
const dataMb = Number(process.env.BENCH_DATA_MB ?? 1024)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const MiB = 1024 * 1024

if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run npm run bundle first')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-'))
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }))

// Every measured process reports its own wall time and peak RSS on its last stderr line.
const rssHook = path.join(tmp, 'report-rss.mjs')
writeFileSync(rssHook, "const t0 = performance.now(); process.on('exit', () => process.stderr.write(`\\nBENCH ${JSON.stringify({ ms: performance.now() - t0, rssMb: process.resourceUsage().maxRSS / 1024 })}\\n`))\n")

function measure(command, args, options = {}) {
  const started = performance.now()
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * MiB, ...options })
  const wallMs = performance.now() - started
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`)
  const line = r.stderr.trim().split('\n').reverse().find((l) => l.startsWith('BENCH '))
  return { wallMs, ...(line ? JSON.parse(line.slice(6)) : {}), stdout: r.stdout }
}

function repeat(fn) {
  const results = Array.from({ length: runs }, fn)
  return { wallMs: median(results.map((r) => r.wallMs)), rssMb: median(results.map((r) => r.rssMb ?? NaN)), stdout: results[0].stdout }
}

// 1. Pipeline
function benchPipeline() {
  const dir = path.join(tmp, 'penguins')
  cpSync(path.join(repo, 'examples', 'penguins'), dir, { recursive: true })
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir })
  const mlops = (...args) => measure(process.execPath, [cli, 'run', '-q', ...args], { cwd: dir })
  const full = []
  const cached = []
  for (let i = 0; i < runs; i++) {
    full.push(mlops('--force').wallMs)
    cached.push(mlops().wallMs)
  }
  return { full: median(full), cached: median(cached) }
}

const pipeline = benchPipeline()
console.log(`penguins pipeline (median of ${runs}): full run ${pipeline.full.toFixed(0)} ms, cached rerun ${pipeline.cached.toFixed(0)} ms, ratio cached/full ${(pipeline.cached / pipeline.full).toFixed(2)}`)

// 2. CSV
function xorshift(seed) {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 4294967296
  }
}

async function writeCsv(file, bytes) {
  const rand = xorshift(42)
  const species = ['Adelie', 'Chinstrap', 'Gentoo', 'Emperor', 'King', 'Macaroni', 'Rockhopper', 'Humboldt']
  const islands = Array.from({ length: 40 }, (_, i) => `island_${i}`)
  const words = ['fish', 'ice', 'krill', 'rock', 'colony', 'nest', 'egg', 'chick', 'storm', 'sun', 'wind', 'tide']
  const nul = (text) => (rand() < 0.02 ? '' : text)
  const out = createWriteStream(file)
  out.write('id,species,island,bill_length_mm,flipper_length_mm,body_mass_g,weight_ratio,is_adult,observed_on,observed_at,tag,note\n')
  let written = 0
  let id = 0
  while (written < bytes) {
    let chunk = ''
    for (let i = 0; i < 10_000; i++, id++) {
      const day = 1 + Math.floor(rand() * 28)
      const note = `${words[Math.floor(rand() * 12)]} ${words[Math.floor(rand() * 12)]}, ${words[Math.floor(rand() * 12)]} near the ${words[Math.floor(rand() * 12)]}`
      chunk += `${id},${nul(species[Math.floor(rand() * 8)])},${nul(islands[Math.floor(rand() * 40)])},${nul((30 + rand() * 30).toFixed(1))},${nul(String(170 + Math.floor(rand() * 60)))},${nul(String(2700 + Math.floor(rand() * 3600)))},${nul((rand() * 2).toFixed(6))},${nul(rand() < 0.7 ? 'true' : 'false')},${nul(`2024-${String(1 + (id % 12)).padStart(2, '0')}-${String(day).padStart(2, '0')}`)},${nul(`2024-05-${String(day).padStart(2, '0')}T${String(id % 24).padStart(2, '0')}:${String(id % 60).padStart(2, '0')}:00Z`)},${nul(`PG-${(id * 7919) % 100000}`)},${nul(`"${note}"`)}\n`
    }
    written += Buffer.byteLength(chunk)
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve))
  }
  await new Promise((resolve) => out.end(resolve))
}

const duckdb = await import('@duckdb/node-api').then(
  () => true,
  () => false,
)
// The generated scripts live in a temp folder, so they import DuckDB by its resolved URL.
const duckUrl = duckdb ? import.meta.resolve('@duckdb/node-api') : ''
const pandas = spawnSync('python3', ['-c', 'import pandas'], { encoding: 'utf8' }).status === 0

const duckScript = path.join(tmp, 'duck.mjs')
writeFileSync(
  duckScript,
  `import { DuckDBInstance } from '${duckUrl}'
const [file, threads, reader] = process.argv.slice(2)
const db = await DuckDBInstance.create(':memory:', threads === 'default' ? {} : { threads })
const c = await db.connect()
const r = await c.runAndReadAll(\`SUMMARIZE SELECT * FROM \${reader}('\${file}')\`)
console.log(r.getRows().length)
`,
)
const duck = (file, threads, reader) => repeat(() => measure(process.execPath, ['--import', rssHook, duckScript, file, threads, reader], { cwd: repo }))

const pandasScript = path.join(tmp, 'pandas_describe.py')
writeFileSync(
  pandasScript,
  `import resource, sys, time
t0 = time.perf_counter()
import pandas as pd
d = pd.read_csv(sys.argv[1]).describe(include='all')
print(len(d.columns))
print('BENCH {"ms": %f, "rssMb": %f}' % ((time.perf_counter() - t0) * 1000, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), file=sys.stderr)
`,
)

const countScript = path.join(tmp, 'count.mjs')
writeFileSync(
  countScript,
  `import { openSync, readSync } from 'node:fs'
const fd = openSync(process.argv[2]); const buf = Buffer.allocUnsafe(1 << 22); let n = 0, r
while ((r = readSync(fd, buf, 0, buf.length)) > 0) for (let i = buf.indexOf(10); i !== -1 && i < r; i = buf.indexOf(10, i + 1)) n++
console.log(n)
`,
)

const ours = (file, threads) => repeat(() => measure(process.execPath, ['--import', rssHook, cli, 'profile', file, '-o', path.join(tmp, 'p.json'), '--threads', String(threads)], { cwd: tmp }))

const csv = path.join(tmp, 'bench.csv')
const quarter = path.join(tmp, 'quarter.csv')
await writeCsv(csv, dataMb * MiB)
await writeCsv(quarter, (dataMb / 4) * MiB)
const size = statSync(csv).size / MiB
const rows = Number(execFileSync(process.execPath, [countScript, csv], { encoding: 'utf8' })) - 1
const rate = (r) => size / (r.wallMs / 1000)
const fmt = (name, r) => `  ${name.padEnd(34)} ${(r.wallMs / 1000).toFixed(2).padStart(7)} s ${rate(r).toFixed(1).padStart(7)} MiB/s ${((rows / r.wallMs) * 1000 / 1e6).toFixed(2).padStart(6)} M rows/s  peak RSS ${Number.isNaN(r.rssMb) ? '   -' : r.rssMb.toFixed(0).padStart(4)} MiB`

console.log(`\nCSV ${size.toFixed(0)} MiB, ${rows.toLocaleString('en-US')} rows, 12 columns (whole process, median of ${runs}):`)
const floor = repeat(() => measure(process.execPath, ['--import', rssHook, countScript, csv]))
console.log(fmt('read + count newlines', floor))
const one = ours(csv, 1)
console.log(fmt('mlops profile, 1 thread', one))
const two = ours(csv, 2)
console.log(fmt('mlops profile, 2 threads', two))
const small = ours(quarter, 1)
console.log(`  mlops profile on a quarter of the file: peak RSS ${small.rssMb.toFixed(0)} MiB (×${(one.rssMb / small.rssMb).toFixed(2)} for 4× the data)`)
const ratios = []
if (duckdb) {
  const d1 = duck(csv, '1', 'read_csv')
  const d2 = duck(csv, 'default', 'read_csv')
  console.log(fmt('DuckDB SUMMARIZE, threads=1', d1))
  console.log(fmt('DuckDB SUMMARIZE, default threads', d2))
  ratios.push(`1 thread vs DuckDB threads=1 ×${(rate(one) / rate(d1)).toFixed(2)}`, `2 threads vs DuckDB default ×${(rate(two) / rate(d2)).toFixed(2)}`)
} else console.log('  DuckDB: @duckdb/node-api is not installed; skipped')
if (pandas) {
  const p = repeat(() => measure('python3', [pandasScript, csv]))
  console.log(fmt('pandas read_csv + describe', p))
  ratios.push(`1 thread vs pandas ×${(rate(one) / rate(p)).toFixed(2)}`)
} else console.log('  pandas: python3-pandas is not installed; skipped')
if (ratios.length > 0) console.log(`  ratios (throughput, higher is ours faster): ${ratios.join(', ')}`)

// 3. Parquet: vega-datasets' flights-3m.parquet (a dev dependency), or a generated file like it.
if (duckdb) {
  let parquet
  try {
    parquet = path.join(path.dirname(fileURLToPath(import.meta.resolve('vega-datasets'))), '..', 'data', 'flights-3m.parquet')
  } catch {}
  if (!parquet || !existsSync(parquet)) {
    parquet = path.join(tmp, 'flights.parquet')
    const make = path.join(tmp, 'make-parquet.mjs')
    writeFileSync(
      make,
      `import { DuckDBInstance } from '${duckUrl}'
const db = await DuckDBInstance.create(':memory:')
const c = await db.connect()
await c.run(\`COPY (SELECT (i % 1000000)::INTEGER AS date, ((hash(i) % 300)::INTEGER - 30) AS delay, (100 + hash(i * 3) % 2500)::INTEGER AS distance,
  'A' || (hash(i * 7) % 300)::VARCHAR AS origin, 'A' || (hash(i * 11) % 300)::VARCHAR AS destination FROM range(3000000) t(i))
  TO '${parquet}' (FORMAT parquet, COMPRESSION zstd)\`)
`,
    )
    execFileSync(process.execPath, [make], { cwd: repo })
  }
  const pq = repeat(() => measure(process.execPath, ['--import', rssHook, cli, 'profile', parquet, '-o', path.join(tmp, 'pq.json')], { cwd: tmp }))
  // The profile's first line counts the rows: "3,000,000 rows, 5 columns".
  const prow = Number(/^([\d,]+) rows/.exec(pq.stdout)[1].replaceAll(',', ''))
  const dq = duck(parquet, '1', 'read_parquet')
  const mrows = (r) => (prow / r.wallMs) * 1000 / 1e6
  console.log(`\nParquet ${path.basename(parquet)}, ${(prow / 1e6).toFixed(1)} M rows, ${(statSync(parquet).size / MiB).toFixed(0)} MiB (whole process, median of ${runs}):`)
  console.log(`  mlops profile                      ${(pq.wallMs / 1000).toFixed(2)} s  ${mrows(pq).toFixed(2)} M rows/s  peak RSS ${pq.rssMb.toFixed(0)} MiB`)
  console.log(`  DuckDB SUMMARIZE, threads=1        ${(dq.wallMs / 1000).toFixed(2)} s  ${mrows(dq).toFixed(2)} M rows/s  peak RSS ${dq.rssMb.toFixed(0)} MiB`)
  console.log(`  ratio (rows/s) ×${(mrows(pq) / mrows(dq)).toFixed(2)}`)
}
