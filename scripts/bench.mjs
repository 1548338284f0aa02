// npm run bench: timing figures with a reference measured in the same script.
//  1. The penguins pipeline: a full run against a cached rerun (the cache's payoff).
//  2. Data validation of a generated 1,000,000-row CSV against parsing it alone with csv-parse
//     (the validator's overhead over the parser it streams from), with peak memory.
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const runs = Number(process.env.BENCH_RUNS ?? 5)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const time = (fn) => {
  const start = process.hrtime.bigint()
  const result = fn()
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result }
}

function benchPipeline() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-'))
  cpSync(path.join(repo, 'examples', 'penguins'), dir, { recursive: true })
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir })
  const mlops = (...args) => {
    const r = spawnSync(process.execPath, [path.join(repo, 'dist', 'cli.js'), 'run', '-q', ...args], { cwd: dir, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`mlops run failed: ${r.stderr}`)
  }
  const full = []
  const cached = []
  for (let i = 0; i < runs; i++) {
    full.push(time(() => mlops('--force')).ms)
    cached.push(time(() => mlops()).ms)
  }
  rmSync(dir, { recursive: true, force: true })
  return { full: median(full), cached: median(cached) }
}

async function writeCsv(file, rows) {
  const out = createWriteStream(file)
  out.write('id,species,island,bill_length_mm,flipper_length_mm,body_mass_g,sex\n')
  const species = ['Adelie', 'Chinstrap', 'Gentoo']
  for (let i = 0; i < rows; i++) {
    const line = `${i},${species[i % 3]},Biscoe,${(30 + (i % 300) / 10).toFixed(1)},${180 + (i % 50)},${3000 + (i % 3000)},${i % 2 ? 'MALE' : 'FEMALE'}\n`
    if (!out.write(line)) await new Promise((resolve) => out.once('drain', resolve))
  }
  await new Promise((resolve) => out.end(resolve))
}

function benchData(file) {
  const worker = path.join(repo, 'scripts', 'bench-data-worker.ts')
  const once = (mode) => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', worker, mode, file], { cwd: repo, encoding: 'utf8' }))
  const validate = []
  const parse = []
  for (let i = 0; i < runs; i++) {
    validate.push(once('validate'))
    parse.push(once('parse'))
  }
  const pick = (xs, key) => median(xs.map((x) => x[key]))
  return { validateMs: pick(validate, 'ms'), parseMs: pick(parse, 'ms'), validateRss: pick(validate, 'maxRssMb'), parseRss: pick(parse, 'maxRssMb'), checks: validate[0].checks }
}

const pipeline = benchPipeline()
console.log(`penguins pipeline (median of ${runs}): full run ${pipeline.full.toFixed(0)} ms, cached rerun ${pipeline.cached.toFixed(0)} ms, ratio cached/full ${(pipeline.cached / pipeline.full).toFixed(2)}`)

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-data-'))
const csv = path.join(tmp, 'rows.csv')
await writeCsv(csv, Number(process.env.BENCH_ROWS ?? 1_000_000))
const data = benchData(csv)
console.log(`validate 1M-row CSV, ${data.checks} checks (median of ${runs}): ${data.validateMs.toFixed(0)} ms, peak RSS ${data.validateRss} MB; csv-parse alone ${data.parseMs.toFixed(0)} ms, peak RSS ${data.parseRss} MB; ratio validate/parse ${(data.validateMs / data.parseMs).toFixed(2)}`)
rmSync(tmp, { recursive: true, force: true })
