/**
 * Where the server keeps its events and read models: an SQLite file under the data directory by
 * default (created and migrated on first start), PostgreSQL when `DATABASE_URL` is set. Stint runs
 * with the built-in read models (two inline, five async) and the deadline process.
 */
import { DeadlineProcess } from "@stint/core"
import { SqlStint } from "@stint/sql"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ServerConfig } from "./ServerConfig.js"

/** How the server opens Stint: the built-in read models, and a PostgreSQL pool of 16 connections. */
export const options: SqlStint.Options = { maxConnections: 16 }

/** Stint with its read models, on the configured database; migrations run as it starts. */
export const layer = Layer.unwrapEffect(Effect.map(ServerConfig, (config) => SqlStint.layer(config.database, options)))

/** The deadline process, every `STINT_DEADLINE_INTERVAL`. */
export const deadlines = Layer.unwrapEffect(
  Effect.map(ServerConfig, (config) => DeadlineProcess.layer({ interval: config.deadlineInterval }))
)
