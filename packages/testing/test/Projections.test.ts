/** Projections in memory: the contract, and what only memory shows directly. */
import * as MemoryProjectionStore from "@stint/core/projection/MemoryProjectionStore"
import * as Projections from "@stint/core/projection/Projections"
import * as MemoryEventStore from "@stint/core/store/MemoryEventStore"
import { projectionsContract } from "@stint/testing/ProjectionsContract"
import { Layer } from "effect"

projectionsContract("memory", (options) =>
  Projections.layerWith(options, MemoryEventStore.layerMemory).pipe(Layer.provide(MemoryProjectionStore.layer))
)
