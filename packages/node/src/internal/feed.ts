/**
 * The event feed as an async iterator. The stream is pulled chunk by chunk in a scope of its own:
 * leaving a `for await` loop (break, return, throw) closes the scope, which interrupts the stream
 * and whatever it holds (a live subscription), and closing the Stint closes every open feed.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { StintClosed } from "../Errors.js"
import { defect, settle } from "./settle.js"

/** What the feed needs from the client: its runtime, and the open feeds' scopes to close at the end. */
export interface Host<R> {
  readonly runtime: Runtime.Runtime<R>
  readonly feeds: Set<Scope.CloseableScope>
  /** Aborted when the Stint closes: a pull waiting for live events is interrupted. */
  readonly shutdown: AbortSignal
}

export async function* iterate<A, E, R>(host: Host<R>, stream: Stream.Stream<A, E, R>): AsyncGenerator<A, void> {
  // A feed made before `close` but first read after it.
  if (host.shutdown.aborted) throw new StintClosed({ operation: "events" })
  const scope = Effect.runSync(Scope.make())
  host.feeds.add(scope)
  try {
    const pull = settle(await Runtime.runPromiseExit(host.runtime)(Scope.extend(Stream.toPull(stream), scope)))
    while (!host.shutdown.aborted) {
      const exit = await Runtime.runPromiseExit(host.runtime)(pull, { signal: host.shutdown })
      if (Exit.isSuccess(exit)) {
        yield* exit.value
        continue
      }
      // Interrupted: the Stint is closing; the feed ends like a stream that ended.
      if (Cause.isInterruptedOnly(exit.cause)) return
      const failure = Cause.failureOption(exit.cause)
      if (Option.isNone(failure)) throw defect(exit.cause)
      // `None` is the end of the stream; `Some` is the stream's error.
      if (Option.isNone(failure.value)) return
      throw failure.value.value
    }
  } finally {
    host.feeds.delete(scope)
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
