/**
 * The `stint` command end to end: a real child process (`node bin/stint.js`) against a real SQLite
 * file and a fresh PostgreSQL database, seeded in-process through the real commands. Exit codes,
 * what is printed, and what the database holds afterwards.
 */
import { existsSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { EngagementView, MentorLoad, Projections } from "@stint/core"
import { SqlStint } from "@stint/sql"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as TestDatabases from "@stint/testing/TestDatabases"
import * as StintProcess from "./support/process.js"
import * as Seed from "./support/seed.js"

const knownProjections = [
  "engagement-view",
  "session-journal",
  "mentor-load",
  "mentor-inbox",
  "mentee-network",
  "program-metrics",
  "deadlines"
]

interface StatusJson {
  readonly head: string
  readonly projections: ReadonlyArray<{
    readonly name: string
    readonly mode: "inline" | "async"
    readonly serving: { readonly generation: number; readonly eventsDone: number; readonly state: string } | null
    readonly lag: number | null
  }>
}

const statusOf = async (database: string): Promise<StatusJson> => {
  const result = await StintProcess.run(["status", "--json", "--database", database])
  assert.strictEqual(result.code, 0, result.stderr)
  return JSON.parse(result.stdout) as StatusJson
}

/** Every document of two read models (one inline, one async), read in-process. */
const documents = (database: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const projections = yield* Projections.Projections
      const load = yield* projections.list(MentorLoad.projection, { limit: 1000 })
      const views = yield* projections.list(EngagementView.projection, { limit: 1000 })
      return { load: load.items, views: views.items }
    }).pipe(Effect.provide(Seed.layer(database)))
  )

const backends = [
  { name: "SQLite", skip: false, create: async () => TestDatabases.sqliteDatabase() },
  { name: "PostgreSQL", skip: TestDatabases.pgUrl() === "", create: TestDatabases.pgDatabase }
] as const

