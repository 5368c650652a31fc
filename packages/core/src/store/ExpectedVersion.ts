/**
 * What a writer expects of a stream's version when it appends. Every store enforces all four modes
 * in the write itself, so a check and the write can never be split by another writer.
 */
import * as Data from "effect/Data"

export type ExpectedVersion = Data.TaggedEnum<{
  /** No expectation. */
  Any: {}
  /** The stream has no events. */
  NoStream: {}
  /** The stream has at least one event. */
  StreamExists: {}
  /** The stream's last event has exactly this version (1-based; 0 means no events). */
  Exact: { readonly version: number }
}>

export const { Any, NoStream, StreamExists, Exact, $is: is, $match: match } = Data.taggedEnum<ExpectedVersion>()

export const any: ExpectedVersion = Any()
export const noStream: ExpectedVersion = NoStream()
export const streamExists: ExpectedVersion = StreamExists()
/** Expect the stream at `version`: 0 is the same as `noStream`. */
export const exact = (version: number): ExpectedVersion => (version === 0 ? NoStream() : Exact({ version }))

/** Whether a stream currently at `actual` (0 = no events) satisfies the expectation. */
export const satisfiedBy = (expected: ExpectedVersion, actual: number): boolean => {
  switch (expected._tag) {
    case "Any":
      return true
    case "NoStream":
      return actual === 0
    case "StreamExists":
      return actual > 0
    case "Exact":
      return actual === expected.version
  }
}

/** A readable form for errors: `any`, `no_stream`, `stream_exists` or the number. */
export const format = (expected: ExpectedVersion): string =>
  expected._tag === "Any"
    ? "any"
    : expected._tag === "NoStream"
      ? "no_stream"
      : expected._tag === "StreamExists"
        ? "stream_exists"
        : String(expected.version)
