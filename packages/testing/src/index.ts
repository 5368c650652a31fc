/** The Stint test kit. */
export * as StoreContract from "./StoreContract.js"
