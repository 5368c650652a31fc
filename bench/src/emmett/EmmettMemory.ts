/**
 * Emmett's in-memory event store (`getInMemoryEventStore` from `@event-driven-io/emmett`), the peer of
 * Stint's memory store. It has no global read API, so it has no scan row.
 */
import { getInMemoryEventStore } from "@event-driven-io/emmett"
import type { Subject } from "../Subject.js"
import * as EmmettLoop from "./EmmettLoop.js"

export const make = async (): Promise<Subject> => {
  const store = getInMemoryEventStore()
  return {
    run: (loops) => EmmettLoop.run(store, loops),
    scan: undefined,
    settings: async () => ({ durability: "none (process memory)" }),
    close: async () => {}
  }
}
