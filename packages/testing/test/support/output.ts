import { vi } from "vitest"

/**
 * Captures what the process writes to stdout and stderr (the durable default logger and Powertools write there
 * directly) until `restore()`. Lines are split on newlines; each write is also kept as written.
 */
export const captureOutput = () => {
  const writes = { stdout: [] as Array<string>, stderr: [] as Array<string> }
  const spy = (name: "stdout" | "stderr") =>
    vi.spyOn(process[name], "write").mockImplementation((chunk: string | Uint8Array) => {
      writes[name].push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"))
      return true
    })
  const out = spy("stdout")
  const err = spy("stderr")
  const lines = (name: "stdout" | "stderr") =>
    writes[name]
      .join("")
      .split("\n")
      .filter((l) => l !== "")
  return {
    writes,
    stdout: () => lines("stdout"),
    stderr: () => lines("stderr"),
    restore: () => {
      out.mockRestore()
      err.mockRestore()
    }
  }
}

/** Runs `f` while capturing stdout and stderr (restored afterwards, also when `f` fails). */
export const capturing = async <A>(f: () => Promise<A> | A) => {
  const output = captureOutput()
  try {
    return { value: await f(), output }
  } finally {
    output.restore()
  }
}
