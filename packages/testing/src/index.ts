/** The Stint test kit. */
export * as StoreContract from "./StoreContract.js"
export * as CheckpointStoreContract from "./CheckpointStoreContract.js"
export * as ProjectionSpec from "./ProjectionSpec.js"
export * as PostgresServer from "./PostgresServer.js"
export * as DeciderSpec from "./DeciderSpec.js"
export * as World from "./World.js"
export * as Arbitraries from "./Arbitraries.js"
