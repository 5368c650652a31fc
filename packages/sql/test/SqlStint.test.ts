/**
 * Opening Stint by one database string: the strings `Database.parse` accepts and refuses, and
 * `SqlStint.layer` running a command with its read models on a real SQLite file and PostgreSQL.
 */
import { Actor, Ids, MentorLoad, Projections, Stint } from "@stint/core"
import { Database, SqlStint } from "@stint/sql"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { backends, temporaryDirectory } from "./fixtures.js"

describe("Database.parse", () => {
  it("reads PostgreSQL URLs, keeping them redacted", () => {
    for (const url of ["postgres://u:p@127.0.0.1:5432/db", "postgresql://127.0.0.1/db"]) {
      const target = Either.getOrThrow(Database.parse(url))
      assert.strictEqual(target.kind, "postgresql")
      assert.strictEqual(target.kind === "postgresql" && Redacted.value(target.url), url)
      assert.notInclude(String(target.kind === "postgresql" && target.url), "p@")
    }
  })

  it("reads SQLite paths, with or without the sqlite: scheme, and :memory:", () => {
    const cwd = process.cwd()
    assert.deepStrictEqual(Either.getOrThrow(Database.parse("data/stint.db")), {
      kind: "sqlite",
      filename: `${cwd}/data/stint.db`
    })
    assert.deepStrictEqual(Either.getOrThrow(Database.parse("sqlite:/tmp/a.db")), {
      kind: "sqlite",
      filename: "/tmp/a.db"
    })
    assert.deepStrictEqual(Either.getOrThrow(Database.parse("sqlite:///tmp/a.db")), {
      kind: "sqlite",
      filename: "/tmp/a.db"
    })
    assert.deepStrictEqual(Either.getOrThrow(Database.parse(":memory:")), { kind: "sqlite", filename: ":memory:" })
  })

  it("refuses empty strings, other schemes and hostless URLs, without printing a password", () => {
    for (const url of ["", "  ", "mysql://u:secret@127.0.0.1/db", "postgres://", "sqlite:"]) {
      const result = Database.parse(url)
      assert.isTrue(Either.isLeft(result), url)
      if (Either.isLeft(result)) {
        assert.strictEqual(result.left._tag, "InvalidDatabaseUrl")
        assert.notInclude(result.left.message, "secret")
      }
    }
    assert.strictEqual(Database.redact("postgres://stint:hunter2@127.0.0.1/db"), "postgres://stint:***@127.0.0.1/db")
    // An "@" in the password, and passwords as query parameters (the pg driver reads those too).
    assert.strictEqual(
      Database.redact("postgres://stint:p@ss@db.internal/stint"),
      "postgres://stint:***@db.internal/stint"
    )
    assert.strictEqual(
      Database.redact("postgres://stint@db.internal/stint?password=hunter2&sslpassword=x&application_name=a"),
      "postgres://stint@db.internal/stint?password=***&sslpassword=***&application_name=a"
    )
    assert.strictEqual(Database.redact("data/stint.db"), "data/stint.db")
  })
})

describe("SqlStint.layer", () => {
  for (const backend of backends) {
    it.live.skipIf(backend.skip)(`${backend.name}: commands and read models on one database string`, () =>
      Effect.gen(function* () {
        const database =
          backend.name === "SQLite"
            ? `sqlite:${yield* temporaryDirectory}/nested/dir/stint.db` // the directory is created
            : yield* backend.database
        const ana = Ids.UserId.make("ana")
        const { kind, load } = yield* Effect.gen(function* () {
          const stint = yield* Stint.Stint
          yield* stint.execute(
            { _tag: "RegisterMentor", mentorId: ana, areas: [Ids.Area.make("typescript")] },
            { actor: Actor.user(ana) }
          )
          const projections = yield* Projections.Projections
          yield* projections.catchUp()
          return {
            kind: yield* Database.DatabaseKind,
            load: yield* projections.view(MentorLoad.readModel, ana, Actor.user(ana))
          }
        }).pipe(Effect.provide(SqlStint.layer(database, { maxConnections: 4 })))
        assert.strictEqual(kind, backend.name === "SQLite" ? "sqlite" : "postgresql")
        assert.isTrue(Option.isSome(load))
      }).pipe(Effect.scoped)
    )
  }

  it.live("a bad string fails the layer with InvalidDatabaseUrl", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Effect.provide(Stint.Stint, SqlStint.layer("mysql://127.0.0.1/db")).pipe(Effect.scoped)
      )
      assert.strictEqual(error._tag, "InvalidDatabaseUrl")
    })
  )
})
