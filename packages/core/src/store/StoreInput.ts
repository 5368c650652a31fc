/**
 * Checks of what a caller hands a store: stream ids, the streams of an append, event payloads.
 * Every adapter runs the same checks, so bad input gets the same typed error on every backend.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { AppendRequest } from "./EventStore.js"
import { InvalidStoreData } from "./StoreError.js"
import { StreamId } from "./StreamId.js"

const decodeStreamId = Schema.decodeUnknownEither(StreamId)

/** Refuses a stream id that is not a valid `StreamId` (callers may bypass the brand with a cast). */
export const checkStreamId = (streamId: string): Effect.Effect<void, InvalidStoreData> =>
  Either.match(decodeStreamId(streamId), {
    onLeft: (error) =>
      Effect.fail(
        new InvalidStoreData({
          streamId,
          reason: ParseResult.ArrayFormatter.formatErrorSync(error)[0]?.message ?? "invalid stream id"
        })
      ),
    onRight: () => Effect.void
  })

/** Refuses invalid stream ids and a stream named twice (its expected version would be ambiguous). */
export const checkAppend = (request: AppendRequest): Effect.Effect<void, InvalidStoreData> =>
  Effect.suspend(() => {
    const seen = new Set<string>()
    for (const stream of request.streams) {
      if (Either.isLeft(decodeStreamId(stream.streamId))) return checkStreamId(stream.streamId)
      if (seen.has(stream.streamId)) {
        return Effect.fail(
          new InvalidStoreData({ streamId: stream.streamId, reason: "the stream appears more than once in one append" })
        )
      }
      seen.add(stream.streamId)
    }
    return Effect.void
  })

// A NUL escape outside another backslash escape: PostgreSQL's jsonb cannot store U+0000 in text.
const nulCharacter = /(?:^|[^\\])(?:\\\\)*\\u0000/

/**
 * An event payload as JSON text, or why it cannot be stored: not JSON (a bigint, a function, a cycle)
 * or a string holding U+0000, which PostgreSQL refuses, so no backend accepts it.
 */
export const encodeData = (data: unknown): Either.Either<string, string> => {
  let text: string | undefined
  try {
    text = JSON.stringify(data)
  } catch (error) {
    return Either.left(`event data is not JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (text === undefined) return Either.left("event data is not JSON")
  if (text.includes("\\u0000") && nulCharacter.test(text)) return Either.left("event data holds the character U+0000")
  return Either.right(text)
}
