/**
 * `@durable-lambda/backend-aws`: the `DurableBackend` of `@durable-lambda/core` over the AWS Lambda
 * durable-execution API.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as AwsBackend from "./AwsBackend.ts"
/** @since 0.1.0 */
export * as LambdaApi from "./LambdaApi.ts"
/** @since 0.1.0 */
export * as RestProtocol from "./RestProtocol.ts"
