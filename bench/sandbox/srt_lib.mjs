// srt as a library: initialize the SandboxManager once, then time each call of
// wrapWithSandbox('true') plus running the wrapped command, after a warm-up.
// Usage: node srt_lib.mjs PATH/TO/sandbox-runtime/dist/index.js SETTINGS.json RUNS WARMUP
// Prints {"times": [seconds, ...]} on stdout.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const [entry, settings, runs, warmup] = process.argv.slice(2)
const { SandboxManager } = await import(pathToFileURL(entry).href)
await SandboxManager.initialize(JSON.parse(readFileSync(settings, 'utf8')))

function once() {
  return SandboxManager.wrapWithSandbox('true').then(cmd => {
    const r = spawnSync(cmd, { shell: true, stdio: 'ignore' })
    if (r.status !== 0) throw new Error(`sandboxed true exited ${r.status}: ${cmd}`)
  })
}

for (let i = 0; i < Number(warmup); i++) await once()
const times = []
for (let i = 0; i < Number(runs); i++) {
  const t0 = process.hrtime.bigint()
  await once()
  times.push(Number(process.hrtime.bigint() - t0) / 1e9)
}
await SandboxManager.reset()
process.stdout.write(JSON.stringify({ times }) + '\n')
