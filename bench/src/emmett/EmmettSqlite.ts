/**
 * Emmett on SQLite (`getSQLiteEventStore` from `@event-driven-io/emmett-sqlite`, on the `sqlite3`
 * driver), in its two connection modes: the default, which opens a new connection for every
 * operation, and one shared long-lived connection (`connectionOptions: { singleton: true, connection }`).
 * Emmett sets WAL on each connection and leaves `synchronous` at the driver's default, which we read
 * back; the shared connection is set to FULL explicitly. The global read is Emmett's
 * `readMessagesBatch`, the function its consumers pull with.
 */
import {
  getSQLiteEventStore,
  readMessagesBatch,
  type SQLiteConnection,
  sqliteConnection
} from "@event-driven-io/emmett-sqlite"
import type { Subject } from "../Subject.js"
import * as EmmettLoop from "./EmmettLoop.js"

/**
 * Runs Emmett with its `console.log` of failed transactions (it logs every error it rethrows) kept off
 * the bench's output; the error itself still fails the run and is reported in the table.
 */
const quietly = async <A>(run: () => Promise<A>): Promise<A> => {
  const log = console.log
  console.log = (...args: Array<unknown>) => {
    if (!(args[0] instanceof Error)) log(...args)
  }
  try {
    return await run()
  } finally {
    console.log = log
  }
}

/** Reads the durability settings of a connection opened the way Emmett opens its own. */
const settingsOf = async (connection: SQLiteConnection): Promise<Record<string, string>> => {
  const journal = await connection.querySingle<{ journal_mode: string }>("PRAGMA journal_mode")
  const synchronous = await connection.querySingle<{ synchronous: number }>("PRAGMA synchronous")
  return { journal_mode: String(journal?.journal_mode), synchronous: String(synchronous?.synchronous) }
}

const scanWith = async (
  connection: SQLiteConnection,
  check: Parameters<NonNullable<Subject["scan"]>>[0],
  batchSize: number
) => {
  let after = 0n
  for (;;) {
    const batch = await readMessagesBatch(connection, { after, batchSize })
    for (const message of batch.messages) {
      check.add(
        message.metadata.streamName,
        Number(message.metadata.streamPosition),
        0n,
        message.metadata.globalPosition
      )
    }
    if (batch.messages.length < batchSize) return
    after = batch.currentGlobalPosition
  }
}

/** Emmett's default mode: a new connection per operation. */
export const makeDefault = async (filename: string): Promise<Subject> => {
  const store = getSQLiteEventStore({ fileName: filename })
  await store.schema.migrate()
  return {
    run: (loops) => quietly(() => EmmettLoop.run(store, loops)),
    scan: async (check, batchSize) => {
      // A consumer reads through one connection for the whole pull; so does this scan.
      const connection = sqliteConnection({ fileName: filename })
      try {
        await scanWith(connection, check, batchSize)
      } finally {
        connection.close()
      }
    },
    settings: async () => {
      const probe = sqliteConnection({ fileName: filename })
      try {
        return { ...(await settingsOf(probe)), connections: "one per operation (Emmett default)" }
      } finally {
        probe.close()
      }
    },
    close: async () => {}
  }
}

/** Emmett with one shared, long-lived connection. */
export const makeShared = async (filename: string): Promise<Subject> => {
  const connection = sqliteConnection({ fileName: filename })
  await connection.command("PRAGMA synchronous = FULL")
  const store = getSQLiteEventStore({ fileName: filename, connectionOptions: { singleton: true, connection } })
  await store.schema.migrate()
  return {
    run: (loops) => quietly(() => EmmettLoop.run(store, loops)),
    scan: (check, batchSize) => scanWith(connection, check, batchSize),
    settings: async () => ({ ...(await settingsOf(connection)), connections: "one shared" }),
    close: async () => {
      connection.close()
    }
  }
}
