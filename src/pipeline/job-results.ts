import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { decodeShardScan, encodeShardScan, mergeShardScans, type ShardScan } from '../data/scan/scan-shard.js'
import type { Spec } from '../spec/schema.js'
import { stageJobId } from './job-plan.js'
import type { PipelineExecutor } from './run-pipeline.js'
import { notRunRecord, StageRecord } from './run-record.js'
import { copyProducts, stageProducts } from './stage-products.js'

// What one workflow job hands on, as a folder (one artifact per job): the stage's record and the
// files it wrote, and the scans of the dataset shards it read or checked.
//   <job>/stage.json   <job>/files/<path>   <job>/scans/<data>.<shard>.bin

const STAGE_FILE = 'stage.json'
const FILES_DIR = 'files'
const SCANS_DIR = 'scans'

export async function writeStageResult(dir: string, root: string, record: StageRecord, products: readonly string[]): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, STAGE_FILE), `${JSON.stringify(record, null, 2)}\n`)
  // A failed stage's files are left behind: nothing after it may use them.
  if (record.status === 'succeeded' || record.status === 'cached') await copyProducts(root, path.join(dir, FILES_DIR), products)
}

export async function writeShardScan(dir: string, scan: ShardScan): Promise<void> {
  await mkdir(path.join(dir, SCANS_DIR), { recursive: true })
  await writeFile(path.join(dir, SCANS_DIR, `${scan.data}.${scan.shard}.bin`), encodeShardScan(scan))
}

/** The stage record a job left in `dir`, or undefined when it left none. */
export async function readStageResult(dir: string): Promise<StageRecord | undefined> {
  const text = await readFile(path.join(dir, STAGE_FILE), 'utf8').catch(() => undefined)
  return text === undefined ? undefined : StageRecord.parse(JSON.parse(text))
}

/** Puts a job's files where the stage wrote them. */
export async function restoreStageFiles(dir: string, root: string, products: readonly string[]): Promise<void> {
  await copyProducts(path.join(dir, FILES_DIR), root, products)
}

/** Every shard scan under `store` (one folder per job), by dataset and shard. */
export async function readShardScans(store: string): Promise<Map<string, ShardScan[]>> {
  const scans = new Map<string, ShardScan[]>()
  const jobs = await readdir(store).catch(() => [] as string[])
  for (const job of jobs) {
    const files = await readdir(path.join(store, job, SCANS_DIR)).catch(() => [] as string[])
    for (const file of files.filter((f) => f.endsWith('.bin'))) {
      const scan = decodeShardScan(await readFile(path.join(store, job, SCANS_DIR, file)))
      const list = scans.get(scan.data) ?? []
      list[scan.shard] = scan
      scans.set(scan.data, list)
    }
  }
  return scans
}

/**
 * The report job's executor: each stage's record and files from the folder of the job that ran
 * it, each dataset's scan merged from its shards. A job that left nothing failed or was cancelled.
 */
export async function jobResultsExecutor(store: string, spec: Spec): Promise<PipelineExecutor> {
  const scans = await readShardScans(store)
  return {
    stage: async (context, combo) => {
      const job = stageJobId(context.name, combo?.index)
      const dir = path.join(store, job)
      const record = await readStageResult(dir)
      if (!record) return notRunRecord(context.name, context.stage.run, 'failed', `job ${job} left no results (it failed before the stage ran, or was cancelled)`)
      await restoreStageFiles(dir, context.root, stageProducts(context.stage))
      return record
    },
    scanData: async (name) => {
      const entry = spec.data[name]!
      const shards = scans.get(name)?.[0]?.shards ?? entry.shards
      return mergeShardScans(entry, name, shards, scans.get(name) ?? [])
    },
  }
}
