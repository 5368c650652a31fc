/**
 * Two server processes against one PostgreSQL database, as several instances behind a load balancer:
 * commands land on either, each async read model is applied by one leased runner at a time, and both
 * serve the same, exact read models (counts that would show an event applied twice).
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import {
  caughtUp,
  type Database,
  eventually,
  freshDatabase,
  goal,
  newSecret,
  type ProgrammeJson,
  pgUrl,
  type Server,
  start,
  uuid
} from "./support/Server.js"

describe.skipIf(pgUrl === "")("two servers on one PostgreSQL", () => {
  const servers: Array<Server> = []
  let database: Database | undefined

  afterAll(async () => {
    for (const server of servers) await server.stop()
    await database?.dispose()
  })

  it("commands on either instance; one seed; both serve the same exact read models", async () => {
    database = await freshDatabase("postgresql")
    const secret = newSecret()
    // Started together: the seed's fixed command ids make it happen once.
    const [a, b] = await Promise.all([start(database, { secret, seed: true }), start(database, { secret, seed: true })])
    servers.push(a, b)
    const mentees = ["ben", "cy", "dee"]
    const engagements: Array<string> = []
    // 12 engagements asked, alternately through each instance; half agreed through the other one.
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const [asker, answerer] = i % 2 === 0 ? [a, b] : [b, a]
        const engagementId = uuid()
        engagements.push(engagementId)
        const mentee = `${mentees[i % 3]}-${i}`
        await asker.as(mentee).ok(
          "requestEngagement",
          {
            engagementId,
            mentorId: "theo",
            area: "sales",
            need: "Close my first deal",
            goals: [goal("A signed contract")],
            scope: { sessions: 1, timeBoxDays: 7 }
          },
          { key: `ask-${i}` }
        )
        if (i % 4 === 0) await answerer.as("theo").ok("agreeEngagement", { engagementId }, { key: `agree-${i}` })
        // The same command retried through the other instance appends nothing.
        const again = await answerer.as(mentee).command(
          "requestEngagement",
          {
            engagementId,
            mentorId: "theo",
            area: "sales",
            need: "Close my first deal",
            goals: [goal("A signed contract")],
            scope: { sessions: 1, timeBoxDays: 7 }
          },
          { key: `ask-${i}` }
        )
        assert.strictEqual(again.status, 200)
        assert.isTrue(again.body.replayed)
      })
    )
    await caughtUp(a)
    await caughtUp(b)
    const programme = (server: Server) =>
      eventually(
        () => server.as("office", "admin").get<ProgrammeJson>("/programme"),
        (reply) => reply.status === 200 && reply.body.requests.requested === 12
      )
    const [pa, pb] = await Promise.all([programme(a), programme(b)])
    assert.deepStrictEqual(pa.body, pb.body)
    // Exact counts: an event applied twice by two runners would show here.
    assert.strictEqual(pa.body.requests.requested, 12)
    assert.strictEqual(pa.body.requests.agreed, 3)
    assert.strictEqual(pa.body.requests.open, 9)
    // Theo's load, from either instance: 3 seats (his capacity), no more.
    const load = await b.as("theo").get<{ active: number }>("/mentors/theo/load")
    assert.strictEqual(load.body.active, 3)
    // The seed ran once: each seeded mentor has exactly one registration in the feed (read until it
    // has been quiet for 3 s, scaled: the whole history, however slowly it comes).
    const feed = await a.as("office", "admin").feed({ timeoutMs: 3000 })
    const registrations = feed.events.filter((e) => e.event === "MentorRegistered").map((e) => e.data.streamId)
    assert.deepStrictEqual([...registrations].sort(), ["mentor-ana", "mentor-lee", "mentor-theo"])
  })
})
