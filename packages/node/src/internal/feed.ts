/**
 * The event feed as an async iterator. The stream is pulled chunk by chunk in a scope of its own.
 * Ending the feed — leaving a `for await` loop, `return()` (also while a `next()` waits for a live
 * event, as when a host destroys a `Readable.from(feed)`), or closing the Stint — interrupts the pull
 * in progress and closes the scope, which ends the stream and whatever it holds (a subscription).
 *
 * Written by hand rather than as an `async function*`: a generator's `return()` waits behind a
 * pending `next()`, which on a quiet live log would hold the subscription until the next event.
 */
import * as Cause from "effect/Cause"
import type * as Chunk from "effect/Chunk"
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

const finished = { done: true, value: undefined } as const

export const iterate = <A, E, R>(host: Host<R>, stream: Stream.Stream<A, E, R>): AsyncIterableIterator<A> => {
  const run = Runtime.runPromiseExit(host.runtime)
  const ended = new AbortController()
  const signal = AbortSignal.any([host.shutdown, ended.signal])
  let scope: Scope.CloseableScope | undefined
  let pull: Effect.Effect<Chunk.Chunk<A>, Option.Option<E>, R> | undefined
  let buffer: ReadonlyArray<A> = []
  let index = 0
  let closing: Promise<void> | undefined

  /** Ends the feed once: interrupts a pull in progress, then closes the scope (the stream's resources). */
  const end = (): Promise<void> => {
    ended.abort()
    if (closing === undefined) {
      const open = scope
      if (open === undefined) closing = Promise.resolve()
      else {
        host.feeds.delete(open)
        closing = Effect.runPromise(Scope.close(open, Exit.void))
      }
    }
    return closing
  }

  const next = async (): Promise<IteratorResult<A, undefined>> => {
    if (index < buffer.length) return { done: false, value: buffer[index++]! }
    if (closing !== undefined || ended.signal.aborted) return finished
    // A feed made before `close` but first read after it.
    if (scope === undefined && host.shutdown.aborted) throw new StintClosed({ operation: "events" })
    try {
      if (scope === undefined) {
        scope = Effect.runSync(Scope.make())
        host.feeds.add(scope)
        pull = settle(await run(Scope.extend(Stream.toPull(stream), scope)))
      }
      for (;;) {
        if (signal.aborted) {
          await end()
          return finished
        }
        const exit = await run(pull!, { signal })
        if (Exit.isSuccess(exit)) {
          if (exit.value.length === 0) continue
          buffer = [...exit.value]
          index = 1
          return { done: false, value: buffer[0]! }
        }
        // Interrupted: the feed or the Stint is closing; the feed ends like a stream that ended.
        if (Cause.isInterruptedOnly(exit.cause)) {
          await end()
          return finished
        }
        const failure = Cause.failureOption(exit.cause)
        if (Option.isNone(failure)) throw defect(exit.cause)
        // `None` is the end of the stream; `Some` is the stream's error.
        if (Option.isNone(failure.value)) {
          await end()
          return finished
        }
        throw failure.value.value
      }
    } catch (error) {
      await end()
      throw error
    }
  }

  const iterator: AsyncIterableIterator<A> = {
    next,
    return: async () => {
      await end()
      return finished
    },
    throw: async (error: unknown) => {
      await end()
      throw error
    },
    [Symbol.asyncIterator]: () => iterator
  }
  return iterator
}
