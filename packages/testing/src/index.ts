/** The Stint test kit. */
export * as StoreContract from "./StoreContract.js"
export * as DeciderSpec from "./DeciderSpec.js"
