import { describe, expect, it } from 'vitest'
import {
  CHART_MAX_POINTS,
  SPARKLINE_WIDTH,
  columnValues,
  renderMermaidLineChart,
  renderPlot,
  renderPlotTable,
  renderSparkline,
} from '../../src/report/chart.js'
import { buildPlotSeries } from '../builders.js'

// Mermaid's xychart grammar (packages/mermaid/src/diagrams/xychart/parser/xychart.jison):
// numbers have no exponent, strings are double-quoted without inner quotes.
const NUM = String.raw`[+-]?(?:\d+(?:\.\d+)?|\.\d+)`
const STR = '"[^"`\\n]*"'
const LINE_PATTERNS = [
  /^xychart-beta$/,
  new RegExp(`^  title ${STR}$`),
  new RegExp(`^  x-axis ${STR} (?:\\[${STR}(?:, ${STR})*\\]|${NUM} --> ${NUM})$`),
  new RegExp(`^  y-axis ${STR} ${NUM} --> ${NUM}$`),
  new RegExp(`^  line ${STR} \\[${NUM}(?:, ${NUM})*\\]$`),
]

/** Checks the block against the grammar and returns its lines' data. */
function parseChart(block: string): { lines: string[]; data: number[][] } {
  const lines = block.split('\n')
  expect(lines[0]).toBe('```mermaid')
  expect(lines.at(-1)).toBe('```')
  const body = lines.slice(1, -1)
  for (const line of body) {
    expect(LINE_PATTERNS.some((p) => p.test(line)), `not valid xychart syntax: ${line}`).toBe(true)
  }
  expect(block).not.toContain('%%')
  const data = body.filter((l) => l.startsWith('  line ')).map((l) => JSON.parse(l.slice(l.indexOf('['))) as number[])
  return { lines: body, data }
}

