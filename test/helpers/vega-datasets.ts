import { createRequire } from 'node:module'
import path from 'node:path'

// vega-datasets (a dev dependency) exports only its build; the data folder sits beside it.
export const VEGA_DATASETS = path.resolve(path.dirname(createRequire(import.meta.url).resolve('vega-datasets')), '..')
