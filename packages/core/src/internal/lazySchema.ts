/**
 * Builds a module-level schema so that a bundler can drop it when nothing uses it: call it as
 * `/* @__PURE__ *\/ declare(() => Schema.Struct(...))`. An unused pure call whose argument is a function has no
 * effect, so esbuild / Rollup / webpack remove it together with the `effect/Schema` code it would pull in
 * (about 250 KiB minified; see `bench/README.md`, cold start). A plain `Schema.Struct(...)` call at module
 * level is kept by every bundler, because a call may have side effects.
 */
export const declare = <A>(build: () => A): A => build()
