#!/usr/bin/env node
// The `durable-lambda` executable as installed: runs the compiled CLI (`dist/bin/durable-lambda.js`, source in
// `src/bin/durable-lambda.ts`). This shim is committed, not built, so a workspace install can link the bin before
// anything is compiled; inside the repository run `pnpm dev` instead, or `pnpm build` first.
try {
  await import("../dist/bin/durable-lambda.js")
} catch (error) {
  const code = /** @type {{ code?: unknown }} */ (error)?.code
  if (code === "ERR_MODULE_NOT_FOUND" && String(error).includes("dist/bin/durable-lambda.js")) {
    console.error("durable-lambda: dist/ is missing; build @durable-lambda/testing first (pnpm build)")
    process.exit(1)
  }
  throw error
}
