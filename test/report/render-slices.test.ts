import { describe, expect, it } from 'vitest'
import type { Evaluation } from '../../src/metrics/evaluation/evaluation-result.js'
import { renderReport } from '../../src/report/render-report.js'
import { renderSlicesSection } from '../../src/report/render-slices.js'
import { buildManifest, buildRunRecord } from '../builders.js'

function evaluation(groups: Array<[string | null, number, number]>): Evaluation {
  return {
    file: 'reports/predictions.csv',
    task: 'classification',
    rows: groups.reduce((n, [, rows]) => n + rows, 0),
    minGroup: 30,
    classes: ['no', 'yes'],
    positive: 'yes',
    confusion: [[50, 5], [10, 60]],
    overall: { accuracy: 0.88 },
    slices: [
      {
        name: 'region',
        columns: ['region'],
        groups: groups.map(([value, rows, accuracy]) => ({ values: [value], rows, metrics: { accuracy, f1_macro: accuracy - 0.01, selection_rate: 0.5 } })),
        fairness: { demographic_parity_difference: 0.08, equalized_odds_difference: 0.11 },
      },
    ],
  }
}

describe('the Evaluation section', () => {
  const now = evaluation([['north', 60, 0.91], ['south|<b>@team</b>', 50, 0.82], [null, 5, 0.4]])

  it('lists groups worst first, small groups last and marked, with the fairness metrics and slice gates', () => {
    const md = renderSlicesSection({
      evaluation: now,
      gates: [{ metric: 'accuracy', rule: 'per_slice_min', threshold: 0.85, slice: 'region', value: 0.82, status: 'fail', message: '1 of 2 groups under 0.85, worst south 0.82' }],
      maxGroups: 15,
      confusion: true,
    })
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Group') && !l.startsWith('| ---'))
    expect(rows.slice(0, 3).map((r) => r.split(' | ')[0])).toEqual(['| south\\|&lt;b&gt;@\u200Dteam&lt;/b&gt;', '| north', '| (empty)'])
    expect(rows[2]).toContain('5 _(not gated)_')
    expect(md).toContain('**region** (3 groups) · demographic parity difference 0.08 · equalized odds difference 0.11')
    expect(md).toContain('- ❌ accuracy per slice min 0.85: 1 of 2 groups under 0.85, worst south 0.82')
    expect(md).toContain('| **yes** | 10 | 60 |')
    expect(md).not.toContain('<b>')
  })

  it('shows the change against the baseline group by group and the groups that are gone', () => {
    const before = evaluation([['north', 70, 0.95], ['south|<b>@team</b>', 40, 0.8], ['east', 40, 0.9]])
    const md = renderSlicesSection({ evaluation: now, baseline: { version: '1.4.0', evaluation: before }, gates: [], maxGroups: 15, confusion: false })
    expect(md).toContain('Δ accuracy vs v1.4.0')
    expect(md).toMatch(/\| north \| 60 \| 0\.91 \| .* \| −0\.04 ▼ \*\*worse\*\* \|/)
    expect(md).toMatch(/\| south.* \| \+0\.02 ▲ \|/)
    expect(md).toContain('| east | ⚠️ missing now (40 in v1.4.0) |')
    expect(md).not.toContain('Confusion matrix')
  })

  it('folds groups past the limit and is part of the report', () => {
    const many = evaluation(Array.from({ length: 30 }, (_, i) => [`g${i}`, 40, 0.5 + i / 100] as [string, number, number]))
    const md = renderSlicesSection({ evaluation: many, gates: [], maxGroups: 15, confusion: false })
    expect(md).toContain('<details><summary>15 more groups</summary>')
    const report = renderReport({ run: buildRunRecord({ evaluation: now }), baseline: buildManifest({ evaluation: now }) })
    expect(report).toContain('### Evaluation')
    expect(renderReport({ run: buildRunRecord() })).not.toContain('### Evaluation')
  })
})
