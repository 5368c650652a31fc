/**
 * PostgreSQL: the transaction-scoped advisory lock between appends and inline projections. Every
 * append of a store with inline projections holds it shared, so its events and the documents they
 * change commit together; a projection switching to inline takes it alone, so no append is halfway
 * while the switch decides what the projection has seen. (SQLite has one writer: nothing to lock.)
 */
import type * as Tables from "../Tables.js"

const key = (tables: Tables.Tables) => `hashtextextended('${tables.prefix}inline', 0)`

/** Taken by an append, in its transaction. */
export const shared = (tables: Tables.Tables): string =>
  `SELECT pg_advisory_xact_lock_shared(${key(tables)})::text AS locked`

/** Taken by an inline switch (`ProjectionStore.exclusive`), in its transaction. */
export const exclusive = (tables: Tables.Tables): string =>
  `SELECT pg_advisory_xact_lock(${key(tables)})::text AS locked`
