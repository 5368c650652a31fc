import * as CheckpointStore from "@stint/core/CheckpointStore"
import { checkpointStoreContract } from "@stint/testing/CheckpointStoreContract"

checkpointStoreContract("memory", CheckpointStore.layerMemory)
