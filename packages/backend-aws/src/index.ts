/**
 * `@durable-lambda/backend-aws`: the production package. It exports the official-SDK-compatible API with
 * `withDurableExecution` bound to the AWS backend (so a handler ports by changing its import), and the
 * `DurableBackend` of `@durable-lambda/core` over the AWS Lambda durable-execution API.
 *
 * @since 0.1.0
 */
export * from "@durable-lambda/core/async"
export { toLambdaHandler, withDurableExecution, type DurableExecutionConfig } from "./LambdaHandler.ts"
export { DurableExecutionApiClient } from "./DurableExecutionApiClient.ts"
export {
  createFileSystemSerdes,
  FileSystemPathEncoding,
  FileSystemSerdesMode,
  type FileSystemSerdesConfig
} from "./FileSystemSerdes.ts"
export { refreshLogConfig } from "./LogConfig.ts"
export { SDK_VERSION } from "./Version.ts"

/** @since 0.1.0 */
export * as AwsBackend from "./AwsBackend.ts"
/** @since 0.1.0 */
export * as LambdaApi from "./LambdaApi.ts"
/** @since 0.1.0 */
export * as LambdaHandler from "./LambdaHandler.ts"
/** @since 0.1.0 */
export * as NodeLogging from "./NodeLogging.ts"
/** @since 0.1.0 */
export * as RestProtocol from "./RestProtocol.ts"
/** @since 0.1.0 */
export * as PluginLoader from "./PluginLoader.ts"
