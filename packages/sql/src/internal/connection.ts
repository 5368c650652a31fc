/**
 * Running fixed SQL on the driver's connection: the caller's transaction when there is one, else a
 * connection reserved for the call; and transactions that take SQLite's write lock up front.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlConnection from "@effect/sql/SqlConnection"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

export type Dialect = "sqlite" | "pg"

export const make = (sql: SqlClient.SqlClient, dialect: Dialect) => {
  /** `?` placeholders, numbered `$n` for PostgreSQL. */
  const text = (statement: string): string => {
    if (dialect === "sqlite") return statement
    let n = 0
    return statement.replace(/\?/g, () => `$${++n}`)
  }

  /** Runs `f` on the ambient transaction's connection, else on one reserved for the call. */
  const onConnection = <A, E, R>(
    f: (connection: SqlConnection.Connection, inTransaction: boolean) => Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | SqlError, R> =>
    Effect.flatMap(Effect.serviceOption(SqlClient.TransactionConnection), (outer) =>
      Option.isSome(outer) ? f(outer.value[0], true) : Effect.scoped(Effect.flatMap(sql.reserve, (c) => f(c, false)))
    )

  const query = <A extends object>(
    connection: SqlConnection.Connection,
    statement: string,
    params: ReadonlyArray<unknown> = []
  ): Effect.Effect<ReadonlyArray<A>, SqlError> =>
    connection.execute(statement, params, undefined) as Effect.Effect<ReadonlyArray<A>, SqlError>

  /**
   * Runs `body` in a transaction (joining the caller's when there is one). SQLite begins with
   * `IMMEDIATE`, taking the write lock first, so a transaction that reads and then writes never has to
   * upgrade its lock (where SQLite fails at once instead of waiting). `body` sees the transaction as
   * `TransactionConnection`, so everything it runs (`sql`, the stores) joins it.
   */
  const transaction = <A, E, R>(
    body: (connection: SqlConnection.Connection) => Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | SqlError, R> =>
    onConnection((connection, inTransaction) => {
      if (inTransaction) return body(connection)
      const run = (statement: string) => query(connection, statement)
      return Effect.uninterruptibleMask((restore) =>
        Effect.zipRight(
          run(dialect === "sqlite" ? "BEGIN IMMEDIATE" : "BEGIN"),
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

  return { text, onConnection, query, transaction }
}
