/** A command from outside (HTTP, the Promise API) that does not match its schema. */
import * as Schema from "effect/Schema"

export class InvalidCommand extends Schema.TaggedError<InvalidCommand>()("InvalidCommand", {
  /** Each problem with the path to the failing field. */
  issues: Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))
}) {
  override get message() {
    return `invalid command: ${this.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}`
  }
}
