/** Renders `results/latest.json` as the markdown table `results/latest.md`. */
import type { EconomySide, Results, TimedSide } from "./run.ts"
import { round, type Summary } from "./stats.ts"

const n = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "–" : round(x, digits).toLocaleString("en-US")

const r = (x: number | null | undefined): string => (x === null || x === undefined ? "–" : `**${round(x, 3)}**`)

const ms = (s: Summary | undefined, digits = 1): string =>
  s === undefined
    ? "–"
    : s.samples.length > 1
      ? `${n(s.median, digits)} (${n(s.min, digits)}–${n(s.max, digits)})`
      : n(s.median, digits)

const timed = (side: TimedSide | undefined, warm = false): string =>
  side === undefined
    ? "–"
    : side.status === "pending"
      ? `pending: ${side.reason ?? ""}`
      : side.status === "failed"
        ? "failed"
        : ms(warm ? side.warmWallMs : side.wallMs)

const econ = (side: EconomySide, key: "calls" | "bytes"): string =>
  side.status === "pending" ? "pending" : side.status === "failed" ? "failed" : n(side[key], 0)

const kb = (bytes: number | undefined) => (bytes === undefined ? "–" : `${n(bytes / 1024, 1)} KiB`)

/** `meta.keptFromPrevious`: the groups a run kept, from the run before it, and what that run kept in turn. */
interface KeptFromPrevious {
  readonly groups: ReadonlyArray<string>
  readonly date: string
  readonly git: string
  readonly earlier?: KeptFromPrevious
}

const verdict = (met: boolean | null) => (met === null ? "pending" : met ? "met" : "**missed**")

