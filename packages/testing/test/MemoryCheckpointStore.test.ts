import * as CheckpointStore from "@stint/core/store/CheckpointStore"
import { checkpointStoreContract } from "@stint/testing/CheckpointStoreContract"

checkpointStoreContract("memory", CheckpointStore.layerMemory)
