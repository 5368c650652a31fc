/** What `Projections` refuses: a projection it does not run, a rebuild of an older version than the one deployed. */
import * as Schema from "effect/Schema"

/** The projection is not registered with this `Projections`. */
export class UnknownProjection extends Schema.TaggedError<UnknownProjection>()("UnknownProjection", {
  name: Schema.String
}) {
  override get message(): string {
    return `no projection named ${JSON.stringify(this.name)} is registered`
  }
}

/**
 * A rebuild asked of a process whose definition is older than the one deployed: building it would
 * switch every reader back to the old version (the runners of an older process stand aside too).
 */
export class NewerVersionDeployed extends Schema.TaggedError<NewerVersionDeployed>()("NewerVersionDeployed", {
  name: Schema.String,
  deployed: Schema.Int,
  registered: Schema.Int
}) {
  override get message(): string {
    return `projection ${JSON.stringify(this.name)}: version ${this.deployed} is deployed, this process registers version ${this.registered}; rebuild it from a process running version ${this.deployed}`
  }
}
