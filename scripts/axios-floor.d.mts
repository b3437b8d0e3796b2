/** Lowest acceptable axios in the production tree. */
export const AXIOS_MINIMUM: string;
/** Compares two semver versions: negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: string, b: string): number;
/** True when `version` is below `floor` (default AXIOS_MINIMUM). */
export function isBelowFloor(version: string, floor?: string): boolean;
/** Every resolved copy of `name` in an `npm ls --json --all` tree, with the path that brings it. */
export function findPackage(tree: unknown, name: string): { version: string | null; path: string; missing: boolean }[];
