import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/root";
import { createContextInner } from "@/server/api/trpc";
import { createMcpServer } from "@/server/mcp/server";
import { handleRest } from "@/server/rest/router";
import type { Services } from "@/server/services";
import { keyCaller, shareCaller, type Identity } from "@/server/sessions/caller";
import { startPackageServers, type PackageServers } from "@/test/package-servers";
import { testServices } from "@/test/services";

let services: Services & AsyncDisposable;
let packages: PackageServers;
let owner: Identity;
let ownerKey: string;
let otherKey: string;

beforeAll(async () => {
  packages = await startPackageServers();
  services = await testServices({ SANDPIT_PIP_INDEX_URL: packages.pipIndexUrl });
  const a = await services.apiKeys.create("owner", 10_000);
  const b = await services.apiKeys.create("other", 10_000);
  owner = keyCaller(a.info.id);
  ownerKey = a.key;
  otherKey = b.key;
}, 300_000);
afterAll(async () => {
  await services?.[Symbol.asyncDispose]();
  await packages?.[Symbol.asyncDispose]();
});

const rest = (path: string, key: string, init: RequestInit = {}): Promise<Response> =>
  handleRest(
    new Request(`http://127.0.0.1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers },
    }),
    services,
  );

async function mcpClient(caller: Identity): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(services, caller).connect(serverSide);
  const client = new Client({ name: "edit-setup-test", version: "1.0.0" });
  await client.connect(clientSide);
  return client;
}

const python = async (id: string, code: string): Promise<{ stdout: string; stderr: string; exit_code: number }> =>
  services.actions.run(owner, id, { code });

// A module only the first setup's layer has: it goes when a new layer is attached.
const FIRST_SETUP = {
  commands: ["mkdir -p /opt/layer/python && echo 'WHO = \"first layer\"' > /opt/layer/python/first_layer.py"],
};

describe("Editing a session's setup", () => {
  it("runs the new setup as a new layer, keeps the workspace's files, and a failed edit keeps the old layer", async () => {
    const id = "edit-setup";
    await services.sessions.create(owner, { language: "python", session_id: id, setup: FIRST_SETUP });
    expect((await services.setups.waitFor(id)).status).toBe("completed");
    await services.actions.writeFile(owner, id, "notes.txt", Buffer.from("written before the edit\n"));
    expect((await python(id, "import first_layer; print(first_layer.WHO)")).stdout).toBe("first layer\n");

    const submitted = await services.sessions.editSetup(owner, id, { pip: ["sandpit-demo==0.1.0"] });
    expect(submitted).toMatchObject({ status: "pending", pip_packages: ["sandpit-demo==0.1.0"] });
    // One setup at a time: a second edit while this one is under way is refused.
    await expect(services.sessions.editSetup(owner, id, { pip: [] })).rejects.toMatchObject({ name: "SetupBusyError" });
    const done = await services.setups.waitFor(id);
    expect(done, done.stderr).toMatchObject({ status: "completed", success: true });

    expect((await services.actions.readFile(owner, id, "notes.txt")).data.toString()).toBe("written before the edit\n");
    expect(await python(id, "import sandpit_demo; print(sandpit_demo.greet('edit'))")).toMatchObject({
      stdout: "hello edit from a wheel\n",
      exit_code: 0,
    });
    expect((await python(id, "import first_layer")).stderr).toContain("No module named 'first_layer'");
    const session = await services.sessions.get(owner, id);
    expect(session).toMatchObject({ setup_status: "completed", setup: { pip: ["sandpit-demo==0.1.0"] } });

    // A failing edit: the session shows the failure and its cause, and runs keep the layer that completed.
    await services.sessions.editSetup(owner, id, {
      pip: ["sandpit-demo==0.1.0"],
      commands: ["echo 'broken on purpose' >&2; exit 3"],
    });
    const failed = await services.setups.waitFor(id);
    expect(failed).toMatchObject({ status: "failed", success: false });
    expect(failed.error).toContain("commands");
    expect(failed.error?.split("\n")).toHaveLength(1);
    expect(failed.steps.find((step) => step.name === "commands")?.log).toContain("broken on purpose");
    expect((await python(id, "import sandpit_demo; print(sandpit_demo.greet('still'))")).stdout).toBe(
      "hello still from a wheel\n",
    );
    expect((await services.actions.readFile(owner, id, "notes.txt")).data.toString()).toBe("written before the edit\n");

    // Retrying the failed edit runs the same (failing) spec again; the old layer stays meanwhile too.
    await services.sessions.retrySetup(owner, id);
    expect((await services.setups.waitFor(id)).status).toBe("failed");
    expect((await python(id, "import sandpit_demo; print('ok')")).stdout).toBe("ok\n");

    // The layer in use is no setup's any more, yet pruning keeps it: its sandbox still mounts it.
    const inUse = done.layer?.key as string;
    const pruned = await services.setups.prune(0, new Date(Date.now() + 86_400_000));
    expect(pruned).not.toContain(inUse);
    expect(await services.store.head(inUse)).toBeGreaterThan(0);
  }, 600_000);

  it("keeps setup envs out of runs after an edit", async () => {
    const id = "edit-envs";
    await services.sessions.create(owner, { language: "bash", session_id: id });
    await services.sessions.editSetup(owner, id, {
      envs: { SETUP_ONLY: "s3cret" },
      commands: ['echo "seen=$SETUP_ONLY" > /opt/layer/seen.txt'],
    });
    expect((await services.setups.waitFor(id)).status).toBe("completed");
    const run = await services.actions.run(owner, id, { code: 'cat /opt/layer/seen.txt; echo "run=${SETUP_ONLY:-unset}"' });
    expect(run.stdout).toBe("seen=s3cret\nrun=unset\n");
    expect((await services.sessions.get(owner, id)).setup?.envs).toEqual({ SETUP_ONLY: "[hidden]" });
  }, 300_000);

  it("refuses callers who may only read the session, on every transport", async () => {
    const id = "edit-refused";
    await services.sessions.create(owner, { language: "python", session_id: id });
    const link = await services.shares.create(owner, id, "view");
    const visitor = shareCaller(link.token, keyCaller("visitor-key"));
    // The visitor may read the session, not change its setup.
    await expect(services.sessions.get(visitor, id)).resolves.toMatchObject({ id });
    await expect(services.sessions.editSetup(visitor, id, { pip: ["sandpit-demo"] })).rejects.toMatchObject({
      name: "SessionNotFoundError",
    });

    const response = await rest(`/api/sessions/${id}/setup`, otherKey, {
      method: "PATCH",
      body: JSON.stringify({ pip: ["sandpit-demo"] }),
    });
    expect(response.status).toBe(404);
    const api = createCaller(createContextInner(services, keyCaller("someone-else")));
    await expect(api.sessions.editSetup({ id, setup: { pip: ["sandpit-demo"] } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    // Nothing was submitted for it.
    expect((await services.sessions.get(owner, id)).setup_status).toBe("none");
  });

  it("answers a bad spec with 400 and what to fix, as creation does", async () => {
    const id = "edit-invalid";
    await services.sessions.create(owner, { language: "python", session_id: id });
    const response = await rest(`/api/sessions/${id}/setup`, ownerKey, {
      method: "PATCH",
      body: JSON.stringify({ pip: ["--index-url=http://evil.example"], shell: "yes" }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; message: string; details: string[] };
    expect(body.details.join("\n")).toContain('pip packages cannot be options (they start with "-")');
    expect(body.details.join("\n")).toMatch(/shell/);

    const api = createCaller(createContextInner(services, owner));
    const error = await api.sessions.editSetup({ id, setup: { npm: ["Not A Package!"] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe("BAD_REQUEST");
    expect((error as TRPCError).message).toContain("is not a valid npm package");
    // The service itself validates too (MCP passes the spec through unchecked).
    await expect(services.sessions.editSetup(owner, id, { go: "not a list" })).rejects.toMatchObject({
      name: "SetupSpecError",
    });
    expect((await services.sessions.get(owner, id)).setup_status).toBe("none");
  });

  it("takes a new setup over REST and answers 202 with the queued setup", async () => {
    const id = "edit-rest";
    await services.sessions.create(owner, { language: "bash", session_id: id });
    const response = await rest(`/api/sessions/${id}/setup`, ownerKey, {
      method: "PATCH",
      body: JSON.stringify({ commands: ["echo rest > from-setup.txt"] }),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: "pending", steps: [] });
    expect((await services.setups.waitFor(id)).status).toBe("completed");
    // Files the setup's commands wrote join the workspace.
    expect((await services.actions.readFile(owner, id, "from-setup.txt")).data.toString()).toBe("rest\n");
  }, 300_000);

  it("takes a new setup over MCP, for those who may change the session only", async () => {
    const id = "edit-mcp";
    await services.sessions.create(owner, { language: "bash", session_id: id });
    const text = (result: Record<string, unknown>): string => (result.content as Array<{ text: string }>)[0]?.text ?? "";

    const stranger = await mcpClient(keyCaller("mcp-stranger"));
    const refused = await stranger.callTool({ name: "edit_setup", arguments: { session_id: id, setup: { commands: ["true"] } } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain("does not exist");

    const client = await mcpClient(owner);
    const bad = await client.callTool({ name: "edit_setup", arguments: { session_id: id, setup: { npm: ["-g evil"] } } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('npm packages cannot be options (they start with "-")');

    const done = await client.callTool({
      name: "edit_setup",
      arguments: { session_id: id, setup: { commands: ["echo mcp > via-mcp.txt"] } },
    });
    expect(done.isError).toBeFalsy();
    expect((await services.setups.waitFor(id)).status).toBe("completed");
    expect((await services.actions.readFile(owner, id, "via-mcp.txt")).data.toString()).toBe("mcp\n");
  }, 300_000);
});
