/**
 * The PostgreSQL ceiling: `pg`, no framework. One table with an identity position and UNIQUE
 * (stream_id, version); per command, SELECT the stream's rows, decide, and INSERT one row with the
 * next version as a single autocommit statement — the unique constraint is the expected-version check.
 * One client for the sequential loop, a `pg.Pool` of 8 for the concurrent loops; server defaults.
 */
import { randomUUID } from "node:crypto"
import pg from "pg"
import * as Memory from "../Memory.js"
import { type RunStats, runLoops, type Subject } from "../Subject.js"
import * as Workload from "../Workload.js"
import * as RawLoop from "./RawLoop.js"

interface StreamRow {
  readonly version: number
  readonly type: string
  readonly data: unknown
  readonly metadata: unknown
}

interface LogRow {
  readonly position: string
  readonly stream_id: string
  readonly version: number
  readonly type: string
  readonly data: unknown
  readonly metadata: unknown
}

const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown } | undefined)?.code === "23505"

export const make = async (url: string): Promise<Subject> => {
  const setup = new pg.Client({ connectionString: url })
  await setup.connect()
  await setup.query(`CREATE TABLE IF NOT EXISTS events (
    position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    data JSONB NOT NULL,
    metadata JSONB NOT NULL,
    UNIQUE (stream_id, version)
  )`)
  const pool = new pg.Pool({ connectionString: url, max: Workload.concurrentLoops })

  const storeOn = (db: pg.ClientBase | pg.Pool): RawLoop.RawStore => ({
    read: async (streamId) =>
      (
        await db.query<StreamRow>(
          "SELECT version, type, data, metadata FROM events WHERE stream_id = $1 ORDER BY version",
          [streamId]
        )
      ).rows,
    insert: async (streamId, version, event, metadata) => {
      try {
        await db.query(
          "INSERT INTO events (stream_id, version, event_id, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6)",
          [streamId, version, randomUUID(), event.type, JSON.stringify(event.data), JSON.stringify(metadata)]
        )
        return true
      } catch (error) {
        if (!isUniqueViolation(error)) throw error
        return false
      }
    }
  })

  const run = async (loops: ReadonlyArray<ReadonlyArray<Workload.Engagement>>): Promise<RunStats> => {
    const stats = { events: 0, conflicts: 0 }
    // One loop: one connection, as a single command loop would hold; several loops share the pool.
    const db = loops.length === 1 ? setup : pool
    const store = storeOn(db)
    await runLoops(loops, (engagement) => RawLoop.drive(store, engagement, stats), Memory.tick)
    return { commands: stats.events, events: stats.events, conflicts: stats.conflicts }
  }

  return {
    run,
    scan: async (check, batchSize) => {
      let after = "0"
      for (;;) {
        const { rows } = await setup.query<LogRow>(
          "SELECT position, stream_id, version, type, data, metadata FROM events WHERE position > $1 ORDER BY position LIMIT $2",
          [after, batchSize]
        )
        for (const row of rows) check.add(row.stream_id, row.version, 0n, BigInt(row.position))
        if (rows.length < batchSize) return
        after = rows[rows.length - 1]!.position
      }
    },
    settings: async () => {
      const { rows } = await setup.query<{ name: string; setting: string }>(
        "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes')"
      )
      return Object.fromEntries(rows.map((row) => [row.name, row.setting]))
    },
    close: async () => {
      await pool.end()
      await setup.end()
    }
  }
}
