// Builds dist/: one self-contained ESM file per entry point, for Node 20 and 24, with no
// node_modules needed at run time. CI rebuilds and diffs it against the committed copy.
import { build } from 'esbuild'
import { chmod, rm } from 'node:fs/promises'

const entries = {
  index: 'src/index.ts', // the GitHub Action (action.yml runs dist/index.js)
  cli: 'src/cli/main.ts', // the `mlops` command
  'scan-worker': 'src/data/scan/scan-worker.ts', // worker thread for parallel data scans
}

await rm('dist', { recursive: true, force: true })
for (const [name, entry] of Object.entries(entries)) {
  await build({
    entryPoints: [entry],
    outfile: `dist/${name}.js`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    legalComments: 'none',
    // Bundled CommonJS dependencies call require(); ESM output has none of its own.
    banner: {
      js: [
        name === 'cli' ? '#!/usr/bin/env node' : '',
        "import { createRequire as __mlopsCreateRequire } from 'node:module';",
        'const require = __mlopsCreateRequire(import.meta.url);',
      ].filter(Boolean).join('\n'),
    },
    logLevel: 'warning',
  })
}
// The CLI is the package's bin; keep it executable in git too.
await chmod('dist/cli.js', 0o755)
