/**
 * An in-memory transcoder whose job moves through a scripted list of states, one per status check (the last
 * one repeats), and a catalog. Submissions and publications that change something are recorded in the
 * `EffectLog` (at most once each).
 */
import type { Faults } from "@durable-lambda/testing"
import type { JobState, Services } from "../src/handler.ts"

export type Script = ReadonlyArray<Omit<JobState, "jobId">>

/** Queued, then running at 25/50/75%, then done. */
export const finishes: Script = [
  { status: "QUEUED", progress: 0 },
  { status: "RUNNING", progress: 25 },
  { status: "RUNNING", progress: 50 },
  { status: "RUNNING", progress: 75 },
  { status: "SUCCEEDED", progress: 100, output: "s3://media/v-9/1080p.mp4" }
]

export const fails: Script = [
  { status: "RUNNING", progress: 10 },
  { status: "FAILED", progress: 10, error: "unsupported codec" }
]

export const neverFinishes: Script = [{ status: "RUNNING", progress: 1 }]

export const fakeServices = (script: Script, effects?: Faults.EffectLog) => {
  const jobs = new Set<string>()
  const published = new Map<string, string>()
  const cancelled: Array<string> = []
  let checks = 0
  const services: Services = {
    submit: async (request) => {
      const jobId = `job-${request.videoId}-${request.preset}`
      if (!jobs.has(jobId)) effects?.atMostOnce(`submit:${jobId}`)
      jobs.add(jobId)
      return jobId
    },
    status: async (jobId) => {
      const state = script[Math.min(checks, script.length - 1)]!
      checks++
      return { jobId, ...state }
    },
    cancel: async (jobId) => {
      cancelled.push(jobId)
    },
    publish: async (videoId, output) => {
      if (!published.has(videoId)) effects?.atMostOnce(`publish:${videoId}`)
      published.set(videoId, output)
      return `https://videos.example.com/${videoId}`
    }
  }
  return { services, jobs, published, cancelled, checks: () => checks }
}
