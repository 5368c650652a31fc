/** `events({ as })`: the feed as one viewer may see it (the core's `Feed` rule), through the Promise API. */
import { assert, describe, it } from "@effect/vitest"
import { admin, type FeedItem, InvalidArgument, open, type StintClient, user } from "@stint/node"
import { ana, ben, register, request } from "./fixtures.js"

const quiet = { logLevel: "None", deadlines: false } as const

const collect = async (feed: AsyncIterable<FeedItem>): Promise<ReadonlyArray<FeedItem>> => {
  const items: Array<FeedItem> = []
  for await (const item of feed) items.push(item)
  return items
}

const notes = (items: ReadonlyArray<FeedItem>) =>
  items.flatMap((i) => (i.event._tag === "NoteAdded" ? [i.event.text] : []))

/** ana mentors ben; each writes a private note, ben a shared one; cy declares interests. */
const story = async (stint: StintClient, id: string) => {
  await stint.execute(register, { actor: user(ana) })
  await stint.execute(request(id), { actor: user(ben) })
  await stint.execute({ _tag: "AgreeEngagement", engagementId: id }, { actor: user(ana) })
  for (const [author, visibility, text] of [
    [ben, "shared", "shared by ben"],
    [ben, "private", "ben's own"],
    [ana, "private", "ana's own"]
  ] as const) {
    await stint.execute(
      { _tag: "AddNote", engagementId: id, noteId: crypto.randomUUID(), visibility, text },
      { actor: user(author) }
    )
  }
  await stint.execute({ _tag: "DeclareInterests", areas: ["sales"] }, { actor: user("cy") })
}

describe("events({ as })", () => {
  it("shows a viewer only what they may see; without `as`, the whole log", async () => {
    await using stint = await open(quiet)
    const id = crypto.randomUUID()
    await story(stint, id)

    const everything = await collect(stint.events())
    assert.deepStrictEqual(notes(everything), ["shared by ben", "ben's own", "ana's own"])

    const bens = await collect(stint.events({ as: user(ben) }))
    assert.deepStrictEqual(notes(bens), ["shared by ben", "ben's own"])
    assert.isTrue(bens.every((i) => i.record.streamId === `engagement-${id}` || i.record.streamId === `mentee-${ben}`))
    assert.deepStrictEqual(notes(await collect(stint.events({ as: user(ana) }))), ["shared by ben", "ana's own"])

    const cys = await collect(stint.events({ as: user("cy") }))
    assert.deepStrictEqual(
      cys.map((i) => i.record.streamId),
      ["mentee-cy"]
    )
    const staff = await collect(stint.events({ as: admin("root") }))
    assert.deepStrictEqual(notes(staff), [])
    assert.strictEqual(staff.length, everything.length - 3)
  })

  it("resumes from a checkpoint and follows live, still as the viewer", async () => {
    await using stint = await open(quiet)
    const id = crypto.randomUUID()
    await story(stint, id)
    const all = await collect(stint.events())
    const agreed = all.find((i) => i.event._tag === "EngagementAgreed")!
    const resumed = await collect(stint.events({ as: user(ana), from: agreed.checkpoint }))
    assert.deepStrictEqual(notes(resumed), ["shared by ben", "ana's own"])

    const live = stint.events({ as: user(ben), from: all.at(-1)!.checkpoint, live: true })
    const next = live.next()
    await stint.execute(
      { _tag: "AddNote", engagementId: id, noteId: crypto.randomUUID(), visibility: "private", text: "ana again" },
      { actor: user(ana) }
    )
    await stint.execute(
      { _tag: "AddNote", engagementId: id, noteId: crypto.randomUUID(), visibility: "private", text: "ben again" },
      { actor: user(ben) }
    )
    const first = await next
    assert.isFalse(first.done)
    assert.strictEqual(
      first.done ? undefined : first.value.event._tag === "NoteAdded" && first.value.event.text,
      "ben again"
    )
    await live.return?.()
  })

  it("rejects a viewer that is not one", async () => {
    await using stint = await open(quiet)
    const error = await stint
      .events({ as: { _tag: "User", userId: "not a user id" } })
      .next()
      .then(
        () => undefined,
        (e: unknown) => e
      )
    assert.instanceOf(error, InvalidArgument)
    assert.strictEqual((error as InvalidArgument).argument, "as")
  })
})