for (const backend of backends) {
  describe.skipIf(backend.skip)(`stint on ${backend.name}`, { sequential: true }, () => {
    let database: TestDatabases.TestDatabase
    let seeded = 0
    beforeAll(async () => {
      database = await backend.create()
    })
    afterAll(async () => {
      await database?.dispose()
    })

    it("migrate creates the schema, then finds nothing to apply", async () => {
      const first = await StintProcess.run(["migrate", "--database", database.url])
      assert.strictEqual(first.code, 0, first.stderr)
      assert.include(first.stdout, "schema version 0 → 3")
      assert.include(first.stdout, "applied 1: event log, streams, commands, checkpoints")
      assert.include(first.stdout, "applied 2: projections: generations, documents, index keys")
      assert.include(first.stdout, "applied 3: commands: request fingerprints beside command ids")
      const again = await StintProcess.run(["migrate", "--database", database.url])
      assert.strictEqual(again.code, 0, again.stderr)
      assert.include(again.stdout, "schema is up to date (version 3); nothing to apply")
    })

    it("status shows lag behind the log until the projections catch up", async () => {
      // Everything caught up once, then more events that only the inline projections follow.
      seeded += await Effect.runPromise(Seed.seed(database.url, 150, { catchUp: true }))
      seeded += await Effect.runPromise(Seed.engagements(20, 1).pipe(Effect.provide(Seed.layer(database.url))))
      const behind = await statusOf(database.url)
      assert.deepStrictEqual(
        behind.projections.map((p) => p.name),
        knownProjections
      )
      for (const p of behind.projections) {
        assert.strictEqual(p.serving?.state, "live", p.name)
        if (p.mode === "inline") assert.strictEqual(p.lag, 0, p.name)
      }
      const load = behind.projections.find((p) => p.name === "mentor-load")
      assert.isAbove(load?.lag ?? 0, 200, "mentor-load lags by the last 20 engagements")

      await Effect.runPromise(
        Effect.flatMap(Projections.Projections, (p) => p.catchUp()).pipe(Effect.provide(Seed.layer(database.url)))
      )
      const caughtUp = await statusOf(database.url)
      for (const p of caughtUp.projections) assert.strictEqual(p.lag, 0, p.name)
      const table = await StintProcess.run(["status", "--database", database.url])
      assert.strictEqual(table.code, 0, table.stderr)
      assert.match(table.stdout, /^PROJECTION +VERSION +MODE +GEN +STATE +CHECKPOINT +EVENTS +LAG +BUILDING$/m)
      assert.match(table.stdout, /^mentor-load +1 +async +1 +live +\d+\.\d+ +[\d,]+ +0 +-$/m)
    })

    for (const name of ["mentor-load", "engagement-view"]) {
      it(`rebuild ${name} reports progress and ends with the same documents`, async () => {
        const before = await documents(database.url)
        assert.isAbove(before.load.length, 0)
        assert.isAbove(before.views.length, 100)
        const result = await StintProcess.run(["rebuild", name, "--database", database.url])
        assert.strictEqual(result.code, 0, result.stderr)
        // Not a terminal: one line per report (at most one a second), the first and the last always.
        const lines = result.stderr.split("\n").filter((line) => line.startsWith(`${name}: `))
        assert.isAtLeast(lines.length, 2, result.stderr)
        assert.match(lines[0]!, new RegExp(`^${name}: [\\d,]+/[\\d,]+ events`))
        assert.match(lines.at(-1)!, /^[\w-]+: ([\d,]+)\/\1 events {2}[\d,]+ ev\/s {2}ETA 0s$/)
        assert.notInclude(result.stderr, "\r", "no redrawing when stderr is not a terminal")
        assert.include(result.stderr, "generation 1 keeps serving reads until the new one has caught up")
        assert.match(
          result.stdout,
          new RegExp(
            `^rebuilt ${name}: generation 2 is live at \\d+\\.\\d+ \\([\\d,]+ events\\); [\\d.]+s, [\\d,]+ ev/s\\n$`
          )
        )
        const after = await documents(database.url)
        assert.deepStrictEqual(after, before)
        const status = await statusOf(database.url)
        const row = status.projections.find((p) => p.name === name)
        assert.strictEqual(row?.serving?.generation, 2)
        assert.strictEqual(row?.lag, 0)
      })
    }

    it("rebuild of an unknown projection exits 2 listing the known ones", async () => {
      const result = await StintProcess.run(["rebuild", "mentor-lod", "--database", database.url])
      assert.strictEqual(result.code, 2)
      assert.include(
        result.stderr,
        `stint: unknown projection "mentor-lod"; known projections: ${knownProjections.join(", ")}`
      )
      assert.strictEqual(result.stdout, "")
    })

    it("stream prints a stream's events as stored, as text or JSON lines", async () => {
      const id = `engagement-${Seed.engagementIdOf(0, 3)}`
      const text = await StintProcess.run(["stream", id, "--database", database.url])
      assert.strictEqual(text.code, 0, text.stderr)
      const lines = text.stdout.trimEnd().split("\n")
      assert.deepStrictEqual(
        lines.map((line) => line.split("  ")[2]),
        [
          "EngagementRequested",
          "EngagementAgreed",
          "SessionHeld",
          "SessionHeld",
          "WrapUpStarted",
          "NoteAdded",
          "GoalOutcomeRecorded",
          "GoalOutcomeRecorded",
          "GoalMet",
          "EngagementClosed"
        ]
      )
      for (const [i, line] of lines.entries()) assert.include(line, `${id}#${i + 1}`)
      assert.include(text.stdout, Seed.noteText, "operators see notes as stored")

      const json = await StintProcess.run(["stream", id, "--json", "--redact-notes", "--database", database.url])
      assert.strictEqual(json.code, 0, json.stderr)
      const events = json.stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as { streamId: string; version: number; type: string; data: { text?: string } })
      assert.deepStrictEqual(
        events.map((e) => e.version),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
      )
      assert.isTrue(events.every((e) => e.streamId === id))
      assert.strictEqual(events.find((e) => e.type === "NoteAdded")?.data.text, "[redacted]")
      assert.notInclude(json.stdout, Seed.noteText)

      const missing = await StintProcess.run(["stream", "engagement-nope", "--database", database.url])
      assert.strictEqual(missing.code, 1)
      assert.include(missing.stderr, "stint: stream engagement-nope has no events")
    })

    it("tail prints the events appended after it starts, and exits 0 on SIGINT", async () => {
      const tail = StintProcess.start(["tail", "--database", database.url])
      try {
        await StintProcess.waitFor("tail to start", () => tail.stderr().includes("(Ctrl-C to stop)"), {
          running: tail
        })
        assert.strictEqual(tail.stdout(), "", "nothing from before it started")
        const appended = await Effect.runPromise(Seed.engagements(1, 2).pipe(Effect.provide(Seed.layer(database.url))))
        seeded += appended
        await StintProcess.waitFor(`${appended} events`, () => tail.stdout().split("\n").length - 1 >= appended, {
          running: tail
        })
        const lines = tail.stdout().trimEnd().split("\n")
        assert.strictEqual(lines.length, appended)
        assert.include(lines[0], `engagement-${Seed.engagementIdOf(2, 0)}#1  EngagementRequested`)
        assert.include(lines.at(-1), "CooldownStarted")
      } finally {
        tail.child.kill("SIGINT")
      }
      const result = await tail.done
      assert.strictEqual(result.code, 0, result.stderr)
    })

    it("tail --from replays the log from a checkpoint", async () => {
      const tail = StintProcess.start(["tail", "--from", "0.0", "--json", "--database", database.url])
      try {
        await StintProcess.waitFor("the whole log", () => tail.stdout().split("\n").length - 1 >= seeded, {
          running: tail
        })
      } finally {
        tail.child.kill("SIGINT")
      }
      const result = await tail.done
      assert.strictEqual(result.code, 0, result.stderr)
      const checkpoints = result.stdout
        .trimEnd()
        .split("\n")
        .map((line) => (JSON.parse(line) as { checkpoint: string }).checkpoint)
      assert.strictEqual(checkpoints.length, seeded)
      assert.strictEqual(new Set(checkpoints).size, seeded, "each event once")
    })
  })
}

