// Entry point of the GitHub Action (action.yml: runs.main = dist/index.js).
import { runAction } from './github/main.js'

await runAction()
