/** The hello-world durable handler on the official SDK (bundled by `coldstart.ts`). */
import { withDurableExecution } from "@aws/durable-execution-sdk-js"

export const handler = withDurableExecution(async (event: { name?: string }, context) => {
  const greeting = await context.step("greet", async () => `Hello, ${event.name ?? "world"}!`)
  return greeting
})
