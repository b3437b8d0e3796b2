// The esbuild options every Node-side bundle shares (the app's CLIs and main process, benchmark
// children, one-off TypeScript scripts): one ES module per entry for Node 20, dependencies left to
// node_modules.
export const NODE_BUNDLE = Object.freeze({
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
