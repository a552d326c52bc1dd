import { parseArgs } from "node:util";
import { adminToken } from "@/server/auth/admin-token";
import { loadConfigOrExit } from "./config";
import { openDatabase } from "@/server/db/client";
import { ApiKeyService } from "@/server/auth/api-keys";

// `npm run keys -- create --name NAME [--rate-limit N]` | `list` | `revoke ID-OR-PREFIX`
// Talks to the running server when there is one (its embedded database has one user at a time),
// else opens the database itself.
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { name: { type: "string" }, "rate-limit": { type: "string" } },
});
const [command, target] = positionals;
const usage = "usage: npm run keys -- create --name NAME [--rate-limit PER_MINUTE] | list | revoke ID-OR-PREFIX";

const config = loadConfigOrExit();

async function viaServer(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown } | undefined> {
  const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
  try {
    const response = await fetch(`http://${host}:${config.port}${path}`, {
      method,
      headers: { "x-sandpit-admin-token": adminToken(config.dataDir), "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  } catch {
    return undefined;
  }
}

async function direct<T>(work: (keys: ApiKeyService) => Promise<T>): Promise<T> {
  const database = openDatabase(config.database);
  try {
    await database.migrate();
    return await work(new ApiKeyService(database.db));
  } finally {
    await database.close();
  }
}

const rateLimit = values["rate-limit"] === undefined ? undefined : Number(values["rate-limit"]);
if (rateLimit !== undefined && (!Number.isInteger(rateLimit) || rateLimit < 1)) {
  console.error("--rate-limit is a whole number of requests a minute");
  process.exit(2);
}

switch (command) {
  case "create": {
    if (!values.name) {
      console.error(usage);
      process.exit(2);
    }
    const answer = await viaServer("POST", "/api/admin/keys", { name: values.name, rate_limit: rateLimit });
    const created =
      answer?.status === 201
        ? (answer.body as { key: string; id: string })
        : await direct(async (keys) => {
            const { key, info } = await keys.create(values.name as string, rateLimit ?? config.api.rateLimitPerMinute);
            return { key, id: info.id };
          });
    console.log(`Created ${created.id}. The key is shown once; keep it somewhere safe:\n\n  ${created.key}\n`);
    console.log("From now on every API request needs: Authorization: Bearer <key>");
    break;
  }
  case "list": {
    const answer = await viaServer("GET", "/api/admin/keys");
    const keys = answer?.status === 200 ? (answer.body as { keys: unknown[] }).keys : await direct((k) => k.list());
    console.log(JSON.stringify(keys, null, 2));
    break;
  }
  case "revoke": {
    if (!target) {
      console.error(usage);
      process.exit(2);
    }
    const answer = await viaServer("DELETE", `/api/admin/keys/${encodeURIComponent(target)}`);
    const revoked = answer ? answer.status === 200 : (await direct((k) => k.revoke(target))) !== undefined;
    if (!revoked) {
      console.error(`No active key ${target}.`);
      process.exit(1);
    }
    console.log(`Revoked ${target}.`);
    break;
  }
  default:
    console.error(usage);
    process.exit(2);
}
