/**
 * A host's own `stint`, built with `Cli.main`: the built-in read models, with `mentor-load` at
 * version 2 (as a host that changed it would deploy it).
 */
import { MentorLoad, ReadModels } from "@stint/core"
import { Cli } from "../../src/index.js"

const builtIn = ReadModels.options()
const mentorLoadV2 = { ...MentorLoad.projection, version: 2 }

Cli.main({
  projections: {
    ...builtIn,
    async: (builtIn.async ?? []).map((p) => (p.name === MentorLoad.projection.name ? mentorLoadV2 : p))
  }
})
