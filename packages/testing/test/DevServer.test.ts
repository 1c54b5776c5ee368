import { SendDurableExecutionCallbackSuccessCommand } from "@aws-sdk/client-lambda"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as path from "node:path"
import { PassThrough } from "node:stream"
import { fileURLToPath } from "node:url"
import * as DevServer from "../src/DevServer.ts"
import { main } from "../src/internal/endpoint/cli.ts"
import { clientFor } from "./fixtures/dev-support/workflows.ts"

const here = path.dirname(fileURLToPath(import.meta.url))

/** A dev server on an ephemeral port, its printed lines collected, closed with the scope. */
const devServer = (options: Omit<DevServer.Options, "print">) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    const server = yield* Effect.acquireRelease(
      Effect.promise(() => DevServer.start({ cwd: here, ...options, print: (line) => lines.push(line) })),
      (s) => Effect.promise(() => s.close())
    )
    return { server, lines }
  })

/** Asserts that `patterns` match lines of `lines` in this order (other lines may come between). */
const assertInOrder = (lines: ReadonlyArray<string>, patterns: ReadonlyArray<RegExp>) => {
  let at = 0
  for (const pattern of patterns) {
    const found = lines.findIndex((line, i) => i >= at && pattern.test(line))
    assert.isTrue(found !== -1, `no line matching ${pattern} after line ${at}:\n${lines.join("\n")}`)
    at = found + 1
  }
}

