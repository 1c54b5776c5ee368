/**
 * The Lambda transport as a public `DurableExecutionClient` (the official SDK's `DurableExecutionApiClient`):
 * the two durable-execution API calls sent with a `LambdaClient`, yours or the process-wide default.
 *
 * **Example**
 * ```ts
 * export const handler = withDurableExecution(myHandler, {
 *   durableExecutionClient: new DurableExecutionApiClient(new LambdaClient({ region: "us-west-2" }))
 * })
 * ```
 *
 * **Gotchas**: AWS errors are rethrown unchanged, so the engine still recognizes their shape (throttling and
 * 5xx end the invocation; rejected requests, KMS and missing executions fail the execution). Unlike the
 * default backend (`AwsBackend`), nothing is retried inside the invocation.
 *
 * @since 0.1.0
 */
import type { LambdaClient } from "@aws-sdk/client-lambda"
import type { DurableExecutionClient as Client, Logger, Wire } from "@durable-lambda/core"
import * as LambdaApi from "./LambdaApi.ts"

type Transport = Client.DurableExecutionClient

const logFailure = (logger: Logger.DurableLogger | undefined, what: string, error: unknown) => {
  const requestId = (error as { $metadata?: { requestId?: string } } | undefined)?.$metadata?.requestId
  logger?.error(what, error, { requestId })
}

/**
 * A `DurableExecutionClient` over a `LambdaClient` (default: the shared client of `LambdaApi.defaultClient`,
 * created on first use).
 *
 * @since 0.1.0
 */
export class DurableExecutionApiClient implements Transport {
  readonly #client: LambdaClient | undefined

  constructor(client?: LambdaClient) {
    this.#client = client
    // Start loading the AWS SDK now; a failure surfaces from the first call.
    LambdaApi.loadClientLambda().then(
      () => undefined,
      () => undefined
    )
  }

  async #resolve() {
    const sdk = await LambdaApi.loadClientLambda()
    return { sdk, client: this.#client ?? (await LambdaApi.defaultClient()) }
  }

  /** One page of execution state (`GetDurableExecutionState`). */
  async getExecutionState(
    params: Wire.GetDurableExecutionStateRequest,
    logger?: Logger.DurableLogger
  ): Promise<Wire.GetDurableExecutionStateResponse> {
    const { sdk, client } = await this.#resolve()
    try {
      const output = await client.send(
        new sdk.GetDurableExecutionStateCommand({
          DurableExecutionArn: params.DurableExecutionArn,
          CheckpointToken: params.CheckpointToken,
          Marker: params.Marker,
          MaxItems: params.MaxItems
        })
      )
      return { Operations: output.Operations, NextMarker: output.NextMarker }
    } catch (error) {
      logFailure(logger, "Failed to get durable execution state", error)
      throw error
    }
  }

  /** One checkpoint (`CheckpointDurableExecution`). */
  async checkpoint(
    params: Wire.CheckpointDurableExecutionRequest,
    logger?: Logger.DurableLogger
  ): Promise<Wire.CheckpointDurableExecutionResponse> {
    const { sdk, client } = await this.#resolve()
    try {
      const output = await client.send(
        new sdk.CheckpointDurableExecutionCommand({
          DurableExecutionArn: params.DurableExecutionArn,
          CheckpointToken: params.CheckpointToken,
          Updates: params.Updates as never,
          ClientToken: params.ClientToken
        })
      )
      return { CheckpointToken: output.CheckpointToken, NewExecutionState: output.NewExecutionState }
    } catch (error) {
      logFailure(logger, "Failed to checkpoint durable execution", error)
      throw error
    }
  }
}
