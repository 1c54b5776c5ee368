/**
 * The execution view behind each `TestResult`, for the reports (`Timeline`) that read a result's records
 * without widening `TestResult`'s public surface.
 *
 * @internal
 */
import type { ExecutionView } from "../ExecutionView.ts"

const views = new WeakMap<object, ExecutionView>()

/** Records the view `result` was built from. */
export const register = (result: object, view: ExecutionView): void => {
  views.set(result, view)
}

/** The view `result` was built from. */
export const viewOf = (result: object): ExecutionView => {
  const view = views.get(result)
  if (view === undefined) throw new TypeError("Not a TestResult built by a runner")
  return view
}
