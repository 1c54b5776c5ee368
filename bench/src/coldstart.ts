/**
 * Group 4, cold start: the hello-world handler of each SDK bundled by esbuild (all dependencies, minified,
 * ESM, Node 22), its size and gzip size, the time a fresh Node process takes to import it, and its first
 * invocation against a loopback Lambda endpoint (`AWS_ENDPOINT_URL_LAMBDA`), with and without the usual
 * `createRequire` banner.
 */
import { spawn } from "node:child_process"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import type { Sdk } from "./adapters.ts"
import { RecordingService } from "./service.ts"

export type Variant = "plain" | "banner"

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

export const bundle = async (sdk: Sdk, variant: Variant, outDir: string): Promise<BundleInfo> => {
  const esbuild = await import("esbuild")
  const entry = fileURLToPath(new URL(`./coldstart/hello-${sdk}.ts`, import.meta.url))
  const file = join(outDir, `hello-${sdk}-${variant}.mjs`)
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

/** A loopback Lambda endpoint for the two durable-execution routes, one bench service per execution ARN. */
export class LoopbackEndpoint {
  private readonly services = new Map<string, RecordingService>()
  private server: Server | undefined
  url = ""

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const reply = (status: number, body: unknown) => {
          const text = JSON.stringify(body)
          res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
          res.end(text)
        }
        try {
          const url = new URL(req.url ?? "/", "http://localhost")
          const [, version, collection, label, action] = url.pathname.split("/")
          const service = this.services.get(decodeURIComponent(label ?? ""))
          if (version !== "2025-12-01" || collection !== "durable-executions" || service === undefined) {
            return reply(404, { __type: "ResourceNotFoundException", message: `no route ${req.method} ${req.url}` })
          }
          if (action === "checkpoint" && req.method === "POST") {
            const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}")
            return reply(200, service.checkpoint(body, "epochSeconds"))
          }
          if (action === "state" && req.method === "GET") {
            const q = url.searchParams
            const maxItems = q.get("MaxItems")
            return reply(
              200,
              service.getExecutionState(
                {
                  CheckpointToken: q.get("CheckpointToken") ?? undefined,
                  Marker: q.get("Marker") ?? undefined,
                  MaxItems: maxItems === null ? undefined : Number(maxItems)
                },
                "epochSeconds"
              )
            )
          }
          return reply(404, { __type: "ResourceNotFoundException", message: `no route ${req.method} ${req.url}` })
        } catch (error) {
          return reply(400, { __type: "InvalidParameterValueException", message: String(error) })
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    this.server = server
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  execution(arn: string): RecordingService {
    const service = new RecordingService(arn, { name: "bench" })
    this.services.set(arn, service)
    return service
  }

  async stop(): Promise<void> {
    const server = this.server
    if (server === undefined) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

let probeSeq = 0

/** Imports `bundleFile` in a fresh Node process and invokes its handler once against `endpoint`. */
export const probe = async (bundleFile: string, endpoint: LoopbackEndpoint, workDir: string): Promise<ProbeResult> => {
  mkdirSync(workDir, { recursive: true })
  const probeFile = join(workDir, "probe.mjs")
  writeFileSync(probeFile, PROBE)
  const arn = `arn:aws:lambda:us-east-1:123456789012:function:hello:$LATEST/durable-execution/cold-${process.pid}-${++probeSeq}/run`
  const service = endpoint.execution(arn)
  const eventFile = join(workDir, `event-${probeSeq}.json`)
  writeFileSync(eventFile, JSON.stringify(service.invocationEvent()))
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
  return { ...raw, ok, checkpointCalls: service.stats.checkpointCalls, processMs }
}
