/**
 * `@durable-lambda/backend-mock`: an in-memory durable-execution service for tests.
 *
 * @since 0.1.0
 */
export * as MockBackend from "./MockBackend.ts"
export * as RecordedCall from "./RecordedCall.ts"
export * as ServiceDriver from "./ServiceDriver.ts"
export * as ServiceState from "./ServiceState.ts"
