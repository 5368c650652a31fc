#!/usr/bin/env node
/**
 * The dependency check of the test command: packages and the folders inside them depend one way.
 *
 * - Packages: each `src` imports only the Stint packages below it (core ← sql ← node, cli; core ←
 *   testing); examples, the bench and the docs depend on packages, never the reverse, and no example
 *   on another.
 * - `@stint/core`: the layers of DESIGN.md, lowest first. A folder imports its own layer's folders or
 *   lower ones, never a higher one; and no two folders import each other (no cycle).
 *
 * Imports already against the direction are listed in `dependencies.baseline` (the layout work left
 * to do): a new one fails, and so does a listed one that is gone (so the list only shrinks).
 * Reads imports with TypeScript's own pre-processor: no type-check, a few hundred milliseconds.
 */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")

/** Which Stint packages each package's `src` may import. */
const packages = {
  core: [],
  sql: ["core"],
  testing: ["core"],
  node: ["core", "sql"],
  cli: ["core", "sql"]
}

/** `@stint/core`'s folders by layer, lowest first (a file at the top of `src` is named by its file). */
const coreLayers = [
  ["store"], // the kernel: the log, its ports, in-memory adapters, who and which command it records
  ["domain"], // ids, parties, policy, scope, refusals
  ["engagement", "mentor", "mentee"], // the aggregates: events, state, evolve
  ["decision"], // commands, the decision, the deciders over the three aggregates
  ["handling"], // command handling, the event codec, idempotency
  ["projection"], // projections and their runner
  ["readmodel"], // the built-in read models
  ["Stint.ts"], // the application service
  ["Feed.ts", "Queries.ts", "process"] // what hosts call over the service and the read models
]
const layerOf = new Map(coreLayers.flatMap((folders, rank) => folders.map((f) => [f, rank])))

const sourceFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(path)
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : []
  })

const importsOf = (file) =>
  ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.map((i) => i.fileName)

const violations = []
const add = (file, specifier, why) => violations.push(`${relative(root, file)} -> ${specifier}: ${why}`)

// Packages.
for (const [name, allowed] of Object.entries(packages)) {
  for (const file of sourceFiles(join(root, "packages", name, "src"))) {
    for (const specifier of importsOf(file)) {
      const target = /^@stint\/([^/]+)/.exec(specifier)?.[1]
      if (target === undefined || target === name) continue
      if (!allowed.includes(target))
        add(file, specifier, `@stint/${name} may import only ${allowed.join(", ") || "no Stint package"}`)
    }
  }
}
// Examples, bench and docs: packages only, and no example imports another.
for (const dir of ["examples", "bench", "docs"]) {
  for (const file of sourceFiles(join(root, dir))) {
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith(".")) {
        const target = relative(root, resolve(dirname(file), specifier))
        const [top, example] = relative(root, file).split("/")
        const other = top === "examples" && target.startsWith("examples/") && !target.startsWith(`examples/${example}/`)
        if (other) add(file, specifier, "an example imports another")
        if (target.startsWith("packages/")) add(file, specifier, "import packages by name, not by path")
      }
    }
  }
}
for (const name of Object.keys(packages)) {
  for (const file of sourceFiles(join(root, "packages", name, "src"))) {
    for (const specifier of importsOf(file)) {
      if (/^@stint\/example/.test(specifier) || /\/examples\//.test(specifier))
        add(file, specifier, "a package imports an example")
    }
  }
}

// Core's layers, and cycles between folders of every package.
/** A file's folder under `src` (a file at the top is its own "folder"). */
const folderOf = (srcDir, file) => relative(srcDir, file).split("/")[0]
for (const name of Object.keys(packages)) {
  const srcDir = join(root, "packages", name, "src")
  const edges = new Map()
  for (const file of sourceFiles(srcDir)) {
    const from = folderOf(srcDir, file)
    for (const specifier of importsOf(file)) {
      if (!specifier.startsWith(".")) continue
      const to = folderOf(srcDir, resolve(dirname(file), specifier).replace(/\.js$/, ".ts"))
      if (from === to || from === "index.ts") continue
      if (!edges.has(from)) edges.set(from, new Map())
      const list = edges.get(from).get(to) ?? []
      edges.get(from).set(to, [...list, [file, specifier]])
      if (name === "core" && layerOf.has(from) && layerOf.has(to) && layerOf.get(to) > layerOf.get(from)) {
        add(file, specifier, `${from} is below ${to} in core's layers`)
      }
    }
  }
  // A cycle between two folders of one layer (the layers themselves catch the rest).
  for (const [from, targets] of edges) {
    for (const [to, sites] of targets) {
      // Public modules at the top of `src` may use `internal/`, and `internal/` their types: not a cycle.
      const folders = !from.endsWith(".ts") || layerOf.has(from) ? !to.endsWith(".ts") || layerOf.has(to) : false
      if (folders && from < to && edges.get(to)?.has(from) && layerOf.get(from) === layerOf.get(to)) {
        for (const [file, specifier] of [...sites, ...edges.get(to).get(from)]) {
          add(file, specifier, `${from} and ${to} import each other`)
        }
      }
    }
  }
}

const baselineFile = join(root, "scripts", "dependencies.baseline")
const baseline = new Set(
  readFileSync(baselineFile, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
)
const found = new Set(violations)
const fresh = [...found].filter((v) => !baseline.has(v))
const gone = [...baseline].filter((v) => !found.has(v))
if (process.argv.includes("--write-baseline")) {
  const header = "# Imports against the direction that the layout still has: remove a line when its import is gone.\n"
  const { writeFileSync } = await import("node:fs")
  writeFileSync(baselineFile, `${header}${[...found].sort().join("\n")}\n`)
  console.log(`dependencies: ${found.size} known violations written to ${relative(root, baselineFile)}`)
  process.exit(0)
}
for (const v of fresh) console.error(`dependency against the direction: ${v}`)
for (const v of gone) console.error(`fixed, remove it from ${relative(root, baselineFile)}: ${v}`)
if (fresh.length > 0 || gone.length > 0) process.exit(1)
console.log(`dependencies: one way (${baseline.size} known exceptions left in ${relative(root, baselineFile)})`)
