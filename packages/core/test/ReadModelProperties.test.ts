/** INV-16 and INV-19 on the memory stores. */
import { Stint } from "@stint/core"
import { readModelProperties } from "@stint/testing/ReadModelProperties"

readModelProperties("memory", (projections) => Stint.layerMemory({ projections }), { numRuns: 40 })
