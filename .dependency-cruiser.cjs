// The layout's rules (docs/architecture.md): src/kernel knows no capability; a capability
// reaches another only through its index.ts; nothing depends on itself in a circle. Type-only
// imports count: a circle of types is still a circle to a reader.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "kernel-imports-no-feature",
      comment: "src/kernel is shared by every capability, so it may name none of them: a capability plugs in through its Capability declaration.",
      severity: "error",
      from: { path: "^src/kernel/" },
      to: { path: "^src/features/" },
    },
    {
      name: "features-only-through-index",
      comment: "A capability uses another only through that one's index.ts; its own files are free.",
      severity: "error",
      from: { path: "^src/features/([^/]+)/" },
      to: { path: "^src/features/([^/]+)/", pathNot: ["^src/features/$1/", "^src/features/[^/]+/index\\.ts$"] },
    },
    {
      name: "no-circular",
      comment: "No module depends on itself through others (type-only imports included).",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".d.ts"] },
  },
};
