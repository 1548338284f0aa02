import { describe, expect, it } from 'vitest'
import { escapeCode, escapeHtml, escapeMarkdown, shorten, toOneLine } from '../../src/report/escape.js'

const ZWJ = '\u200D'

/** The cells GFM would see in a table row holding `cell`: one means the cell held together. */
function splitCells(cell: string): string[] {
  return `| ${cell} |`.slice(1, -1).split(/(?<!\\)\|/)
}

describe('escapeMarkdown', () => {
  it('leaves plain names readable', () => {
    expect(escapeMarkdown('accuracy')).toBe('accuracy')
    expect(escapeMarkdown('per_class.Adelie.f1')).toBe('per\\_class.Adelie.f1')
  })

  it('neutralises HTML such as a details breakout with an onerror image', () => {
    const out = escapeMarkdown('</details><img src=x onerror=alert(1)>')
    expect(out).toBe('&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt;')
    expect(out).not.toMatch(/[<>]/)
  })

  it('keeps a would-be table row inside one cell', () => {
    const out = escapeMarkdown('| a | b |')
    expect(out).toBe('\\| a \\| b \\|')
    expect(splitCells(out)).toHaveLength(1)
  })

  it('defuses @mentions and issue references with a zero-width joiner', () => {
    expect(escapeMarkdown('@octocat')).toBe(`@${ZWJ}octocat`)
    expect(escapeMarkdown('ping @org/team and fix #123')).toBe(`ping @${ZWJ}org/team and fix \\#${ZWJ}123`)
    expect(escapeMarkdown('a@b')).toBe(`a@${ZWJ}b`)
  })

  it('breaks links, images and autolinks', () => {
    expect(escapeMarkdown('[link](javascript:alert(1))')).toBe('\\[link\\](javascript:alert(1))')
    expect(escapeMarkdown('![x](http://e/x.png)')).toBe('!\\[x\\](http://e/x.png)')
    expect(escapeMarkdown('<https://evil.example>')).toBe('&lt;https://evil.example&gt;')
  })

  it('escapes emphasis, code, strike-through, math and backslashes', () => {
    expect(escapeMarkdown('*a* _b_ `c` ~d~ $e$ \\')).toBe('\\*a\\* \\_b\\_ \\`c\\` \\~d\\~ \\$e\\$ \\\\')
  })

  it('puts everything on one line and drops control and bidi characters', () => {
    expect(escapeMarkdown('a\nb\r\nc\rd\u2028e')).toBe('a b c d e')
    expect(escapeMarkdown('x\u0000y\tz')).toBe('x y z')
    expect(escapeMarkdown('abc\u202Efed')).toBe('abcfed')
  })

  it('escapes markers that would start a heading, quote or list', () => {
    expect(escapeMarkdown('# Title')).toBe('\\# Title')
    expect(escapeMarkdown('> quote')).toBe('&gt; quote')
    expect(escapeMarkdown('- item')).toBe('\\- item')
    expect(escapeMarkdown('+ item')).toBe('\\+ item')
    expect(escapeMarkdown('1. item')).toBe('1\\. item')
    expect(escapeMarkdown('===')).toBe('\\===')
    expect(escapeMarkdown('  - indented')).toBe('\\- indented')
  })

  it('encodes entities so they show literally', () => {
    expect(escapeMarkdown('R&D &lt;b&gt;')).toBe('R&amp;D &amp;lt;b&amp;gt;')
  })

  it('shortens long text before escaping', () => {
    expect(escapeMarkdown('abcdefghij', { maxLength: 5 })).toBe('abcd…')
    expect(escapeMarkdown('<<<<<<', { maxLength: 3 })).toBe('&lt;&lt;…')
  })
})

describe('escapeCode', () => {
  it('wraps text in a code span', () => {
    expect(escapeCode('data/penguins.csv')).toBe('`data/penguins.csv`')
  })

  it('uses a longer fence than any backtick run inside', () => {
    expect(escapeCode('a`b')).toBe('``a`b``')
    expect(escapeCode('``x``')).toBe('``` ``x`` ```')
    expect(escapeCode('`')).toBe('`` ` ``')
  })

  it('escapes pipes for tables only', () => {
    expect(escapeCode('a|b')).toBe('`a\\|b`')
    expect(splitCells(escapeCode('| a | b |'))).toHaveLength(1)
    expect(escapeCode('a|b', { table: false })).toBe('`a|b`')
  })

  it('keeps HTML inert (code spans show it literally) and stays on one line', () => {
    expect(escapeCode('</details>\n<img>')).toBe('`</details> <img>`')
  })

  it('never returns an empty span', () => {
    expect(escapeCode('')).toBe('` `')
  })

  it('pads text that starts and ends with spaces so they survive', () => {
    expect(escapeCode(' x ')).toBe('`  x  `')
  })
})

describe('escapeHtml', () => {
  it('encodes markup and quotes and defuses mentions', () => {
    expect(escapeHtml(`<b>"it's"</b> @octocat`)).toBe(`&lt;b&gt;&quot;it&#39;s&quot;&lt;/b&gt; @${ZWJ}octocat`)
  })

  it('does not add Markdown backslashes, which would show inside HTML', () => {
    expect(escapeHtml('val_loss')).toBe('val_loss')
  })
})

describe('toOneLine and shorten', () => {
  it('joins lines', () => {
    expect(toOneLine('a\nb', 10)).toBe('a b')
  })

  it('never splits a surrogate pair', () => {
    expect(shorten('ab😀cd', 4)).toBe('ab…')
    expect(shorten('abc', 3)).toBe('abc')
    expect(shorten('abcdef', 1)).toBe('…')
    expect(shorten('abcdef', 0)).toBe('')
  })
})
