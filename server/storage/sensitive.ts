/**
 * Files that never reach the object store, in a layer or a snapshot: the seed's list of secrets
 * that setups and programs tend to leave behind.
 */
const SENSITIVE_NAMES = [
  /^\.env$/,
  /^\.env\..+/,
  /^credentials\.json$/,
  /^service-account\.json$/,
  /^\.netrc$/,
  /^\.dockercfg$/,
  /^\.npmrc$/,
  /^\.pypirc$/,
  /^\.git-credentials$/,
  /^secrets\..+/,
  /\.pem$/,
  /\.key$/,
  /^\.envrc$/,
  /^id_ecdsa$/,
];

/** The same list as GNU tar exclude patterns (unanchored: they match at any depth). */
export const SENSITIVE_TAR_EXCLUDES = [
  ".env",
  ".env.*",
  "credentials.json",
  "service-account.json",
  ".netrc",
  ".dockercfg",
  ".npmrc",
  ".pypirc",
  ".git-credentials",
  "secrets.*",
  "*.pem",
  "*.key",
  ".envrc",
  "id_ecdsa",
  ".aws/credentials",
  ".ssh/id_*",
  ".docker/config.json",
];

/** True for a path (relative, slash-separated) that must be left out of stored archives. */
export function isSensitive(relativePath: string): boolean {
  const parts = relativePath.replace(/^\.\//, "").split("/").filter(Boolean);
  const name = parts.at(-1) ?? "";
  const parent = parts.at(-2);
  if (SENSITIVE_NAMES.some((pattern) => pattern.test(name))) return true;
  if (parent === ".aws" && name === "credentials") return true;
  if (parent === ".ssh" && /^id_/.test(name)) return true;
  if (parent === ".docker" && name === "config.json") return true;
  return false;
}