describe("DevServer", () => {
  it.live("loads a handler module, prints the callback command, and resumes when the AWS SDK completes it", () =>
    Effect.gen(function* () {
      const { lines, server } = yield* devServer({
        module: "fixtures/dev-callback/approval.ts",
        exportName: "approve",
        virtualTime: true
      })
      assert.strictEqual(server.functionName, "approval")
      assertInOrder(lines, [
        new RegExp(
          `^durable-lambda dev: function approval \\(fixtures/dev-callback/approval\\.ts, export approve\\) on ${server.url} \\(virtual time\\)$`
        ),
        new RegExp(
          `curl -X POST -H 'content-type: application/json' --data '\\{\\}' ${server.url}/local/functions/approval/executions`
        )
      ])
      assert.isTrue(yield* Effect.promise(() => server.command('start {"amount": 21}')))
      const arn = server.endpoint.state.listExecutions()[0]?.DurableExecutionArn ?? ""
      const callbackId = yield* Effect.promise(() => server.endpoint.awaitCallbackId(arn, { name: "approval" }))
      yield* Effect.promise(() => server.endpoint.idle())
      const command = lines.find((line) => line.includes("send-durable-execution-callback-success"))
      assert.strictEqual(
        command,
        `#1     complete it with: printf '%s' '{}' | AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws lambda send-durable-execution-callback-success --endpoint-url ${server.url} --region us-east-1 --callback-id '${callbackId}' --result fileb:///dev/stdin`
      )
      // A user completes it from another process with the real SDK pointed at the endpoint.
      const client = yield* clientFor(server.url)
      yield* Effect.promise(() =>
        client.send(
          new SendDurableExecutionCallbackSuccessCommand({
            CallbackId: callbackId,
            Result: new TextEncoder().encode('{"approved":true}')
          })
        )
      )
      const done = yield* Effect.promise(() => server.endpoint.awaitExecution(arn))
      assert.strictEqual(done.Result, '"booked 42"')
      assertInOrder(lines, [
        /^▶ execution #1 started: function approval, input \{"amount":21\}$/,
        /^#1 invocation 1 started$/,
        /^#1 {3}STEP "quote" started$/,
        /^#1 {3}STEP "quote" succeeded \(attempt 1\): 42$/,
        new RegExp(
          `^#1 {3}CALLBACK "approval" started: callback id ${callbackId.replace(/[+/=]/g, "\\$&")} \\(timeout 1d\\)$`
        ),
        /^#1 {3}STEP "notify" succeeded/,
        /^#1 invocation 1 ended: PENDING \(suspended/,
        /^#1 {3}CALLBACK "approval" succeeded: \{"approved":true\}$/,
        /^#1 invocation 2 started$/,
        /^#1 {3}STEP "book" succeeded \(attempt 1\): "booked 42"$/,
        /^#1 invocation 2 ended: SUCCEEDED$/,
        /^■ execution #1 SUCCEEDED: result "booked 42"$/
      ])
    })
  )

  it.live("console commands: succeed / status / history / errors, on a retried step and a wait", () =>
    Effect.gen(function* () {
      const { lines, server } = yield* devServer({ module: "fixtures/dev-callback/approval.ts", virtualTime: true })
      yield* Effect.promise(() => server.command('start {"amount": 1}'))
      const arn = server.endpoint.state.listExecutions()[0]?.DurableExecutionArn ?? ""
      const callbackId = yield* Effect.promise(() => server.endpoint.awaitCallbackId(arn))
      yield* Effect.promise(() => server.command(`succeed ${callbackId} {"approved":false}`))
      const done = yield* Effect.promise(() => server.endpoint.awaitExecution(arn))
      assert.strictEqual(done.Result, '"rejected"')
      lines.length = 0
      yield* Effect.promise(() => server.command("status"))
      assert.deepStrictEqual(lines, ['#1 SUCCEEDED result "rejected"'])
      lines.length = 0
      yield* Effect.promise(() => server.command("history #1"))
      assert.strictEqual(lines[0], "   1 ExecutionStarted 00000000-0000-4000-8000-000000000002")
      assert.match(lines.at(-1) ?? "", /^\s+\d+ ExecutionSucceeded/)
      lines.length = 0
      yield* Effect.promise(() => server.command(`succeed ${callbackId}`))
      yield* Effect.promise(() => server.command("start {not json"))
      yield* Effect.promise(() => server.command("history #9"))
      yield* Effect.promise(() => server.command("frobnicate"))
      assert.deepStrictEqual(
        lines.slice(0, 4).map((l) => l.replace(/:.*$/, "")),
        ["error", "error", "error", 'unknown command "frobnicate" (type help)']
      )
      assert.match(lines[0] ?? "", /^error: CallbackTimeoutException: /)
      assert.match(lines[2] ?? "", /^error: no execution #9$/)
      assert.isFalse(yield* Effect.promise(() => server.command("quit")))
    })
  )

  it.live(
    "real time: the default export, a retry and a 1-second wait run through; the timeline prints as it goes",
    () =>
      Effect.gen(function* () {
        const { lines, server } = yield* devServer({ module: "fixtures/dev-wait/order-workflow.ts" })
        assert.strictEqual(server.functionName, "order-workflow")
        assert.isFalse(server.endpoint.virtualTime)
        const response = yield* Effect.promise(() =>
          fetch(`${server.url}/local/functions/order-workflow/executions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: '{"orderId": 3}'
          }).then((r) => r.json() as Promise<{ DurableExecutionArn: string }>)
        )
        const done = yield* Effect.promise(() => server.endpoint.awaitExecution(response.DurableExecutionArn))
        assert.strictEqual(done.Status, "SUCCEEDED")
        assertInOrder(lines, [
          /^▶ execution #1 started: function order-workflow, input \{"orderId": 3\}$/,
          /^#1 {3}STEP "reserve" failed \(attempt 1, retrying in 1s\): Error: inventory service unavailable$/,
          /^#1 invocation 1 ended: PENDING/,
          /^#1 invocation 2 started$/,
          /^#1 {3}STEP "reserve" succeeded \(attempt 2\): "reserved-3"$/,
          /^#1 {3}WAIT "cool-off" started: 1s, until \d{4}-\d\d-\d\dT/,
          /^#1 {3}WAIT "cool-off" succeeded$/,
          /^#1 invocation 3 ended: SUCCEEDED$/,
          /^■ execution #1 SUCCEEDED: result \{"total":30,"reserved":"reserved-3"\}$/
        ])
      })
  )

  it.live("loadHandler: a missing export is reported with the module's exports", () =>
    Effect.gen(function* () {
      const error = yield* Effect.promise(() =>
        DevServer.loadHandler("fixtures/dev-wait/order-workflow.ts", { cwd: here, exportName: "nope" }).then(
          () => assert.fail("loaded a missing export"),
          (e: Error) => e
        )
      )
      assert.match(error.message, /has no export "nope" \(exports: handler\); pass --export <name>$/)
    })
  )
})

describe("durable-lambda CLI", () => {
  const io = (stdin: PassThrough, stop: Promise<void> = new Promise(() => {})) => {
    const out: Array<string> = []
    const err: Array<string> = []
    return {
      out,
      err,
      io: {
        stdin,
        print: (l: string) => out.push(l),
        printError: (l: string) => err.push(l),
        stopSignal: stop,
        cwd: here
      }
    }
  }

  it.live("dev <module> --port 0 --virtual-time: start on stdin, timeline printed, quit stops it with 0", () =>
    Effect.gen(function* () {
      const stdin = new PassThrough()
      const { io: cliIo, out } = io(stdin)
      const exit = main(
        ["dev", "fixtures/dev-wait/order-workflow.ts", "--port", "0", "--virtual-time", "--name", "orders"],
        cliIo
      )
      const finished = new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (out.some((l) => l.startsWith("■ execution #1"))) {
            clearInterval(check)
            resolve()
          }
        }, 5)
      })
      yield* Effect.promise(async () => {
        while (!out.some((l) => l.startsWith("durable-lambda dev:"))) await new Promise((r) => setTimeout(r, 5))
      })
      stdin.write('start {"orderId": 2}\n')
      yield* Effect.promise(() => finished)
      stdin.write("quit\n")
      const code = yield* Effect.promise(() => exit)
      assert.strictEqual(code, 0)
      assert.match(
        out[0] ?? "",
        /^durable-lambda dev: function orders \(fixtures\/dev-wait\/order-workflow\.ts, export handler\) on http:\/\/127\.0\.0\.1:\d+ \(virtual time\)$/
      )
      assertInOrder(out, [
        /^▶ execution #1 started: function orders, input \{"orderId":2\}$/,
        /^#1 {3}STEP "reserve" failed \(attempt 1, retrying in 1s\)/,
        /^⏩ virtual clock \+1s/,
        /^#1 {3}WAIT "cool-off" started: 1s/,
        /^⏩ virtual clock \+1s/,
        /^■ execution #1 SUCCEEDED: result \{"total":20,"reserved":"reserved-2"\}$/,
        /^durable-lambda dev: stopped$/
      ])
    })
  )

  it.live("a stop signal ends the server; usage and argument errors exit 0 / 2 / 1", () =>
    Effect.gen(function* () {
      let stop: () => void = () => {}
      const signal = new Promise<void>((resolve) => (stop = resolve))
      const serving = io(new PassThrough(), signal)
      const exit = main(["dev", "fixtures/dev-callback/approval.ts", "--port", "0"], serving.io)
      yield* Effect.promise(async () => {
        while (!serving.out.some((l) => l.startsWith("durable-lambda dev:"))) await new Promise((r) => setTimeout(r, 5))
      })
      stop()
      assert.strictEqual(yield* Effect.promise(() => exit), 0)

      const help = io(new PassThrough())
      assert.strictEqual(yield* Effect.promise(() => main([], help.io)), 0)
      assert.match(help.out[0] ?? "", /^usage: durable-lambda dev <handler-module>/)
      const wrong = io(new PassThrough())
      assert.strictEqual(yield* Effect.promise(() => main(["serve", "x.ts"], wrong.io)), 2)
      assert.strictEqual(yield* Effect.promise(() => main(["dev", "x.ts", "--port", "http"], wrong.io)), 2)
      assert.strictEqual(yield* Effect.promise(() => main(["dev", "x.ts", "--bogus"], wrong.io)), 2)
      const missing = io(new PassThrough())
      assert.strictEqual(
        yield* Effect.promise(() => main(["dev", "fixtures/dev-none/missing.ts", "--port", "0"], missing.io)),
        1
      )
      assert.match(missing.err[0] ?? "", /^durable-lambda dev: /)
    })
  )
})
