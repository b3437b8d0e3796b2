// The axios floor for the production dependency tree, and the logic check-axios.mjs applies.
// npm's audit endpoint cannot be reached from our machines, so instead of asking it we insist that
// every axios in `npm ls --omit=dev` is at least the newest 1.x minor we have installed and reviewed.

/**
 * Lowest acceptable axios. To bump it: after updating @n8n/localtunnel (or anything else that brings
 * axios), run `npm ls --omit=dev axios`, and set this to `<major>.<minor>.0` of the newest version shown
 * (e.g. 1.22.3 installed -> "1.22.0").
 */
export const AXIOS_MINIMUM = '1.21.0';

/** Compares two semver versions: negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a, b) {
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < 3; i++) {
    if (pa.nums[i] !== pb.nums[i]) return pa.nums[i] - pb.nums[i];
  }
  // A pre-release sorts before its release (1.21.0-beta.1 < 1.21.0).
  if (pa.pre === pb.pre) return 0;
  if (pa.pre === '') return 1;
  if (pb.pre === '') return -1;
  return pa.pre < pb.pre ? -1 : 1;
}

/** True when `version` is below `floor`. */
export function isBelowFloor(version, floor = AXIOS_MINIMUM) {
  return compareVersions(version, floor) < 0;
}

/** Every resolved copy of `name` in an `npm ls --json --all` tree, with the path that brings it. */
export function findPackage(tree, name) {
  const found = [];
  const walk = (node, path) => {
    for (const [depName, dep] of Object.entries(node?.dependencies ?? {})) {
      const here = [...path, depName];
      if (depName === name) found.push({ version: dep.version ?? null, path: here.join(' > '), missing: Boolean(dep.missing) || !dep.version });
      walk(dep, here);
    }
  };
  walk(tree, []);
  return found;
}

function parse(version) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(String(version).trim());
  if (!match) throw new Error(`not a semver version: ${version}`);
  return { nums: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4] ?? '' };
}