describe('renderMermaidLineChart', () => {
  it('renders a titled xychart with one line per y column', () => {
    const chart = renderMermaidLineChart(
      buildPlotSeries({
        title: 'Learning curve',
        points: [
          [1, 0.9, 1],
          [2, 0.5, 0.6],
          [3, 0.25, 0.4],
        ],
      }),
    )
    expect(chart).toBe(
      [
        '```mermaid',
        'xychart-beta',
        '  title "Learning curve"',
        '  x-axis "epoch" ["1", "2", "3"]',
        '  y-axis "loss, val_loss" 0.21 --> 1.04',
        '  line "loss" [0.9, 0.5, 0.25]',
        '  line "val_loss" [1, 0.6, 0.4]',
        '```',
      ].join('\n'),
    )
    parseChart(chart)
  })

  it('defaults the title to "<y> by <x>"', () => {
    expect(renderMermaidLineChart(buildPlotSeries())).toContain('  title "loss, val_loss by epoch"')
  })

  it('carries values forward over nulls, back-fills leading nulls and drops points without x', () => {
    const chart = renderMermaidLineChart(
      buildPlotSeries({
        y: ['loss'],
        points: [
          [1, null],
          [2, 0.8],
          [null, 0.1],
          [3, null],
          [4, 0.4],
        ],
      }),
    )
    expect(parseChart(chart).data).toEqual([[0.8, 0.8, 0.8, 0.4]])
    expect(chart).toContain('x-axis "epoch" ["1", "2", "3", "4"]')
  })

  it('leaves out columns without values and renders nothing when no column has any', () => {
    const some = renderMermaidLineChart(buildPlotSeries({ points: [[1, 0.5, null], [2, 0.4, null]] }))
    expect(parseChart(some).data).toEqual([[0.5, 0.4]])
    expect(renderMermaidLineChart(buildPlotSeries({ points: [[1, null, null]] }))).toBe('')
    expect(renderMermaidLineChart(buildPlotSeries({ points: [] }))).toBe('')
  })

  it(`downsamples to ${CHART_MAX_POINTS} points and uses a numeric x range for many evenly spaced points`, () => {
    const points = Array.from({ length: 200 }, (_, i) => [i + 1, 1 / (i + 1), 2 / (i + 1)])
    const chart = renderMermaidLineChart(buildPlotSeries({ points }))
    const { lines, data } = parseChart(chart)
    expect(lines).toContain('  x-axis "epoch" 1 --> 200')
    expect(data.map((d) => d.length)).toEqual([CHART_MAX_POINTS, CHART_MAX_POINTS])
    expect(data[0]?.[0]).toBe(1)
    expect(data[0]?.at(-1)).toBe(0.005)
    expect(chart.length).toBeLessThan(2000)
  })

  it('labels every point when many x values are unevenly spaced', () => {
    const points = Array.from({ length: 30 }, (_, i) => [2 ** (i / 3), i])
    const { lines } = parseChart(renderMermaidLineChart(buildPlotSeries({ y: ['loss'], points })))
    expect(lines.find((l) => l.startsWith('  x-axis'))).toMatch(/^ {2}x-axis "epoch" \["1", "1\.25992", /)
  })

  it('writes tiny, huge and negative numbers without exponents', () => {
    const points = [
      [1e-9, -3e-7, 1e22],
      [2e-9, 5e-7, 2e22],
    ]
    const chart = renderMermaidLineChart(buildPlotSeries({ points }))
    expect(chart).not.toMatch(/\de[+-]?\d/)
    parseChart(chart)
  })

  it('pads a flat line into a visible range', () => {
    const chart = renderMermaidLineChart(buildPlotSeries({ y: ['acc'], points: [[1, 0.5], [2, 0.5]] }))
    expect(chart).toContain('y-axis "acc" 0.45 --> 0.55')
  })

  it('keeps hostile titles and names from breaking out of strings or the fence', () => {
    const chart = renderMermaidLineChart(
      buildPlotSeries({
        title: 'a "quoted"\n```\n%%{init: {"theme": "dark"}}%% title',
        x: '`x`',
        y: ['lo"ss'],
        points: [[1, 0.5], [2, 0.4]],
      }),
    )
    const { lines } = parseChart(chart)
    expect(lines[1]).toBe(`  title "a 'quoted' ''' %{init: {'theme': 'dark'}}% title"`)
    expect(chart.match(/```/g)).toHaveLength(2)
  })

  it('keeps HTML out of chart labels', () => {
    const chart = renderMermaidLineChart(buildPlotSeries({ title: '<img src=x onerror=alert(1)>', y: ['a'], points: [[1, 1]] }))
    expect(chart).toContain('  title "‹img src=x onerror=alert(1)›"')
    expect(chart.match(/"[^"]*"/g)?.filter((label) => /[<>]/.test(label))).toEqual([])
  })
})

describe('renderSparkline', () => {
  it('maps values onto eight block heights', () => {
    expect(renderSparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█')
    expect(renderSparkline([3, 1, 2])).toBe('█▁▅')
  })

  it('draws a flat line at the bottom and nothing for no values', () => {
    expect(renderSparkline([2, 2, 2])).toBe('▁▁▁')
    expect(renderSparkline([])).toBe('')
    expect(renderSparkline([Number.NaN, 1])).toBe('▁')
  })

  it(`is ${SPARKLINE_WIDTH} characters wide at most, unless asked otherwise`, () => {
    const values = Array.from({ length: 500 }, (_, i) => i)
    expect([...renderSparkline(values)]).toHaveLength(SPARKLINE_WIDTH)
    expect([...renderSparkline(values, 50)]).toHaveLength(50)
    expect(renderSparkline([1, 2, 3], 50)).toBe('▁▅█')
  })
})

describe('renderPlotTable and columnValues', () => {
  it('summarises each y column with first, min, max, last and a sparkline', () => {
    const series = buildPlotSeries({
      y: ['loss', 'val_|loss', 'empty'],
      points: [
        [1, 0.9, 1, null],
        [2, 0.3, null, null],
        [3, 0.4, 0.5, null],
      ],
    })
    expect(columnValues(series)).toEqual([
      { name: 'loss', values: [0.9, 0.3, 0.4] },
      { name: 'val_|loss', values: [1, 0.5] },
      { name: 'empty', values: [] },
    ])
    expect(renderPlotTable(series)).toBe(
      [
        '| Series | First | Min | Max | Last | Trend |',
        '| --- | ---: | ---: | ---: | ---: | --- |',
        '| loss | 0.9 | 0.3 | 0.9 | 0.4 | █▁▂ |',
        '| val\\_\\|loss | 1 | 0.5 | 1 | 0.5 | █▁ |',
        '| empty | — | — | — | — | no values |',
      ].join('\n'),
    )
  })
})

describe('renderPlot', () => {
  it('puts a caption, the chart and the folded fallback together', () => {
    const md = renderPlot(buildPlotSeries({ points: [[1, 0.9, 1], [2, 0.5, 0.6]] }))
    const [caption, chart, fallback] = md.split('\n\n')
    expect(caption).toBe('**loss, val\\_loss by epoch** · stage `train` · `reports/history.csv`')
    expect(chart).toMatch(/^```mermaid\nxychart-beta\n/)
    expect(fallback).toBe('<details><summary>loss █▁ · val_loss █▁</summary>')
    expect(md).toContain('| loss | 0.9 | 0.5 | 0.9 | 0.5 | █▁ |')
    expect(md.endsWith('</details>')).toBe(true)
  })

  it('leaves the chart out on request and says when there is nothing to plot', () => {
    expect(renderPlot(buildPlotSeries(), { chart: false })).not.toContain('```mermaid')
    expect(renderPlot(buildPlotSeries({ points: [] }))).toBe(
      '**loss, val\\_loss by epoch** · stage `train` · `reports/history.csv`\n\n_No numeric points to plot._',
    )
  })

  it('escapes column names for the HTML summary without Markdown backslashes', () => {
    const md = renderPlot(buildPlotSeries({ y: ['<b>@octocat'], points: [[1, 1], [2, 2]] }))
    expect(md).toContain('<summary>&lt;b&gt;@\u200Doctocat ▁█</summary>')
  })
})
