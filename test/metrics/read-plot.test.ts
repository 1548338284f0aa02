import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MetricsFileError } from '../../src/metrics/read-metrics.js'
import { downsampleEvenly, readPlot } from '../../src/metrics/read-plot.js'
import { MAX_PLOT_POINTS, PlotSeries } from '../../src/pipeline/run-record.js'

let root: string

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mlops-plot-'))
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

async function write(file: string, text: string): Promise<string> {
  await writeFile(path.join(root, file), text)
  return file
}

describe('readPlot', () => {
  it('reads CSV columns into [x, ...y] points; empty and text cells become null', async () => {
    const file = await write('history.csv', 'epoch,loss,val_loss,note\n1,0.9,1.0,a\n2,0.5,,b\n3,0.3,n/a,c\n')
    const series = await readPlot(root, 'train', { file, x: 'epoch', y: ['loss', 'val_loss'], title: 'Learning curve' })
    expect(series).toEqual({
      stage: 'train',
      file: 'history.csv',
      title: 'Learning curve',
      x: 'epoch',
      y: ['loss', 'val_loss'],
      points: [
        [1, 0.9, 1],
        [2, 0.5, null],
        [3, 0.3, null],
      ],
    })
    expect(PlotSeries.parse(series)).toEqual(series)
  })

  it('accepts a single y column as a string and reads TSV', async () => {
    const file = await write('h.tsv', 'step\tacc\n0\t0.5\n1\t0.75\n')
    const series = await readPlot(root, 'train', { file, x: 'step', y: 'acc' })
    expect(series.y).toEqual(['acc'])
    expect(series.points).toEqual([
      [0, 0.5],
      [1, 0.75],
    ])
    expect(series).not.toHaveProperty('title')
  })

  it('reads a JSON array of objects', async () => {
    const file = await write('h.json', JSON.stringify([{ epoch: 1, loss: 0.9 }, { epoch: 2, loss: '0.4' }, { epoch: 3, loss: true }]))
    const series = await readPlot(root, 's', { file, x: 'epoch', y: 'loss' })
    expect(series.points).toEqual([
      [1, 0.9],
      [2, 0.4],
      [3, null],
    ])
  })

  it('reads DVC-style {key: [objects]} JSON, picking the list that has the columns', async () => {
    const file = await write(
      'h.json',
      JSON.stringify({ meta: [{ name: 'x' }], train: [{ epoch: 1, loss: 0.9 }, { epoch: 2, loss: 0.4 }] }),
    )
    const series = await readPlot(root, 's', { file, x: 'epoch', y: 'loss' })
    expect(series.points).toEqual([
      [1, 0.9],
      [2, 0.4],
    ])
  })

  it('reads JSONL, skipping blank lines', async () => {
    const file = await write('h.jsonl', '{"epoch": 1, "loss": 0.9}\n\n{"epoch": 2, "loss": 0.4}\n')
    const series = await readPlot(root, 's', { file, x: 'epoch', y: 'loss' })
    expect(series.points).toHaveLength(2)
  })

  it('downsamples long series to MAX_PLOT_POINTS keeping the first and last rows', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `${i + 1},${1 / (i + 1)}`)
    const file = await write('long.csv', `epoch,loss\n${rows.join('\n')}\n`)
    const series = await readPlot(root, 's', { file, x: 'epoch', y: 'loss' })
    expect(series.points).toHaveLength(MAX_PLOT_POINTS)
    expect(series.points[0]).toEqual([1, 1])
    expect(series.points.at(-1)).toEqual([1000, 0.001])
  })

  it('names the file and the missing column', async () => {
    const file = await write('h.csv', 'epoch,loss\n1,0.5\n')
    const read = readPlot(root, 'train', { file, x: 'epoch', y: ['loss', 'val_loss'] })
    await expect(read).rejects.toThrow(MetricsFileError)
    await expect(read).rejects.toThrow('h.csv: plot of stage "train" needs column "val_loss", but the file has columns "epoch", "loss"')
  })

  it('checks columns against the header even when there are no rows', async () => {
    const file = await write('h.csv', 'epoch,loss\n')
    await expect(readPlot(root, 's', { file, x: 'step', y: 'loss' })).rejects.toThrow('needs column "step"')
  })

  it('returns no points for an empty JSON list', async () => {
    const file = await write('h.json', '[]')
    expect((await readPlot(root, 's', { file, x: 'epoch', y: 'loss' })).points).toEqual([])
  })

  it('throws clear errors for missing files, bad JSON lines and unknown types', async () => {
    await expect(readPlot(root, 's', { file: 'nope.csv', x: 'a', y: 'b' })).rejects.toThrow('nope.csv: file not found')
    const jsonl = await write('h.jsonl', '{"epoch": 1}\n{oops\n')
    await expect(readPlot(root, 's', { file: jsonl, x: 'epoch', y: 'loss' })).rejects.toThrow(/^h\.jsonl:2: invalid JSON/)
    const txt = await write('h.txt', 'epoch loss\n')
    await expect(readPlot(root, 's', { file: txt, x: 'epoch', y: 'loss' })).rejects.toThrow('unsupported plot file type ".txt"')
    const obj = await write('o.json', '{"a": 1}')
    await expect(readPlot(root, 's', { file: obj, x: 'epoch', y: 'loss' })).rejects.toThrow('expected a JSON array of objects')
  })
})

describe('downsampleEvenly', () => {
  it('keeps short lists whole', () => {
    expect(downsampleEvenly([1, 2, 3], 5)).toEqual([1, 2, 3])
  })

  it('spreads picks evenly and keeps both ends', () => {
    expect(downsampleEvenly([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3)).toEqual([0, 5, 10])
    const picked = downsampleEvenly(Array.from({ length: 201 }, (_, i) => i), 50)
    expect(picked).toHaveLength(50)
    expect(new Set(picked).size).toBe(50)
    expect([picked[0], picked.at(-1)]).toEqual([0, 200])
  })

  it('handles limits of one and zero', () => {
    expect(downsampleEvenly([1, 2, 3], 1)).toEqual([3])
    expect(downsampleEvenly([1, 2, 3], 0)).toEqual([])
  })
})
