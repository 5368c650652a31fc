/**
 * The SQLite ceiling: better-sqlite3 on one connection, no framework. One table with a global
 * position and UNIQUE (stream_id, version); per command, read the stream's rows, decide, and INSERT
 * one row with the next version in autocommit — the unique constraint is the expected-version check.
 * WAL and `synchronous = FULL`, as Stint and Emmett run.
 */
import { randomUUID } from "node:crypto"
import Database from "better-sqlite3"
import * as Memory from "../Memory.js"
import { type RunStats, runLoops, type Subject } from "../Subject.js"
import type * as Workload from "../Workload.js"
import * as RawLoop from "./RawLoop.js"

interface StreamRow {
  readonly version: number
  readonly type: string
  readonly data: string
  readonly metadata: string
}

interface LogRow {
  readonly position: number
  readonly stream_id: string
  readonly version: number
  readonly type: string
  readonly data: string
  readonly metadata: string
}

const isUniqueViolation = (error: unknown): boolean =>
  (error as { code?: unknown } | undefined)?.code === "SQLITE_CONSTRAINT_UNIQUE"

export const make = async (filename: string): Promise<Subject> => {
  const db = new Database(filename)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = FULL")
  db.pragma("busy_timeout = 5000")
  db.exec(`CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY,
    stream_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    metadata TEXT NOT NULL,
    UNIQUE (stream_id, version)
  )`)
  const selectStream = db.prepare<[string], StreamRow>(
    "SELECT version, type, data, metadata FROM events WHERE stream_id = ? ORDER BY version"
  )
  const insert = db.prepare(
    "INSERT INTO events (stream_id, version, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)"
  )
  const selectPage = db.prepare<[number, number], LogRow>(
    "SELECT position, stream_id, version, type, data, metadata FROM events WHERE position > ? ORDER BY position LIMIT ?"
  )

  const store: RawLoop.RawStore = {
    read: (streamId) =>
      selectStream.all(streamId).map((row) => ({
        version: row.version,
        type: row.type,
        data: JSON.parse(row.data) as unknown,
        metadata: JSON.parse(row.metadata) as unknown
      })),
    insert: (streamId, version, event, metadata) => {
      try {
        insert.run(streamId, version, randomUUID(), event.type, JSON.stringify(event.data), JSON.stringify(metadata))
        return true
      } catch (error) {
        if (!isUniqueViolation(error)) throw error
        return false
      }
    }
  }

  const run = async (loops: ReadonlyArray<ReadonlyArray<Workload.Engagement>>): Promise<RunStats> => {
    const stats = { events: 0, conflicts: 0 }
    await runLoops(loops, (engagement) => RawLoop.drive(store, engagement, stats), Memory.tick)
    return { commands: stats.events, events: stats.events, conflicts: stats.conflicts }
  }

  return {
    run,
    scan: async (check, batchSize) => {
      let after = 0
      for (;;) {
        const rows = selectPage.all(after, batchSize)
        for (const row of rows) {
          JSON.parse(row.data)
          JSON.parse(row.metadata)
          check.add(row.stream_id, row.version, 0n, BigInt(row.position))
        }
        if (rows.length < batchSize) return
        after = rows[rows.length - 1]!.position
        await Promise.resolve()
      }
    },
    settings: async () => ({
      journal_mode: String(db.pragma("journal_mode", { simple: true })),
      synchronous: String(db.pragma("synchronous", { simple: true }))
    }),
    close: async () => {
      db.close()
    }
  }
}
