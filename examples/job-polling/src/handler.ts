/**
 * Polling an external job: submit a transcoding job, then poll its status with `waitForCondition` until it
 * finishes. Between checks the invocation suspends (nothing is billed), with a growing delay: 10 s, 20 s,
 * 40 s, ... capped at 5 minutes, for at most 20 checks. The latest job state is checkpointed after each
 * check. A finished job is published; a failed job fails the execution; a job that never finishes is
 * cancelled.
 *
 * `handler` is exported exactly as it is deployed; `makeHandler` builds the same workflow over any services.
 */
import { createWaitStrategy, withDurableExecution } from "@durable-lambda/backend-aws"
import { httpServices, type JobState, type Services, type TranscodeRequest } from "./services.ts"

export type { JobState, JobStatus, Services, TranscodeRequest } from "./services.ts"

/** The transcoder reported a failure. */
export class TranscodeFailed extends Error {
  override readonly name = "TranscodeFailed"
}

/** The job did not finish within the polling budget (it was cancelled). */
export class TranscodeTimedOut extends Error {
  override readonly name = "TranscodeTimedOut"
}

export const MAX_CHECKS = 20

export const pollStrategy = createWaitStrategy<JobState>({
  shouldContinuePolling: (job) => job.status === "QUEUED" || job.status === "RUNNING",
  initialDelay: { seconds: 10 },
  backoffRate: 2,
  maxDelay: { minutes: 5 },
  maxAttempts: MAX_CHECKS,
  jitter: "NONE"
})

export const makeHandler = (services: Services) =>
  withDurableExecution(async (request: TranscodeRequest, context) => {
    const jobId = await context.step("submit-job", async () => services.submit(request))

    let job: JobState
    try {
      job = await context.waitForCondition<JobState>(
        "await-job",
        async (previous, { logger }) => {
          const current = await services.status(previous.jobId)
          if (current.progress !== previous.progress) logger.info("progress", { jobId, progress: current.progress })
          return current
        },
        { initialState: { jobId, status: "QUEUED", progress: 0 }, waitStrategy: pollStrategy }
      )
    } catch (error) {
      // The strategy gives up after MAX_CHECKS checks: stop paying for the job.
      await context.step("cancel-job", async () => services.cancel(jobId))
      throw new TranscodeTimedOut(`job ${jobId} still running after ${MAX_CHECKS} checks: ${(error as Error).message}`)
    }

    if (job.status === "FAILED") throw new TranscodeFailed(`job ${jobId} failed: ${job.error ?? "unknown error"}`)
    const url = await context.step("publish", async () => services.publish(request.videoId, job.output!))
    return { videoId: request.videoId, jobId, url }
  })

/** The deployed handler. */
export const handler = makeHandler(httpServices(process.env))