for (const backend of backends) {
  describe.skipIf(backend.skip)(`stint rebuild beside a running server on ${backend.name}`, () => {
    it("switches to the new generation while appends go on, and the runner follows it without losing an event", async () => {
      const database = await backend.create()
      // The server: the runners on, as the example server runs them.
      const server = ManagedRuntime.make(SqlStint.layer(database.url, { maxConnections: 4 }))
      try {
        await Effect.runPromise(Seed.seed(database.url, 60, { catchUp: true }))
        // Appends go on before, during and after the switch (interrupting between commands is safe).
        const appending = server.runFork(Seed.engagements(1000, 4))
        const result = await StintProcess.run(["rebuild", "mentor-load", "--database", database.url])
        assert.strictEqual(result.code, 0, result.stderr)
        const switched = /^rebuilt mentor-load: generation 2 is live at [\d.]+ \(([\d,]+) events\)/.exec(result.stdout)
        assert.isNotNull(switched, result.stdout)
        const servingOf = () =>
          server.runPromise(
            Effect.map(
              Effect.flatMap(Projections.Projections, (p) => p.status),
              (all) => all.find((s) => s.name === "mentor-load")?.serving
            )
          )
        // Appends go on after the switch: wait until the log has grown past it (not a fixed sleep).
        const switchedAt = Number(switched?.[1]?.replaceAll(",", ""))
        let serving = await servingOf()
        await StintProcess.waitFor("appends after the switch", () => (serving?.eventsTotal ?? 0) > switchedAt + 50, {
          progress: async () => {
            serving = await servingOf()
            return serving?.eventsTotal
          }
        })
        await Effect.runPromise(Fiber.interrupt(appending))
        // The runner follows: wait while it makes progress, however slowly.
        serving = await servingOf()
        await StintProcess.waitFor("the runner to catch up", () => serving?.eventsDone === serving?.eventsTotal, {
          progress: async () => {
            serving = await servingOf()
            return serving?.eventsDone
          }
        })
        assert.strictEqual(serving?.generation, 2)
        assert.strictEqual(serving?.eventsDone, serving?.eventsTotal, "caught up")
        assert.isAbove(
          serving?.eventsDone ?? 0,
          Number(switched?.[1]?.replaceAll(",", "")),
          "followed after the switch"
        )
        const list = Effect.flatMap(Projections.Projections, (p) => p.list(MentorLoad.projection, { limit: 1000 }))
        const followed = await server.runPromise(list)
        // The same documents as a build from scratch of the whole log.
        await server.runPromise(Effect.flatMap(Projections.Projections, (p) => p.rebuild("mentor-load")))
        const rebuilt = await server.runPromise(list)
        assert.deepStrictEqual(followed.items, rebuilt.items)
        assert.isAbove(followed.items.length, 10)
      } finally {
        await server.dispose()
        await database.dispose()
      }
    })
  })
}

