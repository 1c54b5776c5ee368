// Bundles the hello-world handler with esbuild as a user deploys it (bundle everything, ESM, node22, minified,
// the usual createRequire banner), then imports the bundle in a fresh `node` process and invokes it once against
// the packed loopback endpoint (`AWS_ENDPOINT_URL_LAMBDA`). Usage: node run-bundle.mjs <hello.ts>
import { spawn } from "node:child_process"
import { statSync, writeFileSync } from "node:fs"
import { LoopbackEndpoint } from "@durable-lambda/testing/loopback"
import { build } from "esbuild"
import assert from "node:assert/strict"

/** The invocation event as Lambda sends it: JSON, timestamps as epoch milliseconds, no undefined members. */
const toEventJson = (value) => {
  if (value instanceof Date) return value.getTime()
  if (Array.isArray(value)) return value.map(toEventJson)
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [[k, toEventJson(v)]])))
  }
  return value
}

const outfile = new URL("./dist/hello.mjs", import.meta.url).pathname
await build({
  entryPoints: [process.argv[2]],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  minify: true,
  logLevel: "warning",
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" }
})
console.log(`bundle: ${(statSync(outfile).size / 1024).toFixed(1)} KiB`)

const endpoint = await LoopbackEndpoint.start()
try {
  const started = endpoint.state.startExecution({
    functionName: "hello",
    input: JSON.stringify({ name: "packed" }),
    executionName: "packed-1"
  })
  const eventFile = new URL("./dist/event.json", import.meta.url).pathname
  writeFileSync(eventFile, JSON.stringify(toEventJson(started.invocationInput)))
  const probe = `
    const { handler } = await import(${JSON.stringify(outfile)})
    const event = JSON.parse((await import("node:fs")).readFileSync(${JSON.stringify(eventFile)}, "utf8"))
    const context = { awsRequestId: "00000000-0000-4000-8000-000000000001", functionName: "hello", getRemainingTimeInMillis: () => 60000 }
    console.log(JSON.stringify(await handler(event, context)))`
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("AWS_")))
  Object.assign(env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDPACKED",
    AWS_SECRET_ACCESS_KEY: "packed-secret",
    AWS_ENDPOINT_URL_LAMBDA: endpoint.url,
    AWS_EC2_METADATA_DISABLED: "true"
  })
  const { code, stdout, stderr } = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", probe], {
      env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    child.stdout.on("data", (chunk) => (out += chunk))
    child.stderr.on("data", (chunk) => (err += chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.on("error", reject)
    child.on("close", (exitCode) => {
      clearTimeout(timer)
      resolve({ code: exitCode, stdout: out, stderr: err })
    })
  })
  assert.equal(code, 0, `the bundled handler's process exited ${code}:\n${stderr}${stdout}`)
  const output = JSON.parse(stdout.trim().split("\n").at(-1))
  assert.deepEqual(
    output,
    { Status: "SUCCEEDED", Result: JSON.stringify("Hello, packed!") },
    `bundled handler returned ${stdout}${stderr}`
  )
  const checkpoints = endpoint.requests.filter((r) => r.operation === "CheckpointDurableExecution" && r.status === 200)
  assert.ok(checkpoints.length > 0, "the bundled handler checkpointed its step over HTTP")
  console.log(`bundled handler: SUCCEEDED with ${checkpoints.length} checkpoint call(s) to the loopback endpoint`)
} finally {
  await endpoint.close()
}
