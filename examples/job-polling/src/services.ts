/**
 * What the workflow works on and the system it talks to, plus the production implementation: a media
 * transcoding API (JSON over HTTP, base URL from `TRANSCODER_URL`) and the video catalog (`CATALOG_URL`).
 */

export interface TranscodeRequest {
  readonly videoId: string
  readonly source: string
  readonly preset: "720p" | "1080p" | "4k"
}

export type JobStatus = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED"

export interface JobState {
  readonly jobId: string
  readonly status: JobStatus
  /** 0 to 100. */
  readonly progress: number
  readonly output?: string
  readonly error?: string
}

export interface Services {
  /** Submits the job (idempotent per video and preset); returns the job id. */
  submit(request: TranscodeRequest): Promise<string>
  /** Reads the job's status. */
  status(jobId: string): Promise<JobState>
  /** Cancels the job (idempotent). */
  cancel(jobId: string): Promise<void>
  /** Publishes the transcoded video. */
  publish(videoId: string, output: string): Promise<string>
}

const client =
  (base: string | undefined, name: string) =>
  async <T>(method: string, path: string, body?: unknown) => {
    if (base === undefined) throw new Error(`${name} is not set`)
    const response = await fetch(new URL(path, base), {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}`)
    return (await response.json()) as T
  }

/** The production services, from `TRANSCODER_URL` and `CATALOG_URL`. */
export const httpServices = (env: Record<string, string | undefined>): Services => {
  const transcoder = client(env.TRANSCODER_URL, "TRANSCODER_URL")
  const catalog = client(env.CATALOG_URL, "CATALOG_URL")
  return {
    submit: async (request) =>
      (await transcoder<{ jobId: string }>("PUT", `/jobs/${request.videoId}-${request.preset}`, request)).jobId,
    status: (jobId) => transcoder<JobState>("GET", `/jobs/${jobId}`),
    cancel: async (jobId) => {
      await transcoder("DELETE", `/jobs/${jobId}`)
    },
    publish: async (videoId, output) =>
      (await catalog<{ url: string }>("PUT", `/videos/${videoId}/renditions`, { output })).url
  }
}
