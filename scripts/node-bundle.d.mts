/** The esbuild options every Node-side bundle shares. */
export const NODE_BUNDLE: Readonly<{
  bundle: true;
  platform: 'node';
  target: 'node20';
  format: 'esm';
  packages: 'external';
  logLevel: 'warning';
}>;
