/**
 * The facts a reader needs to judge the numbers: the machine, the runtime, the database engines and
 * the exact package versions, read from the installed `package.json` files rather than typed in.
 */
import { readFileSync } from "node:fs"
import { availableParallelism, cpus, release, totalmem } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import Database from "better-sqlite3"
import sqlite3 from "sqlite3"

const benchDirectory = join(dirname(fileURLToPath(import.meta.url)), "..")

/** The packages whose versions the report names. */
const packages = [
  "effect",
  "@effect/sql",
  "@effect/sql-sqlite-node",
  "@effect/sql-pg",
  "@stint/core",
  "@stint/sql",
  "@event-driven-io/emmett",
  "@event-driven-io/emmett-sqlite",
  "@event-driven-io/emmett-postgresql",
  "@event-driven-io/dumbo",
  "better-sqlite3",
  "sqlite3",
  "pg",
  "esbuild"
] as const

const versionOf = (name: string): string => {
  try {
    const text = readFileSync(join(benchDirectory, "node_modules", name, "package.json"), "utf8")
    return (JSON.parse(text) as { version?: string }).version ?? "unknown"
  } catch {
    return "not installed"
  }
}

export interface Facts {
  readonly date: string
  readonly cpus: number
  readonly cpuModel: string
  readonly totalMemoryGiB: number
  readonly node: string
  readonly platform: string
  readonly sqliteBetter: string
  readonly sqliteNode: string
  readonly packages: ReadonlyArray<readonly [string, string]>
}

export const facts = (): Facts => {
  const db = new Database(":memory:")
  const sqliteBetter = String(db.prepare("SELECT sqlite_version() AS v").pluck().get())
  db.close()
  return {
    date: new Date().toISOString(),
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? "unknown",
    totalMemoryGiB: totalmem() / 1024 ** 3,
    node: process.version,
    platform: `${process.platform} ${release()} ${process.arch}`,
    sqliteBetter,
    sqliteNode: sqlite3.VERSION,
    packages: packages.map((name) => [name, versionOf(name)] as const)
  }
}
