/**
 * Where the server keeps its events and read models: an SQLite file under the data directory by
 * default (created and migrated on first start), PostgreSQL when `DATABASE_URL` is set. Stint runs
 * with the built-in read models (two inline, five async) and the deadline process.
 */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import * as PgClient from "@effect/sql-pg/PgClient"
import type * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { DeadlineProcess, ReadModels, Stint } from "@stint/core"
import { SqlEventStore, SqlProjectionStore } from "@stint/sql"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { ServerConfig } from "./ServerConfig.js"

/** Which database the server runs on. */
export class StorageKind extends Context.Tag("@stint/example-server/StorageKind")<
  StorageKind,
  "sqlite" | "postgresql"
>() {}

const client = Layer.unwrapEffect(
  Effect.map(ServerConfig, (config): Layer.Layer<SqlClient.SqlClient | StorageKind, unknown> => {
    if (Option.isSome(config.databaseUrl)) {
      return Layer.merge(
        PgClient.layer({ url: config.databaseUrl.value, maxConnections: 16 }),
        Layer.succeed(StorageKind, "postgresql")
      )
    }
    mkdirSync(config.dataDir, { recursive: true })
    return Layer.merge(
      SqliteClient.layer({ filename: join(config.dataDir, "stint.db") }),
      Layer.succeed(StorageKind, "sqlite")
    )
  })
)

/** Stint with its read models, on the configured database; migrations run as it starts. */
export const layer = Stint.layerWithProjections(SqlEventStore.layer(), { projections: ReadModels.options() }).pipe(
  Layer.provideMerge(SqlProjectionStore.layer()),
  Layer.provideMerge(client)
)

/** The deadline process, every `STINT_DEADLINE_INTERVAL`. */
export const deadlines = Layer.unwrapEffect(
  Effect.map(ServerConfig, (config) => DeadlineProcess.layer({ interval: config.deadlineInterval }))
)
