/**
 * Projection leases: one runner at a time per projection. On PostgreSQL a lease is a session advisory
 * lock on one connection the store reserves for them (locks end with the connection, so a dead
 * process frees its projections); elsewhere, and in this process always, a set of names. A failed
 * lease statement drops that connection (the database may have restarted, taking the locks with it):
 * the next attempt reserves a new one.
 */
import type * as SqlConnection from "@effect/sql/SqlConnection"
import type { SqlError } from "@effect/sql/SqlError"
import { StoreError } from "@stint/core/StoreError"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import type * as Tables from "../Tables.js"
import * as Execution from "./Execution.js"

/** `lease(name)`: true while held (released with the scope), false when another runner holds it. */
export const make = (
  execution: Execution.Execution,
  tables: Tables.Tables
): Effect.Effect<(name: string) => Effect.Effect<boolean, StoreError, Scope.Scope>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { sql, dialect } = execution
    const pg = dialect.name === "pg"
    const query = Execution.query
    const t = tables
    const storeError = (method: string) => (cause: SqlError) => new StoreError({ method, cause })
    const storeScope = yield* Effect.scope
    let held: { readonly connection: SqlConnection.Connection; readonly scope: Scope.CloseableScope } | undefined
    const leaseConnection = Effect.suspend(() => {
      if (held !== undefined) return Effect.succeed(held.connection)
      return Effect.flatMap(Scope.fork(storeScope, ExecutionStrategy.sequential), (scope) =>
        Effect.map(Scope.extend(sql.reserve, scope), (connection) => {
          held = { connection, scope }
          return connection
        })
      )
    })
    const dropLeaseConnection = Effect.suspend(() => {
      const dropped = held
      held = undefined
      return dropped === undefined ? Effect.void : Scope.close(dropped.scope, Exit.void)
    })
    const leaseTurn = yield* Effect.makeSemaphore(1)
    const localLeases = new Set<string>()
    const leaseKey = (name: string) => `${t.prefix}projection:${name}`
    const onLeaseConnection = <A>(statement: string, name: string) =>
      leaseTurn.withPermits(1)(
        Effect.flatMap(leaseConnection, (c) => query<A & object>(c, statement, [leaseKey(name)])).pipe(
          Effect.tapError(() => dropLeaseConnection)
        )
      )
    const lease = (name: string) =>
      Effect.acquireRelease(
        Effect.gen(function* () {
          if (localLeases.has(name)) return false
          if (pg) {
            const [row] = yield* onLeaseConnection<{ held: boolean }>(
              "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held",
              name
            )
            if (!row?.held) return false
          }
          localLeases.add(name)
          return true
        }).pipe(Effect.mapError(storeError("ProjectionStore.lease"))),
        (acquired) =>
          acquired
            ? Effect.suspend(() => {
                localLeases.delete(name)
                return pg
                  ? Effect.ignore(onLeaseConnection("SELECT pg_advisory_unlock(hashtextextended($1, 0))", name))
                  : Effect.void
              })
            : Effect.void
      )
    return lease
  })
