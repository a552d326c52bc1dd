import "server-only";
import { seal, unseal } from "@/server/auth/seal";
import type { EgressSecretRecord } from "@/server/db/schema";
import type { BoundSecret } from "./destinations";

const PURPOSE = "egress-secret";

/** Bound secrets as the database keeps them: the value sealed under the server's key. */
export function sealSecrets(dataDir: string, secrets: readonly BoundSecret[]): EgressSecretRecord[] {
  return secrets.map(({ host, header, https, value }) => ({ host, header, https, sealed: seal(dataDir, PURPOSE, value) }));
}

/**
 * The secrets the proxy adds. A value stored before values were sealed is used as it is (and
 * `legacy` says so, for the caller to seal it); one that does not unseal (another server's key)
 * is left out.
 */
export function openSecrets(
  dataDir: string,
  records: readonly EgressSecretRecord[],
): { secrets: BoundSecret[]; legacy: boolean } {
  let legacy = false;
  const secrets = records.flatMap(({ host, header, https, sealed, value }): BoundSecret[] => {
    if (sealed === undefined) legacy ||= value !== undefined;
    const plain = sealed === undefined ? value : unseal(dataDir, PURPOSE, sealed);
    return plain === undefined ? [] : [{ host, header, https, value: plain }];
  });
  return { secrets, legacy };
}
