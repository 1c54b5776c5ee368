/**
 * Group 4, cold start: the hello-world handler of each SDK bundled by esbuild (all dependencies, minified,
 * ESM, Node 22), its size and gzip size, the time a fresh Node process takes to import it, and its first
 * invocation against a loopback Lambda endpoint (`AWS_ENDPOINT_URL_LAMBDA`: `@durable-lambda/testing`'s
 * `LoopbackEndpoint`, which serves the Lambda REST API from a `ServiceState`), with and without the usual
 * `createRequire` banner.
 */
import { spawn } from "node:child_process"
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import type { Sdk } from "./adapters.ts"
import { ServiceState } from "@durable-lambda/backend-mock"
import { LoopbackEndpoint } from "@durable-lambda/testing/loopback"
import { toEventJson } from "./service.ts"

export type Variant = "plain" | "banner"

/**
 * `bundled`: everything in the bundle. `external`: `@aws-sdk/*` and `@smithy/*` left as imports, as many Lambda
 * users deploy (the managed Node.js runtime ships the AWS SDK v3).
 */
export type Packaging = "bundled" | "external"

const SDK_PACKAGE: Record<Sdk, string> = {
  ours: "@durable-lambda/backend-aws",
  theirs: "@aws/durable-execution-sdk-js"
}

/**
 * Where an `external` bundle of `sdk` must live so that its `@aws-sdk/*` / `@smithy/*` imports resolve to the
 * versions that SDK depends on: a dot directory inside the `node_modules` that holds the SDK's own
 * `@aws-sdk/client-lambda` (Node looks up from there into that `node_modules`), standing in for the Lambda
 * runtime's preinstalled AWS SDK. The caller removes it afterwards.
 */
export const externalDirFor = (sdk: Sdk): string => {
  const fromBench = createRequire(import.meta.url)
  const sdkEntry = realpathSync(fromBench.resolve(SDK_PACKAGE[sdk]))
  const clientLambda = realpathSync(createRequire(sdkEntry).resolve("@aws-sdk/client-lambda"))
  const marker = `${sep}node_modules${sep}@aws-sdk${sep}client-lambda${sep}`
  const at = clientLambda.lastIndexOf(marker)
  if (at === -1)
    throw new Error(`cannot place the external bundle of ${sdk}: @aws-sdk/client-lambda at ${clientLambda}`)
  return join(clientLambda.slice(0, at), "node_modules", ".durable-lambda-bench")
}

const BANNER = "import{createRequire as __bench_cr}from'node:module';const require=__bench_cr(import.meta.url);"

export interface BundleInfo {
  readonly file: string
  readonly bytes: number
  readonly gzipBytes: number
  /** The largest contributors to the bundle, by package (bytes in the output). */
  readonly topPackages: ReadonlyArray<{ readonly name: string; readonly bytes: number }>
}

const packageOf = (path: string): string => {
  const nm = path.lastIndexOf("node_modules/")
  if (nm === -1) {
    const m = /packages\/([^/]+)\//.exec(path)
    return m ? `@durable-lambda/${m[1]} (workspace)` : path.startsWith("src/") ? "bench entry" : path
  }
  const rest = path.slice(nm + "node_modules/".length).split("/")
  return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!
}

export const bundle = async (
  sdk: Sdk,
  variant: Variant,
  outDir: string,
  packaging: Packaging = "bundled"
): Promise<BundleInfo> => {
  const esbuild = await import("esbuild")
  const entry = fileURLToPath(new URL(`./coldstart/hello-${sdk}.ts`, import.meta.url))
  const file = join(outDir, `hello-${sdk}-${variant}${packaging === "external" ? "-external" : ""}.mjs`)
  mkdirSync(dirname(file), { recursive: true })
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    metafile: true,
    logLevel: "silent",
    // Our packages resolve to their TypeScript sources (no build needed); ignored by other packages.
    conditions: ["@durable-lambda/source"],
    ...(packaging === "external" ? { external: ["@aws-sdk/*", "@smithy/*"] } : {}),
    ...(variant === "banner" ? { banner: { js: BANNER } } : {})
  })
  const code = readFileSync(file)
  const sizes = new Map<string, number>()
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input)
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput)
    }
  }
  return {
    file,
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    topPackages: [...sizes]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([name, bytes]) => ({ name, bytes }))
  }
}

