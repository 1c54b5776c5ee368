/**
 * The promise every async-API durable operation returns. Work starts when the operation is called (its id is
 * taken at call time); awaiting it (`then`, `catch`, `finally`) marks it as awaited, which is what lets the
 * invocation suspend while it waits on the service.
 *
 * @since 0.1.0
 */
export class DurablePromise<T> implements Promise<T> {
  readonly #executor: () => Promise<T>
  #promise: Promise<T> | undefined

  constructor(executor: () => Promise<T>) {
    this.#executor = executor
  }

  /** Whether the promise has been awaited (its executor ran). */
  get isExecuted(): boolean {
    return this.#promise !== undefined
  }

  #run(): Promise<T> {
    this.#promise ??= this.#executor()
    return this.#promise
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null
  ): Promise<R1 | R2> {
    return this.#run().then(onfulfilled, onrejected)
  }

  catch<R = never>(onrejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.#run().catch(onrejected)
  }

  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#run().finally(onfinally)
  }

  get [Symbol.toStringTag](): string {
    return "DurablePromise"
  }
}
