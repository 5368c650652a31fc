/** The Promise API on real databases: an SQLite file and PostgreSQL, each opened twice. */
import { assert, describe, it } from "@effect/vitest"
import { type FeedItem, LiveEngagementExists, open, user } from "@stint/node"
import { pgDatabase, pgUrl, sqliteDatabase, type TestDatabase } from "@stint/testing/TestDatabases"
import { ana, ben, register, request, session } from "./fixtures.js"

const backends = [
  { name: "SQLite file", skip: false, database: async () => sqliteDatabase() },
  { name: "PostgreSQL", skip: pgUrl() === "", database: pgDatabase }
] as const

for (const backend of backends) {
  describe.skipIf(backend.skip)(`StintClient on ${backend.name}`, () => {
    it("keeps what it was told across a close and a reopen", async () => {
      const database: TestDatabase = await backend.database()
      try {
        const id = crypto.randomUUID()
        {
          await using stint = await open({ database: database.url, logLevel: "None", deadlines: false })
          await stint.execute(register, { actor: user(ana) })
          await stint.execute(request(id, 2), { actor: user(ben) })
          await stint.catchUp()
          const inbox = await stint.mentorInbox(ana, user(ana))
          assert.deepStrictEqual(
            inbox?.requests.map((r) => String(r.engagementId)),
            [id]
          )
          await stint.execute({ _tag: "AgreeEngagement", engagementId: id }, { actor: user(ana), commandId: "agree-1" })
          await stint.execute(session(id), { actor: user(ben) })
          // Refusals from a real database are the same classes.
          const refusal = await stint
            .execute(request(crypto.randomUUID()), { actor: user(ben) })
            .catch((e: unknown) => e)
          assert.instanceOf(refusal, LiveEngagementExists)
        }
        await using stint = await open({ database: database.url, logLevel: "None" })
        assert.strictEqual((await stint.engagement(id))?.status, "active")
        assert.strictEqual((await stint.engagementView(id, user(ben)))?.sessions.held, 1)
        const retry = await stint.execute(
          { _tag: "AgreeEngagement", engagementId: id },
          { actor: user(ana), commandId: "agree-1" }
        )
        assert.isTrue(retry.duplicate)
        await stint.catchUp()
        assert.isUndefined(await stint.mentorInbox(ana, user(ana)).then((i) => i?.requests[0]))

        const items: Array<FeedItem> = []
        for await (const item of stint.events()) items.push(item)
        assert.deepStrictEqual(
          items.map((i) => i.event._tag),
          [
            "MentorRegistered",
            "EngagementRequested",
            "RequestOpened",
            "EngagementAgreed",
            "SeatReserved",
            "RequestResolved",
            "SessionHeld"
          ]
        )
        // Live from the last checkpoint: the next append arrives.
        const next = (async () => {
          for await (const item of stint.events({ from: items.at(-1)!.checkpoint, live: true })) return item.event._tag
        })()
        await stint.execute({ _tag: "PauseMentoring", mentorId: ana }, { actor: user(ana) })
        assert.strictEqual(await next, "MentoringPaused")
      } finally {
        await database.dispose()
      }
    })
  })
}