export const renderMarkdown = (results: Results): string => {
  const m = results.meta as Record<string, any>
  const lines: Array<string> = []
  const push = (...l: Array<string>) => lines.push(...l)
  push(
    `# Benchmark results: @durable-lambda vs @aws/durable-execution-sdk-js`,
    "",
    `Run ${m.date} (${m.mode}, ${m.durationSeconds} s) on Node ${m.node}, ${m.platform}, ${m.cpu}. Ours: ${m.versions.ours}${m.gitAtEnd === undefined ? "" : ` (**the workspace changed to ${m.gitAtEnd} during the run**)`}; official SDK ${m.versions.official}, testing ${m.versions.officialTesting}; esbuild ${m.versions.esbuild}.`,
    "Every ratio is **ours / official**: below 1 means ours is faster, smaller or cheaper. Times are medians (min–max) over",
    `the repetitions; each measurement ran in a fresh Node process, ours and official interleaved. Method: [bench/README.md](../README.md).`,
    ""
  )
  if (m.keptFromPrevious !== undefined) {
    const groups = ["harness", "replay", "economy", "coldstart"]
    const kept = m.keptFromPrevious as KeptFromPrevious
    // A kept group comes from the latest earlier run that measured it (each level of the chain names the groups
    // that run kept in turn).
    const sourceOf = (group: string, k: KeptFromPrevious): KeptFromPrevious =>
      k.earlier !== undefined && k.earlier.groups.includes(group) ? sourceOf(group, k.earlier) : k
    const bySource = new Map<string, Array<string>>()
    for (const group of kept.groups) {
      const source = sourceOf(group, kept)
      const key = `${source.date} (${source.git})`
      bySource.set(key, [...(bySource.get(key) ?? []), group])
    }
    const from = [...bySource].map(([run, gs]) => `${gs.join(", ")} from the run of ${run}`).join("; ")
    push(
      `This run measured only ${groups.filter((g) => !kept.groups.includes(g)).join(", ")}; the other figures are kept: ${from}.`,
      ""
    )
  }

  push("## Targets (issue 7)", "", "| Target | Measured (ours / official) | Verdict |", "| --- | --- | --- |")
  for (const t of results.targets) push(`| ${t.target} | ${t.measured} | ${verdict(t.met)} |`)
  push("")

  if (results.harness.length > 0) {
    push(
      "## 1. Local test harness (wall ms)",
      "",
      "Official: `LocalDurableTestRunner` with `setupTestEnvironment({ skipTime: true })` (its documented setup, needed for the 1-hour wait); also in real time (`skipTime: false`) where the workload has no long wait. Ours: `@durable-lambda/testing`'s `LocalDurableTestRunner` (virtual time).",
      "",
      "Each process times the workload twice: the first run after a tiny warm-up (10 steps or 1 execution: what a single test file sees), then the same run again with the JIT warm.",
      "",
      "| Workload | Run | Ours | Official (skipTime) | Ours / official | Official (real time) | Ours / official real time |",
      "| --- | --- | --- | --- | --- | --- | --- |"
    )
    for (const h of results.harness) {
      push(
        `| ${h.label} | first | ${timed(h.ours)} | ${timed(h.theirs)} | ${r(h.ratio)} | ${timed(h.theirsRealTime)} | ${r(h.ratioVsRealTime)} |`,
        `| | warm | ${timed(h.ours, true)} | ${timed(h.theirs, true)} | ${r(h.warmRatio)} | ${timed(h.theirsRealTime, true)} | ${r(h.warmRatioVsRealTime)} |`
      )
    }
    push("")
  }

  if (results.replay.rows.length > 0) {
    push(
      "## 2. Replay (one invocation replaying N completed steps)",
      "",
      `The service's work (rebuilding the recorded execution, rendering the event, reading every later state page ahead) happens before the measured window; the invocation's state reads are answered with those pages. CPU is \`process.cpuUsage()\` (user + system, so V8's background GC/JIT threads count) over the one measured invocation, after ${m.config.replayWarmupRounds} warm-up replay(s) of a ${m.config.replayWarmup}-operation prefix in the same process. Memory comes from separate processes run with a 1 MB young generation (\`--max-semi-space-size=1\`): the peak of V8's used heap during the invocation over the used heap just before it, after \`gc()\` (read before every collection with \`v8.GCProfiler\`); peak RSS growth is shown for reference (an upper bound: the state built before the window already raised the high-water mark). The state is delivered as the service does: the first 1,000 operations in the event, the rest through \`GetDurableExecutionState\` pages of 1,000.`,
      "",
      "| Operations | Ours CPU ms | Official CPU ms | CPU ratio | Ours µs/op | Official µs/op | Ours peak heap Δ MB | Official peak heap Δ MB | Heap Δ ratio | Ours / official peak RSS Δ MB | Same recorded state |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    for (const row of results.replay.rows) {
      push(
        `| ${n(row.n, 0)} | ${ms(row.ours.cpuMs)} | ${ms(row.theirs.cpuMs)} | ${r(row.ratios.cpu)} | ${n(row.ours.usPerOp?.median, 2)} | ${n(row.theirs.usPerOp?.median, 2)} | ${n(row.ours.peakHeapDeltaMB?.median, 1)} | ${n(row.theirs.peakHeapDeltaMB?.median, 1)} | ${r(row.ratios.peakHeapDelta)} | ${n(row.ours.peakRssDeltaMB?.median, 1)} / ${n(row.theirs.peakRssDeltaMB?.median, 1)} | ${row.recordedStatesIdentical === null ? "–" : row.recordedStatesIdentical ? "yes" : "no"} |`
      )
    }
    const l = results.replay.linearity
    push(
      "",
      `µs/op at the largest N over µs/op at the smallest N (1 = perfectly linear): ours ${r(l.ours)}, official ${r(l.theirs)}.`,
      ""
    )
  }

  if (results.economy.length > 0) {
    push(
      "## 3. Checkpoint economy (whole executions against the bench service, `ServiceState` behind both SDKs' clients)",
      "",
      "Bytes are the JSON request bodies as sent on the wire (`{CheckpointToken, Updates, ClientToken}`; where the official SDK leaves `ClientToken` to the AWS SDK, its 36-character UUID is counted).",
      "",
      "| Workload | Official calls | Ours eager calls | ratio | Ours batched calls | ratio | Ours optimistic calls | Official bytes | Ours eager bytes | ratio | Ours batched bytes | ratio | Ours optimistic bytes |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    for (const row of results.economy) {
      push(
        `| ${row.label} | ${econ(row.theirs, "calls")} | ${econ(row.ours.eager, "calls")} | ${r(row.ratios.eager.calls)} | ${econ(row.ours.batched, "calls")} | ${r(row.ratios.batched.calls)} | ${econ(row.ours.optimistic, "calls")} | ${econ(row.theirs, "bytes")} | ${econ(row.ours.eager, "bytes")} | ${r(row.ratios.eager.bytes)} | ${econ(row.ours.batched, "bytes")} | ${r(row.ratios.batched.bytes)} | ${econ(row.ours.optimistic, "bytes")} |`
      )
    }
    push("")
  }

  const c = results.coldStart
  if (c !== null) {
    const row = (label: string, ours: string, theirs: string, ratio: number | null | undefined) =>
      push(`| ${label} | ${ours} | ${theirs} | ${r(ratio)} |`)
    push(
      "## 4. Cold start (hello-world handler, esbuild: bundle all, minify, ESM, node22)",
      "",
      "| | Ours | Official | Ratio |",
      "| --- | --- | --- | --- |"
    )
    row("Bundle size", kb(c.ours?.bundle.bytes), kb(c.theirs?.bundle.bytes), c.ratios.bundleBytes)
    row("Bundle gzip -9", kb(c.ours?.bundle.gzipBytes), kb(c.theirs?.bundle.gzipBytes), c.ratios.gzipBytes)
    row("Import, fresh process (ms)", ms(c.ours?.banner.importMs), ms(c.theirs?.banner.importMs), c.ratios.importMs)
    row(
      "First invocation (ms, loopback endpoint)",
      ms(c.ours?.banner.firstInvocationMs),
      ms(c.theirs?.banner.firstInvocationMs),
      c.ratios.firstInvocationMs
    )
    row(
      "Import + first invocation (ms)",
      ms(c.ours?.banner.importPlusFirstInvocationMs),
      ms(c.theirs?.banner.importPlusFirstInvocationMs),
      c.ratios.importPlusFirstInvocationMs
    )
    row(
      "Whole process, spawn to exit (ms)",
      ms(c.ours?.banner.processMs),
      ms(c.theirs?.banner.processMs),
      c.ratios.processMs
    )
    if (c.ours?.external !== undefined || c.theirs?.external !== undefined) {
      row(
        "Bundle size, `@aws-sdk/*` `@smithy/*` external",
        kb(c.ours?.external?.bundle.bytes),
        kb(c.theirs?.external?.bundle.bytes),
        c.ratios.externalBundleBytes
      )
      row(
        "Bundle gzip -9, AWS SDK external",
        kb(c.ours?.external?.bundle.gzipBytes),
        kb(c.theirs?.external?.bundle.gzipBytes),
        c.ratios.externalGzipBytes
      )
      row(
        "Import, fresh process (ms), AWS SDK external",
        ms(c.ours?.external?.importMs),
        ms(c.theirs?.external?.importMs),
        c.ratios.externalImportMs
      )
      row(
        "Import + first invocation (ms), AWS SDK external",
        ms(c.ours?.external?.importPlusFirstInvocationMs),
        ms(c.theirs?.external?.importPlusFirstInvocationMs),
        c.ratios.externalImportPlusFirstInvocationMs
      )
    }
    const plain = (side: typeof c.ours) =>
      side === undefined
        ? "–"
        : side.plain.ok
          ? "runs (SUCCEEDED)"
          : `${side.plain.imported ? "imports, first invocation fails" : "crashes at import"}: \`${side.plain.error ?? "?"}\``
    push(
      `| ESM bundle without \`createRequire\` banner | ${plain(c.ours)} | ${plain(c.theirs)} | |`,
      `| ESM bundle with the banner | ${c.ours?.banner.ok ? "runs (SUCCEEDED)" : `fails: ${c.ours?.banner.error ?? "?"}`} | ${c.theirs?.banner.ok ? "runs (SUCCEEDED)" : `fails: ${c.theirs?.banner.error ?? "?"}`} | |`,
      "",
      "Timings above use the bundles with the banner (the only ones that run for both). The external rows leave `@aws-sdk/*` and `@smithy/*` as imports (as many Lambda deployments do: the managed runtime ships the AWS SDK v3); their probes import each bundle from a directory where those resolve to the SDK's own AWS SDK dependency. Largest contributors to each bundle (all bundled / AWS SDK external):",
      ""
    )
    for (const [label, side] of [
      ["Ours", c.ours],
      ["Official", c.theirs]
    ] as const) {
      if (side === undefined) continue
      push(`- ${label}: ${side.bundle.topPackages.map((p) => `${p.name} ${kb(p.bytes)}`).join(", ")}`)
      if (side.external !== undefined)
        push(
          `- ${label}, AWS SDK external: ${side.external.bundle.topPackages.map((p) => `${p.name} ${kb(p.bytes)}`).join(", ")}`
        )
    }
    push("")
  }

  if (results.failures.length > 0) {
    push("## Failures", "", ...results.failures.map((f) => `- \`${f.split("\n")[0]}\``), "")
  }
  return `${lines.join("\n")}\n`
}
