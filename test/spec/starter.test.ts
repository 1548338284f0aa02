import { describe, expect, it } from 'vitest'
import { formatDiagnostic } from '../../src/spec/diagnostics.js'
import { parseSpec } from '../../src/spec/load-spec.js'
import { renderStarterSpec } from '../../src/spec/starter.js'

describe('renderStarterSpec', () => {
  it('writes a spec that loads with no errors and no warnings', () => {
    const result = parseSpec(renderStarterSpec('my-model'), 'mlops.yml')
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([])
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.spec.model.name).toBe('my-model')
    expect(Object.keys(result.spec.stages)).toEqual(['train', 'evaluate'])
    expect(result.spec.gates.f1).toEqual({ min: 0.75, max_drop: 0.02 })
    expect(result.spec.promote?.stage).toBe('production')
  })

  it('uses the model name it is given', () => {
    const result = parseSpec(renderStarterSpec('penguins-2'), 'mlops.yml')
    expect(result.ok && result.spec.model.name).toBe('penguins-2')
  })
})
