import { defineConfig } from "vitest/config"

/** Settings every package's vitest.config.ts merges: source resolution and a JSON report for .ci/run. */
export default defineConfig({
  ssr: { resolve: { conditions: ["@durable-lambda/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]],
    testTimeout: 30_000
  }
})
