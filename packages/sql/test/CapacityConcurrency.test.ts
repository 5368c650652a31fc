/**
 * INV-12 on real databases, through the one capacity suite: on PostgreSQL each agreement comes from
 * its own Stint instance on its own connection, as from separate app processes; on SQLite from
 * concurrent fibers on one connection, and from two connections to one file.
 */
import * as Policy from "@stint/core/Policy"
import * as Stint from "@stint/core/Stint"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import { CapacityContract } from "@stint/testing"
import type * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Layer } from "effect"
import { describePg, freshPgDatabase, pgClientAt, sqliteClientAt, temporaryDirectory } from "./fixtures.js"

const stintOn = (client: Layer.Layer<SqlClient.SqlClient, unknown>, migrate: boolean) =>
  Stint.layer().pipe(
    Layer.provide(SqlEventStore.layer({ migrate })),
    Layer.provide(client),
    Layer.provide(Policy.layerDefault)
  )

/** `instances` connections to one new SQLite file; each migrates (SQLite migrations are idempotent under its one writer). */
const sqlite = (instances: number): CapacityContract.CapacityBackend => ({
  instances,
  open: Effect.map(temporaryDirectory, (directory) => () => stintOn(sqliteClientAt(`${directory}/stint.db`), true))
})

CapacityContract.capacityContract("SQLite, one connection", sqlite(1))
CapacityContract.capacityContract("SQLite, two connections to one file", sqlite(2))

describePg("PostgreSQL", () => {
  CapacityContract.capacityContract("PostgreSQL, 10 instances on 10 connections", {
    instances: 10,
    open: Effect.map(freshPgDatabase, (url) => (index: number) => stintOn(pgClientAt(url, 1), index === 0))
  })
})
