/** The runs the tests and the golden history share. */
import { LocalDurableTestRunner } from "@durable-lambda/testing"
import { makeHandler, type TranscodeRequest } from "../src/handler.ts"
import { fakeServices, finishes, type Script } from "./fakes.ts"

export const request: TranscodeRequest = { videoId: "v-9", source: "s3://uploads/v-9.mov", preset: "1080p" }

/** Runs the deployed workflow against a transcoder following `script`. */
export const runJob = async (script: Script) => {
  const fake = fakeServices(script)
  const result = await new LocalDurableTestRunner({ handlerFunction: makeHandler(fake.services) }).run({
    payload: request
  })
  return { result, fake }
}

/** The golden run: the job finishes at the fifth check. */
export const goldenRun = () => runJob(finishes)
