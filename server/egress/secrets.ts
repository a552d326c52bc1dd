import "server-only";
import { UNREADABLE_SECRET_PROBLEM } from "@/lib/egress";
import { seal, unseal } from "@/server/auth/seal";
import type { EgressSecretRecord } from "@/server/db/schema";
import { normalizeHost, type BoundSecret } from "./destinations";

const PURPOSE = "egress-secret";

/** Bound secrets as the database keeps them: the value sealed under the server's key. */
export function sealSecrets(dataDir: string, secrets: readonly BoundSecret[]): EgressSecretRecord[] {
  return secrets.map(({ host, header, https, value }) => ({ host, header, https, sealed: seal(dataDir, PURPOSE, value) }));
}

/**
 * The stored records with every value kept in clear sealed; sealed ones are kept as they are, so a
 * value that does not unseal now (the server's key changed) is never lost by a rewrite.
 */
export function sealLegacy(dataDir: string, records: readonly EgressSecretRecord[]): EgressSecretRecord[] {
  return records.map((record) => {
    const { host, header, https, sealed, value } = record;
    if (sealed !== undefined || value === undefined) return record;
    return { host, header, https, sealed: seal(dataDir, PURPOSE, value) };
  });
}

/**
 * The secrets the proxy adds. A value stored before values were sealed is used as it is (and
 * `legacy` says so, for the caller to seal it); one that does not unseal (another server's key)
 * is left out, and its host listed in `unreadable`.
 */
export function openSecrets(
  dataDir: string,
  records: readonly EgressSecretRecord[],
): { secrets: BoundSecret[]; unreadable: string[]; legacy: boolean } {
  let legacy = false;
  const unreadable: string[] = [];
  const secrets = records.flatMap(({ host, header, https, sealed, value }): BoundSecret[] => {
    if (sealed === undefined) legacy ||= value !== undefined;
    const plain = sealed === undefined ? value : unseal(dataDir, PURPOSE, sealed);
    if (plain === undefined) unreadable.push(normalizeHost(host));
    return plain === undefined ? [] : [{ host, header, https, value: plain }];
  });
  return { secrets, unreadable, legacy };
}

/** The stored secrets as their owner sees them: never a value, and whether each one still unseals. */
export function secretViews(
  dataDir: string,
  records: readonly EgressSecretRecord[],
): Array<{ host: string; header: string; https: boolean; unreadable: boolean; problem: string | null }> {
  return records.map(({ host, header, https, sealed, value }) => {
    const unreadable = (sealed === undefined ? value : unseal(dataDir, PURPOSE, sealed)) === undefined;
    return { host, header, https, unreadable, problem: unreadable ? UNREADABLE_SECRET_PROBLEM : null };
  });
}
