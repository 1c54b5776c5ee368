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
import { fromClient } from "./internal/clientTarget.ts"
import * as LambdaHttp from "./internal/lambdaHttp.ts"
import type { HttpTarget } from "./internal/lambdaHttp.ts"
import * as SdkClient from "./internal/sdkClient.ts"

type Transport = Client.DurableExecutionClient

const logFailure = (logger: Logger.DurableLogger | undefined, what: string, error: unknown) => {
  const requestId = (error as { $metadata?: { requestId?: string } } | undefined)?.$metadata?.requestId
  logger?.error(what, error, { requestId })
}

/**
 * A `DurableExecutionClient` over a `LambdaClient`, or, without one, over the environment's target (what
 * `LambdaApi.layer` uses: no AWS SDK inside Lambda). Only the client's configuration is used (credentials,
 * region, endpoint, HTTP handler), not its middleware stack.
 *
 * @since 0.1.0
 */
export class DurableExecutionApiClient implements Transport {
  readonly #target: Promise<HttpTarget>

  constructor(client?: LambdaClient) {
    this.#target =
      client === undefined
        ? SdkClient.defaultTarget().then((found) => found.target)
        : Promise.resolve(fromClient(client))
    // A failure to find the default target surfaces from the first call.
    this.#target.catch(() => undefined)
  }

  /** One page of execution state (`GetDurableExecutionState`). */
  async getExecutionState(
    params: Wire.GetDurableExecutionStateRequest,
    logger?: Logger.DurableLogger
  ): Promise<Wire.GetDurableExecutionStateResponse> {
    try {
      const output = await LambdaHttp.getDurableExecutionState(
        await this.#target,
        {
          DurableExecutionArn: params.DurableExecutionArn,
          CheckpointToken: params.CheckpointToken,
          Marker: params.Marker,
          MaxItems: params.MaxItems
        },
        new AbortController().signal
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
    try {
      const output = await LambdaHttp.checkpointDurableExecution(
        await this.#target,
        {
          DurableExecutionArn: params.DurableExecutionArn,
          CheckpointToken: params.CheckpointToken,
          Updates: params.Updates as never,
          ClientToken: params.ClientToken
        },
        new AbortController().signal
      )
      return { CheckpointToken: output.CheckpointToken, NewExecutionState: output.NewExecutionState }
    } catch (error) {
      logFailure(logger, "Failed to checkpoint durable execution", error)
      throw error
    }
  }
}
