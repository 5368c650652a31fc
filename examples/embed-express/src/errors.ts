/**
 * What each rejection of `@stint/node` means over HTTP. A refusal answers by its kind, which the
 * domain gives every refusal (`kindOf`); the other rejections by their tag, in one `switch`.
 */
import type { ErrorRequestHandler } from "express"
import { type CommandError, isRefusal, kindOf, type ListError, type RefusalKind } from "@stint/node"

/** The status of each kind of refusal. */
const statusOfKind: { readonly [Kind in RefusalKind]: number } = {
  forbidden: 403,
  not_found: 404,
  invalid: 422, // the command can never succeed as written
  conflict: 409 // not in the current state of the engagement, mentor or mentee
}

/** The status of a rejection. */
export const statusOf = (error: CommandError | ListError): number => {
  if (isRefusal(error)) return statusOfKind[kindOf(error)]
  switch (error._tag) {
    case "InvalidCommand":
    case "InvalidArgument":
    case "InvalidQuery":
      return 400
    case "CommandIdReused": // an Idempotency-Key sent again with another request
      return 422
    case "WrongExpectedVersion":
      return 409
    case "StoreError":
    case "InvalidStoreData":
    case "StintClosed":
      return 503
    case "StintDefect":
      return 500
    default:
      // A tagged error this app does not know (a newer `@stint/node`): the server's fault until mapped.
      return 500
  }
}

const isStintError = (error: unknown): error is CommandError | ListError =>
  error instanceof Error && "_tag" in error && typeof error._tag === "string"

const names: Record<number, string> = { 400: "BadRequest", 413: "PayloadTooLarge" }

/** The last middleware: Stint's errors by tag, Express's own (a malformed JSON body) by status. */
export const handleErrors: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  if (isStintError(error)) {
    const status = statusOf(error)
    if (status >= 500) console.error(error)
    const { _tag, message, ...details } = error
    res.status(status).json({ error: _tag, message: status >= 500 ? "Stint is unavailable" : message, details })
    return
  }
  const given = typeof error === "object" && error !== null && "status" in error ? Number(error.status) : 500
  const status = given >= 400 && given < 600 ? given : 500
  if (status >= 500) console.error(error)
  // A 4xx says what was wrong; a 5xx says nothing of the server's insides.
  const message = status >= 500 ? "the server failed" : error instanceof Error ? error.message : String(error)
  res.status(status).json({ error: names[status] ?? (status >= 500 ? "InternalError" : "BadRequest"), message })
}
