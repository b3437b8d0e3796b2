// Stops an npm script early, with a clear reason, when this Node.js is older than it needs.
// Usage: node scripts/require-node.mjs MAJOR.MINOR "what needs it"
// `npm start` and `npm run dist*` run Electron 45's own tooling (its first-run binary download through
// @electron/get, electron-builder's @electron/rebuild), which declares Node >= 22.12; the rest of the
// project (serve, export, tests, benchmark) runs on the `engines` version in package.json.
const [wanted = '', what = 'this command'] = process.argv.slice(2);
const parse = (version) => version.replace(/^v/, '').split('.').map(Number);
const [needMajor, needMinor = 0] = parse(wanted);
const [major, minor] = parse(process.version);
if (!Number.isInteger(needMajor)) {
  console.error('usage: node scripts/require-node.mjs MAJOR.MINOR "what needs it"');
  process.exit(2);
}
if (major < needMajor || (major === needMajor && minor < needMinor)) {
  console.error(`${what} needs Node.js ${wanted} or later (Electron's tooling requires it); this is Node.js ${process.version}.`);
  console.error('Everything else (npm run serve, npm run export, npm test) runs on this version.');
  process.exit(1);
}
