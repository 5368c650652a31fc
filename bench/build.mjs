// Bundles the bench to plain JavaScript, so every contender runs as production code does: on plain
// Node, without a TypeScript loader (tsx's source-map support makes Effect's span- and fiber-heavy
// code about twice as slow, measured). Only the workspace's own TypeScript is bundled; every npm
// package (Effect, the drivers, Emmett) stays external and loads from node_modules as shipped.
// `pnpm bench:http` runs `dist/http.mjs`, and the example server bundled the same way
// (`dist/server.mjs`), so both sides of its comparison run as production code.
import { build } from "esbuild"

await build({
  entryPoints: {
    main: "src/main.ts",
    http: "src/http/main.ts",
    server: "../examples/server/src/main.ts"
  },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: false,
  logLevel: "warning",
  plugins: [
    {
      name: "external-packages",
      setup(b) {
        // Bare imports that are not @stint/* stay imports: the packages load from node_modules.
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith("@stint/") ? undefined : { path: args.path, external: true }
        )
      }
    }
  ]
})