describe("a host's own stint", () => {
  it("registers the host's projections: a new version shows in status, rebuilds, and the older stint refuses to rebuild it", async () => {
    const database = TestDatabases.sqliteDatabase()
    try {
      await Effect.runPromise(Seed.seed(database.url, 20, { catchUp: true }))
      const host = ["--database", database.url]
      const before = await StintProcess.run(["status", ...host], { bin: StintProcess.hostBin })
      assert.strictEqual(before.code, 0, before.stderr)
      assert.match(before.stdout, /^mentor-load +2 \(serving 1\) +async +1 +live /m)

      const rebuilt = await StintProcess.run(["rebuild", "mentor-load", ...host], { bin: StintProcess.hostBin })
      assert.strictEqual(rebuilt.code, 0, rebuilt.stderr)
      assert.match(rebuilt.stdout, /^rebuilt mentor-load: generation 2 is live/)
      const after = await StintProcess.run(["status", ...host], { bin: StintProcess.hostBin })
      assert.match(after.stdout, /^mentor-load +2 +async +2 +live /m)

      // The built-in stint registers version 1: building it would switch every server back.
      const older = await StintProcess.run(["rebuild", "mentor-load", ...host])
      assert.strictEqual(older.code, 1)
      assert.include(older.stderr, "serves version 2 of mentor-load; this stint registers version 1")
      const unchanged = await StintProcess.run(["status", ...host])
      assert.match(unchanged.stdout, /^mentor-load +1 \(serving 2\) +async +2 +live /m)
    } finally {
      await database.dispose()
    }
  })
})

describe("stint: arguments and failures", () => {
  it("bad arguments exit 2", async () => {
    for (const args of [
      [],
      ["frobnicate"],
      ["status", "--bogus"],
      ["rebuild"],
      ["status", "--database", "mysql://u:hunter2@127.0.0.1/db"],
      ["tail", "--from", "yesterday", "--database", "x.db"]
    ]) {
      const result = await StintProcess.run(args)
      assert.strictEqual(result.code, 2, `stint ${args.join(" ")}: ${result.stderr}`)
      assert.notInclude(result.stderr, "hunter2")
      assert.notInclude(result.stderr, "    at ", "no stack trace")
    }
  })

  it("without --database or DATABASE_URL, asks for one; DATABASE_URL is used when set", async () => {
    const none = await StintProcess.run(["status"])
    assert.strictEqual(none.code, 2)
    assert.include(none.stderr, "pass --database")
    const db = TestDatabases.sqliteDatabase()
    try {
      const migrated = await StintProcess.run(["migrate"], { env: { DATABASE_URL: db.url } })
      assert.strictEqual(migrated.code, 0, migrated.stderr)
      assert.isTrue(existsSync(db.url))
    } finally {
      await db.dispose()
    }
  })

  it("a missing SQLite file is an error for every command but migrate, and is not created", async () => {
    const directory = StintProcess.temporaryDirectory()
    const file = join(directory, "nope", "stint.db")
    for (const args of [["status"], ["stream", "mentor-x"], ["rebuild", "mentor-load"], ["tail"]]) {
      const result = await StintProcess.run([...args, "--database", file])
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, `stint: no SQLite database at ${file}`)
    }
    assert.isFalse(existsSync(file))
    assert.isFalse(existsSync(join(directory, "nope")))
    rmSync(directory, { recursive: true, force: true })
  })

  it("an unreachable PostgreSQL server exits 1 with one readable line and no password", async () => {
    // A port nothing listens on: bound, then released.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const address = server.address()
        server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 1))
      })
    })
    const url = `postgres://stint:hunter2@127.0.0.1:${port}/stint`
    for (const command of ["status", "migrate"]) {
      const result = await StintProcess.run([command, "--database", url])
      assert.strictEqual(result.code, 1, result.stderr)
      assert.strictEqual(
        result.stderr,
        `stint: cannot connect to PostgreSQL at postgres://stint:***@127.0.0.1:${port}/stint: connection refused\n`
      )
      assert.notInclude(result.stdout + result.stderr, "hunter2")
    }
  })

  it.skipIf(TestDatabases.pgUrl() === "")("a PostgreSQL database that does not exist exits 1, naming it", async () => {
    const url = new URL(TestDatabases.pgUrl())
    url.password = "hunter2"
    url.pathname = "/no_such_database"
    const result = await StintProcess.run(["status", "--database", url.toString()])
    assert.strictEqual(result.code, 1, result.stderr)
    assert.include(result.stderr, 'database "no_such_database" does not exist')
    assert.notInclude(result.stderr, "hunter2")
    assert.strictEqual(result.stderr.split("\n").length, 2, "one line")
  })
})
