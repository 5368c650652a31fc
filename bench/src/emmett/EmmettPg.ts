/**
 * Emmett on PostgreSQL (`getPostgreSQLEventStore` from `@event-driven-io/emmett-postgresql`), pooled
 * as it is by default; we hand it the dumbo pool ourselves only so the scan can read through the same
 * pool with Emmett's `readMessagesBatch`, the function its consumers pull with.
 */
import { dumbo } from "@event-driven-io/dumbo"
import { getPostgreSQLEventStore, readMessagesBatch } from "@event-driven-io/emmett-postgresql"
import type { Subject } from "../Subject.js"
import * as EmmettLoop from "./EmmettLoop.js"

export const make = async (url: string): Promise<Subject> => {
  const pool = dumbo({ connectionString: url })
  const store = getPostgreSQLEventStore(url, { connectionOptions: { dumbo: pool } })
  await store.schema.migrate()
  return {
    run: (loops) => EmmettLoop.run(store, loops),
    scan: async (check, batchSize) => {
      // Emmett orders by (transaction id, global position) and exposes only the position.
      check.orderKnown = false
      let after = 0n
      for (;;) {
        const batch = await readMessagesBatch(pool.execute, { after, batchSize })
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
    },
    settings: async () => ({ connections: "dumbo pool (Emmett default)" }),
    close: async () => {
      await store.close()
    }
  }
}
