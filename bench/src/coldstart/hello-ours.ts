/** The hello-world durable handler on our SDK, as a user deploys it (bundled by `coldstart.ts`). */
import { withDurableExecution } from "@durable-lambda/backend-aws"

export const handler = withDurableExecution(async (event: { name?: string }, context) => {
  const greeting = await context.step("greet", async () => `Hello, ${event.name ?? "world"}!`)
  return greeting
})
