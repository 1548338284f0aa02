import { SCHEMA_ID } from './json-schema.js'

// The commented mlops.yml that `mlops init` writes. A test keeps it valid against the schema.

export function renderStarterSpec(modelName: string): string {
  return `# yaml-language-server: $schema=${SCHEMA_ID}
# mlops.yml: how this repository trains, checks and promotes its model.
# Every path is relative to this file. Reference: see the mlops-action README.
version: 1

model:
  name: ${modelName}                 # lowercase letters, digits and "-"; tags are ${modelName}@vX.Y.Z
  description: What the model predicts
  artifacts: [models/model.pkl]      # the files that make up one model version

params: params.yaml                  # optional; stages read keys such as train.epochs

# Data checks run before the first stage that reads the file.
data:
  training:
    path: data/train.csv             # .csv .tsv (json, jsonl, parquet: see the README)
    rows: { min: 100 }
    columns:
      label: { type: category, values: [yes, no], nullable: false }
      age: { type: integer, min: 0, max: 120, mostly: 0.99 }

# Stages run in dependency order: "needs", or reading (deps) what another stage writes (outs).
# A stage is skipped when its command, deps and params are unchanged (--force reruns it).
stages:
  train:
    run: python3 train.py            # runs in a shell, in this directory
    deps: [data/train.csv, train.py]
    params: [train.epochs]           # exposed as MLOPS_PARAM_TRAIN_EPOCHS
    outs: [models/model.pkl]
    timeout-minutes: 60
  evaluate:
    run: python3 evaluate.py
    deps: [models/model.pkl, evaluate.py]
    metrics: [reports/metrics.json]  # JSON, YAML, CSV or TSV; nested keys become a.b

# A run passes when every gate holds; promotion refuses a failing run.
gates:
  accuracy: { min: 0.80 }
  # max_drop compares with the version currently in promote.stage
  f1: { min: 0.75, max_drop: 0.02 }

promote:
  branch: main                       # pushes to this branch promote
  bump: minor                        # major | minor | patch
  stage: production                  # also the baseline for max_drop / max_rise
`
}
