/**
 * Stream ids: `<category>-<id>`, e.g. `engagement-1b4e…`, `mentor-ana`. The category names the
 * aggregate; the store treats the whole id as an opaque key of at most 200 characters.
 */
import * as Schema from "effect/Schema"

export const StreamId = Schema.String.pipe(
  Schema.minLength(1, { message: () => "a stream id must not be empty" }),
  Schema.maxLength(200, { message: () => "a stream id has at most 200 characters" }),
  Schema.brand("StreamId")
)
export type StreamId = typeof StreamId.Type

/** Builds a stream id from a category and an id, validating length. */
export const make = (category: string, id: string): StreamId => StreamId.make(`${category}-${id}`)

/** The category of a stream id: the part before the first `-`. */
export const category = (streamId: StreamId): string => {
  const i = streamId.indexOf("-")
  return i === -1 ? streamId : streamId.slice(0, i)
}

/** The id inside a stream id: the part after the first `-`. */
export const idOf = (streamId: StreamId): string => {
  const i = streamId.indexOf("-")
  return i === -1 ? "" : streamId.slice(i + 1)
}
