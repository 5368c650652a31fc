/**
 * The server's configuration, from the environment, with a clear error for every bad value:
 *
 * | variable | default | |
 * |---|---|---|
 * | `PORT` | 3000 | |
 * | `HOST` | 127.0.0.1 | loopback unless you say otherwise |
 * | `STINT_DATA_DIR` | `./data` | the SQLite file (`stint.db`) and the development secret live here |
 * | `DATABASE_URL` | (none) | `postgres://…` switches to PostgreSQL |
 * | `STINT_ENV` | development | `production` refuses to start without `STINT_SECRET` |
 * | `STINT_SECRET` | (development: generated into the data directory) | signs tokens |
 * | `STINT_MAX_BODY_BYTES` | 65536 | larger bodies get 413 |
 * | `STINT_DEADLINE_INTERVAL` | 1 minute | how often the deadline process looks |
 * | `STINT_SEED` | true | seed a new database with a few mentors and mentees |
 * | `STINT_LOG_REQUESTS` | false | one JSON log line per request (errors are always logged) |
 */
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Database } from "@stint/sql"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TokenScheme from "./TokenScheme.js"

export interface ServerConfigShape {
  readonly port: number
  readonly host: string
  readonly dataDir: string
  /** `DATABASE_URL` when set (PostgreSQL, or an SQLite path), else `stint.db` in the data directory. */
  readonly database: Database.Target
  readonly production: boolean
  readonly secret: Redacted.Redacted
  readonly maxBodyBytes: number
  readonly deadlineInterval: Duration.Duration
  readonly seed: boolean
  readonly logRequests: boolean
}

export class ServerConfig extends Context.Tag("@stint/example-server/ServerConfig")<
  ServerConfig,
  ServerConfigShape
>() {}

const portConfig = Config.integer("PORT").pipe(
  Config.withDefault(3000),
  Config.validate({ message: "PORT must be from 0 (any free port) to 65535", validation: (n) => n >= 0 && n <= 65535 })
)

/** The development secret: made once per data directory, so minted tokens survive restarts. */
export const developmentSecret = (dataDir: string): string => {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, TokenScheme.secretFileName)
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 })
  return readFileSync(file, "utf8").trim()
}

export const load = Effect.gen(function* () {
  const port = yield* portConfig
  const host = yield* Config.string("HOST").pipe(Config.withDefault("127.0.0.1"))
  const dataDir = resolve(yield* Config.string("STINT_DATA_DIR").pipe(Config.withDefault("data")))
  const databaseUrl = yield* Config.option(Config.redacted("DATABASE_URL"))
  const database: Database.Target = Option.isNone(databaseUrl)
    ? { kind: "sqlite", filename: join(dataDir, "stint.db") }
    : yield* Database.parse(Redacted.value(databaseUrl.value)).pipe(
        Effect.mapError((error) => ConfigError.InvalidData(["DATABASE_URL"], error.reason))
      )
  const environment = yield* Config.literal(
    "development",
    "production"
  )("STINT_ENV").pipe(Config.withDefault("development" as const))
  const production = environment === "production"
  const given = yield* Config.option(Config.redacted("STINT_SECRET"))
  if (Option.isSome(given) && Redacted.value(given.value).length < 32) {
    return yield* Effect.fail(ConfigError.InvalidData(["STINT_SECRET"], "must be at least 32 characters"))
  }
  if (production && Option.isNone(given)) {
    return yield* Effect.fail(
      ConfigError.MissingData(
        ["STINT_SECRET"],
        "STINT_ENV=production needs STINT_SECRET (32+ characters) to sign tokens"
      )
    )
  }
  const secret = Option.isSome(given) ? given.value : Redacted.make(developmentSecret(dataDir))
  const maxBodyBytes = yield* Config.integer("STINT_MAX_BODY_BYTES").pipe(
    Config.withDefault(65_536),
    Config.validate({
      message: "STINT_MAX_BODY_BYTES must be from 1024 to 16777216",
      validation: (n) => n >= 1024 && n <= 16_777_216
    })
  )
  const deadlineInterval = yield* Config.duration("STINT_DEADLINE_INTERVAL").pipe(
    Config.withDefault(Duration.minutes(1))
  )
  const seed = yield* Config.boolean("STINT_SEED").pipe(Config.withDefault(true))
  const logRequests = yield* Config.boolean("STINT_LOG_REQUESTS").pipe(Config.withDefault(false))
  return ServerConfig.of({
    port,
    host,
    dataDir,
    database,
    production,
    secret,
    maxBodyBytes,
    deadlineInterval,
    seed,
    logRequests
  })
})

export const layer = Layer.effect(ServerConfig, load)
