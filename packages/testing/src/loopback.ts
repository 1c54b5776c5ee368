/**
 * `@durable-lambda/testing/loopback`: a loopback Lambda endpoint that speaks the durable-execution REST API
 * (so the real `@aws-sdk/client-lambda` and AWS CLI work against it) and the local dev server behind the
 * `durable-lambda dev` command. A separate entry point, so importing the in-memory harness never loads the
 * AWS SDK.
 *
 * @since 0.1.0
 */
export * as DevServer from "./DevServer.ts"
export * as LoopbackEndpoint from "./LoopbackEndpoint.ts"
