/**
 * How every store runs its SQL: on the caller's transaction's connection when there is one, else on
 * a connection reserved for the call; and transactions that join the caller's or begin their own.
 *
 * Statements go straight to the driver's connection (which prepares and caches them), not through
 * @effect/sql's statement builder: that costs about 20 µs a statement, more than SQLite itself takes
 * for most of them. The SQL is fixed text, written with `?` and numbered for PostgreSQL by the
 * dialect; rows come back as the driver returns them, untouched by a host's name transforms.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlConnection from "@effect/sql/SqlConnection"
import type { SqlError } from "@effect/sql/SqlError"
import type { StoreError } from "@stint/core/StoreError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Dialect from "./Dialect.js"

/** The `SqlClient` in context, its dialect, and the ways to run statements on it. */
export interface Execution {
  readonly sql: SqlClient.SqlClient
  readonly dialect: Dialect.Dialect
  /** Runs `f` on the ambient transaction's connection (`inTransaction`), else on one reserved for the call. */
  readonly onConnection: <A, E, R>(
    f: (connection: SqlConnection.Connection, inTransaction: boolean) => Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | SqlError, R>
  /**
   * Runs `body` in a transaction: the caller's when there is one, else its own, begun with the
   * dialect's `begin` and committed when `body` succeeds (rolled back otherwise, and if the commit
   * fails). `body` sees it as `TransactionConnection`, so whatever it runs (`sql`, the stores) joins it.
   */
  readonly transaction: <A, E, R>(
    body: (connection: SqlConnection.Connection) => Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | SqlError, R>
}

/** Runs one statement on the connection, prepared (and cached) by the driver; the rows as it returns them. */
export const query = <A extends object>(
  connection: SqlConnection.Connection,
  statement: string,
  params: ReadonlyArray<unknown> = []
): Effect.Effect<ReadonlyArray<A>, SqlError> =>
  connection.execute(statement, params, undefined) as Effect.Effect<ReadonlyArray<A>, SqlError>

/** Runs one statement the driver need not keep prepared (schema changes, run once). */
export const unprepared = <A extends object>(
  connection: SqlConnection.Connection,
  statement: string,
  params: ReadonlyArray<unknown> = []
): Effect.Effect<ReadonlyArray<A>, SqlError> =>
  connection.executeUnprepared(statement, params, undefined) as Effect.Effect<ReadonlyArray<A>, SqlError>

/** The execution layer over a client whose dialect is known. */
export const make = (sql: SqlClient.SqlClient, dialect: Dialect.Dialect): Execution => {
  const onConnection = <A, E, R>(
    f: (connection: SqlConnection.Connection, inTransaction: boolean) => Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | SqlError, R> =>
    Effect.flatMap(Effect.serviceOption(SqlClient.TransactionConnection), (outer) =>
      Option.isSome(outer) ? f(outer.value[0], true) : Effect.scoped(Effect.flatMap(sql.reserve, (c) => f(c, false)))
    )

  const transaction = <A, E, R>(
    body: (connection: SqlConnection.Connection) => Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | SqlError, R> =>
    onConnection((connection, inTransaction) => {
      if (inTransaction) return body(connection)
      const run = (statement: string) => query(connection, statement)
      return Effect.uninterruptibleMask((restore) =>
        Effect.zipRight(
          run(dialect.begin),
          Effect.flatMap(
            Effect.exit(
              restore(Effect.provideService(body(connection), SqlClient.TransactionConnection, [connection, 1]))
            ),
            (exit) =>
              exit._tag === "Success"
                ? Effect.zipRight(run("COMMIT").pipe(Effect.tapError(() => Effect.ignore(run("ROLLBACK")))), exit)
                : Effect.zipRight(Effect.ignore(run("ROLLBACK")), exit)
          )
        )
      )
    })

  return { sql, dialect, onConnection, transaction }
}

/** The execution layer over the `SqlClient` in context; a database other than SQLite or PostgreSQL fails. */
export const fromContext: Effect.Effect<Execution, StoreError, SqlClient.SqlClient> = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => Effect.map(Dialect.detect(sql), (dialect) => make(sql, dialect))
)