/** The probe each fresh process runs: import the bundle (timed), then invoke its handler once. */
const PROBE = `
const t0 = performance.now()
let mod
try {
  mod = await import(process.argv[2])
} catch (e) {
  console.log("@@RESULT " + JSON.stringify({ imported: false, importMs: performance.now() - t0, error: String(e && e.message || e) }))
  process.exit(0)
}
const importMs = performance.now() - t0
const event = JSON.parse((await import("node:fs")).readFileSync(process.argv[3], "utf8"))
const context = { awsRequestId: "00000000-0000-4000-8000-000000000001", functionName: "hello", getRemainingTimeInMillis: () => 60000 }
const t1 = performance.now()
let output, error
try { output = await mod.handler(event, context) } catch (e) { error = String(e && e.message || e) }
console.log("@@RESULT " + JSON.stringify({ imported: true, importMs, firstInvocationMs: performance.now() - t1, output, error }))
process.exit(0)
`

export interface ProbeResult {
  readonly imported: boolean
  readonly importMs: number
  readonly firstInvocationMs?: number
  readonly output?: { Status?: string; Result?: string }
  readonly error?: string
  /** The invocation returned SUCCEEDED with the greeting and its step was checkpointed over HTTP. */
  readonly ok: boolean
  readonly checkpointCalls: number
  /** Spawn to exit, including Node's own startup. */
  readonly processMs: number
}

/**
 * The loopback Lambda endpoint the probes talk to: `@durable-lambda/testing`'s, over a `ServiceState` the
 * bench starts executions on directly (the endpoint only serves the API calls; the probe process runs the
 * invocation).
 */
export class ColdStartEndpoint {
  readonly state = new ServiceState.ServiceState({ now: () => Date.now() })
  private endpoint: LoopbackEndpoint.Endpoint | undefined

  get url(): string {
    return this.endpoint?.url ?? ""
  }

  async start(): Promise<void> {
    this.endpoint = await LoopbackEndpoint.start({ state: this.state })
  }

  /** Successful `CheckpointDurableExecution` calls answered so far for `arn`. */
  checkpointCalls(arn: string): number {
    const path = `/durable-executions/${encodeURIComponent(arn)}/checkpoint`
    return (this.endpoint?.requests ?? []).filter(
      (r) => r.operation === "CheckpointDurableExecution" && r.status === 200 && r.url.includes(path)
    ).length
  }

  async stop(): Promise<void> {
    await this.endpoint?.close()
  }
}

let probeSeq = 0

/** Imports `bundleFile` in a fresh Node process and invokes its handler once against `endpoint`. */
export const probe = async (bundleFile: string, endpoint: ColdStartEndpoint, workDir: string): Promise<ProbeResult> => {
  mkdirSync(workDir, { recursive: true })
  const probeFile = join(workDir, "probe.mjs")
  writeFileSync(probeFile, PROBE)
  const started = endpoint.state.startExecution({
    functionName: "hello",
    input: JSON.stringify({ name: "bench" }),
    executionName: `cold-${++probeSeq}`
  })
  const arn = started.durableExecutionArn
  const eventFile = join(workDir, `event-${probeSeq}.json`)
  writeFileSync(eventFile, JSON.stringify(toEventJson(started.invocationInput)))
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("AWS_")) env[k] = v
  Object.assign(env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDBENCHMARK",
    AWS_SECRET_ACCESS_KEY: "bench-secret",
    AWS_ENDPOINT_URL_LAMBDA: endpoint.url,
    AWS_EC2_METADATA_DISABLED: "true"
  })
  const t0 = performance.now()
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, [probeFile, bundleFile, eventFile], {
        env,
        stdio: ["ignore", "pipe", "pipe"]
      })
      let out = ""
      let err = ""
      child.stdout.on("data", (c: Buffer) => (out += c.toString()))
      child.stderr.on("data", (c: Buffer) => (err += c.toString()))
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
      child.on("error", reject)
      child.on("close", (exitCode) => {
        clearTimeout(timer)
        resolve({ stdout: out, stderr: err, code: exitCode })
      })
    }
  )
  const processMs = performance.now() - t0
  const line = stdout.split("\n").find((l) => l.startsWith("@@RESULT "))
  if (line === undefined) {
    throw new Error(`cold-start probe of ${bundleFile} exited ${code} without a result:\n${stderr.slice(-2000)}`)
  }
  const raw = JSON.parse(line.slice("@@RESULT ".length)) as Omit<ProbeResult, "ok" | "checkpointCalls" | "processMs">
  const ok = raw.output?.Status === "SUCCEEDED" && raw.output.Result === JSON.stringify("Hello, bench!")
  return { ...raw, ok, checkpointCalls: endpoint.checkpointCalls(arn), processMs }
}
