// npm run example: the penguins example end to end — validate, train, evaluate, gates, report,
// promote — in a throwaway git repository under .mlops/example, so the registry's tags never
// touch this repository. Run it twice: the second run skips the unchanged stages.
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const source = path.join(repo, 'examples', 'penguins')
const work = path.join(repo, '.mlops', 'example', 'penguins')
const cli = path.join(repo, 'dist', 'cli.js')

const git = (...args) => execFileSync('git', ['-c', 'user.name=mlops example', '-c', 'user.email=example@localhost', '-c', 'commit.gpgSign=false', ...args], { cwd: work, stdio: 'pipe' }).toString()
const mlops = (...args) => {
  console.log(`\n$ mlops ${args.join(' ')}`)
  const { status } = spawnSync(process.execPath, [cli, ...args, '--cwd', work], { stdio: 'inherit' })
  return status ?? 1
}

mkdirSync(work, { recursive: true })
cpSync(source, work, { recursive: true, filter: (src) => !/[\\/](models|reports|\.mlops)$|[\\/]data[\\/](train|test)\.csv$/.test(src) })
if (!existsSync(path.join(work, '.git'))) git('init', '-q', '-b', 'main')
git('add', '-A')
if (git('status', '--porcelain').trim()) git('commit', '-q', '-m', 'penguins example')
console.log(`example repository: ${path.relative(process.cwd(), work)}`)

let status = mlops('validate')
if (status === 0) status = mlops('run')
if (status === 0) status = mlops('report')
if (status === 0) status = mlops('promote')
if (status === 0) status = mlops('versions')
process.exit(status)
