import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller, appRouter } from "@/server/api/root";
import { createContextInner, trpcResponseHeaders } from "@/server/api/trpc";
import { shares, shells } from "@/server/db/schema";
import { createMcpServer } from "@/server/mcp/server";
import { handleRest } from "@/server/rest/router";
import type { Services } from "@/server/services";
import { testServices } from "@/test/services";
import { waitFor } from "@/test/wait";
import { anonymousCaller, browserCaller, keyCaller, shareCaller, SYSTEM, type Identity } from "./caller";
import { EmbedService } from "./embeds";
import { RateLimitedError } from "./errors";

let services: Services & AsyncDisposable;
let alice: Identity;
let bob: Identity;
let aliceKey: string;
let bobKey: string;
const anonymous = anonymousCaller();
const browser = (name: string): Identity => browserCaller(`browser:${name.padEnd(16, "x")}`);

beforeAll(async () => {
  services = await testServices();
  const a = await services.apiKeys.create("alice", 10_000);
  const b = await services.apiKeys.create("bob", 10_000);
  aliceKey = a.key;
  bobKey = b.key;
  alice = keyCaller(a.info.id);
  bob = keyCaller(b.info.id);
  await services.sessions.create(alice, { language: "python", session_id: "acc-alice", entry_file: "main.py" });
  await services.actions.writeFile(alice, "acc-alice", "secret.txt", Buffer.from("alice's secret\n"));
  await services.actions.writeFile(alice, "acc-alice", "main.py", Buffer.from("print('alice')\n"));
}, 300_000);
afterAll(async () => services[Symbol.asyncDispose]());

/** An MCP client talking to the MCP server a request from `caller` gets. */
async function mcpClient(caller: Identity): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(services, caller).connect(serverSide);
  const client = new Client({ name: "access-test", version: "1.0.0" });
  await client.connect(clientSide);
  return client;
}

const text = (result: Record<string, unknown>): string => (result.content as Array<{ text: string }>)[0]?.text ?? "";

async function trpcCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
  return "OK";
}

const aliceFile = async (): Promise<string> =>
  (await services.actions.readFile(alice, "acc-alice", "secret.txt")).data.toString("utf8");

describe("MCP decides nothing itself: the services refuse other callers", () => {
  it("anonymous and another key's callers cannot get, list, read, write, run or exec in another's session", async () => {
    for (const caller of [anonymous, bob]) {
      const client = await mcpClient(caller);
      const calls: Array<[string, Record<string, unknown>]> = [
        ["get_session", { session_id: "acc-alice" }],
        ["list_files", { session_id: "acc-alice" }],
        ["read_file", { session_id: "acc-alice", path: "secret.txt" }],
        ["write_file", { session_id: "acc-alice", path: "secret.txt", content: "overwritten" }],
        ["run_code", { session_id: "acc-alice", code: "print(open('secret.txt').read())" }],
        ["exec_command", { session_id: "acc-alice", command: "cat secret.txt" }],
      ];
      for (const [name, args] of calls) {
        const result = await client.callTool({ name, arguments: args });
        expect({ caller: caller.kind, name, isError: result.isError, text: text(result) }).toEqual({
          caller: caller.kind,
          name,
          isError: true,
          text: "not_found: session acc-alice does not exist",
        });
      }
      await client.close();
    }
    expect(await aliceFile()).toBe("alice's secret\n");
    const own = await mcpClient(alice);
    expect(text(await own.callTool({ name: "read_file", arguments: { session_id: "acc-alice", path: "secret.txt" } }))).toBe(
      "alice's secret\n",
    );
    await own.close();
  });

  it("sessions an MCP caller creates are its own", async () => {
    const client = await mcpClient(bob);
    expect(
      (await client.callTool({ name: "create_session", arguments: { language: "bash", session_id: "acc-bob-mcp" } })).isError,
    ).toBeFalsy();
    await client.close();
    await expect(services.sessions.get(alice, "acc-bob-mcp")).rejects.toThrow("session acc-bob-mcp does not exist");
    await expect(services.sessions.get(anonymous, "acc-bob-mcp")).rejects.toThrow("does not exist");
    expect((await services.sessions.get(bob, "acc-bob-mcp")).id).toBe("acc-bob-mcp");
  });
});

describe("REST passes the caller in", () => {
  const rest = (path: string, key: string, init: RequestInit = {}): Promise<Response> =>
    handleRest(
      new Request(`http://127.0.0.1${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers },
      }),
      services,
    );

  it("another key's caller gets 404 on every endpoint of the session; its owner does not", async () => {
    const attempts: Array<[string, string, string?]> = [
      ["GET", "/api/sessions/acc-alice"],
      ["PATCH", "/api/sessions/acc-alice", JSON.stringify({ default_timeout: 3 })],
      ["GET", "/api/sessions/acc-alice/files"],
      ["GET", "/api/sessions/acc-alice/files/secret.txt"],
      ["PUT", "/api/sessions/acc-alice/files/secret.txt", "overwritten"],
      ["POST", "/api/sessions/acc-alice/run", JSON.stringify({ code: "print(1)" })],
      ["POST", "/api/sessions/acc-alice/exec", JSON.stringify({ command: "cat secret.txt" })],
      ["POST", "/api/sessions/acc-alice/duplicate", JSON.stringify({})],
      ["POST", "/api/sessions/acc-alice/terminals", JSON.stringify({ cols: 80, rows: 24 })],
      ["GET", "/api/sessions/acc-alice/archive"],
      ["GET", "/api/sessions/acc-alice/runs"],
      ["DELETE", "/api/sessions/acc-alice"],
    ];
    for (const [method, path, body] of attempts) {
      // A file body is raw bytes; every other body is JSON.
      const headers: Record<string, string> = method === "PUT" ? { "content-type": "application/octet-stream" } : {};
      const response = await rest(path, bobKey, { method, body, headers });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    }
    expect((await rest("/api/sessions/acc-alice", aliceKey)).status).toBe(200);
    expect(await aliceFile()).toBe("alice's secret\n");
  });
});

describe("tRPC passes the caller in", () => {
  it("another browser gets NOT_FOUND for the session, its files, runs, shells, shares and class copies", async () => {
    const api = createCaller(createContextInner(services, browser("mallory")));
    const id = "acc-alice";
    const codes = {
      get: await trpcCode(api.sessions.get({ id })),
      access: await trpcCode(api.sessions.access({ id })),
      update: await trpcCode(api.sessions.update({ id, patch: { default_timeout: 3 } })),
      fork: await trpcCode(api.sessions.fork({ id })),
      forks: await trpcCode(api.sessions.forks({ id })),
      read: await trpcCode(api.files.read({ id, path: "secret.txt" })),
      write: await trpcCode(api.files.write({ id, path: "secret.txt", file: { content: "x", encoding: "utf8" } })),
      run: await trpcCode(api.runs.run({ id, run: { code: "print(1)" } })),
      start: await trpcCode(api.runs.start({ id, run: { code: "print(1)" } })),
      exec: await trpcCode(api.shells.exec({ id, exec: { command: "true" } })),
      shares: await trpcCode(api.shares.list({ id })),
      share: await trpcCode(api.shares.create({ id, role: "view" })),
      delete: await trpcCode(api.sessions.delete({ id })),
    };
    expect(new Set(Object.values(codes))).toEqual(new Set(["NOT_FOUND"]));
    expect(await aliceFile()).toBe("alice's secret\n");
  });
});

describe("a template's owner reads class copies only", () => {
  it("reads (not writes) copies made through a class link; ordinary forks by link visitors stay private", async () => {
    const teacher = browser("teacher");
    const student = browser("student");
    const visitor = browser("visitor");
    await services.sessions.create(teacher, { language: "python", session_id: "acc-template" });
    await services.actions.writeFile(teacher, "acc-template", "task.py", Buffer.from("print('task')\n"));
    const classLink = await services.shares.create(teacher, "acc-template", "class");
    const viewLink = await services.shares.create(teacher, "acc-template", "view");

    const copy = await services.sessions.joinClass(shareCaller(classLink.token, student), { name: "Sam" });
    expect((await services.sessions.joinClass(shareCaller(classLink.token, student))).id).toBe(copy.id);
    await services.actions.writeFile(student, copy.id, "answer.py", Buffer.from("print(42)\n"));
    const fork = await services.sessions.fork(shareCaller(viewLink.token, visitor), "acc-template");
    await services.actions.writeFile(visitor, fork.id, "private.py", Buffer.from("print('mine')\n"));

    expect((await services.sessions.get(teacher, copy.id)).id).toBe(copy.id);
    expect((await services.actions.readFile(teacher, copy.id, "answer.py")).data.toString()).toBe("print(42)\n");
    expect(await services.sessions.permissions(teacher, copy.id)).toEqual({ write: false, deadline_passed: null });
    await expect(services.actions.writeFile(teacher, copy.id, "answer.py", Buffer.from("x"))).rejects.toThrow("does not exist");
    await expect(services.actions.run(teacher, copy.id, { code: "print(1)" })).rejects.toThrow("does not exist");

    await expect(services.sessions.get(teacher, fork.id)).rejects.toThrow(`session ${fork.id} does not exist`);
    await expect(services.actions.readFile(teacher, fork.id, "private.py")).rejects.toThrow("does not exist");
    expect((await services.sessions.classCopies(teacher, "acc-template")).map((s) => s.id)).toEqual([copy.id]);

    // The template's id freed and taken by someone else: the old class copies are not theirs to read.
    await services.sessions.delete(teacher, "acc-template");
    const squatter = browser("squatter");
    await services.sessions.create(squatter, { language: "python", session_id: "acc-template" });
    await expect(services.sessions.get(squatter, copy.id)).rejects.toThrow("does not exist");
  });
});

describe("students have names", () => {
  it("a new student gives a name that the copy carries; the template's owner alone renames and removes copies", async () => {
    const teacher = browser("name-teacher");
    const student = browser("name-student");
    const other = browser("name-other");
    await services.sessions.create(teacher, { language: "python", session_id: "acc-named", name: "Loops, week 3" });
    expect((await services.sessions.get(teacher, "acc-named")).name).toBe("Loops, week 3");
    const link = await services.shares.create(teacher, "acc-named", "class");
    const as = (who: Identity) => shareCaller(link.token, who);

    // No name, a blank one, a line break or an over-long one: refused with what to fix, and no copy made.
    await expect(services.sessions.joinClass(as(student))).rejects.toThrow(
      "give your name to join this class: a name cannot be empty",
    );
    await expect(services.sessions.joinClass(as(student), { name: "   " })).rejects.toThrow("a name cannot be empty");
    await expect(services.sessions.joinClass(as(student), { name: "Ann\nBob" })).rejects.toThrow(
      "cannot hold control characters",
    );
    await expect(services.sessions.joinClass(as(student), { name: "x".repeat(81) })).rejects.toThrow("at most 80 characters");
    expect(await services.sessions.classCopies(teacher, "acc-named")).toEqual([]);

    const copy = await services.sessions.joinClass(as(student), { name: "  Ada  " });
    expect(copy.name).toBe("Ada");
    // Coming back needs no name, and a different one changes nothing.
    expect((await services.sessions.joinClass(as(student), { name: "Someone else" })).id).toBe(copy.id);
    expect((await services.sessions.get(student, copy.id)).name).toBe("Ada");
    const second = await services.sessions.joinClass(as(other), { name: "Bo" });
    expect((await services.sessions.classCopies(teacher, "acc-named")).map((s) => s.name).sort()).toEqual(["Ada", "Bo"]);

    // The teacher's dashboard: who has not started, whose last run passed or failed.
    const standing = async (): Promise<Record<string, string>> =>
      Object.fromEntries(
        (await services.sessions.classProgress(teacher, "acc-named")).map((p): [string, string] => [
          p.name ?? "",
          `${p.state}/${p.runs}`,
        ]),
      );
    expect(await standing()).toEqual({ Ada: "not started/0", Bo: "not started/0" });
    await services.actions.run(student, copy.id, { code: "raise SystemExit(3)" });
    await services.actions.run(other, second.id, { code: "print(1)" });
    await services.actions.run(other, second.id, { code: "print(2)" });
    expect(await standing()).toEqual({ Ada: "last run failed/1", Bo: "last run passed/2" });
    const ada = (await services.sessions.classProgress(teacher, "acc-named")).find((p) => p.name === "Ada");
    expect(ada?.last_run).toMatchObject({ exit_code: 3, timed_out: false, source: "code" });
    await expect(services.sessions.classProgress(other, "acc-named")).rejects.toThrow("does not exist");

    // Renaming and removing: the template's owner only; everyone else is told the copy does not exist.
    await expect(services.sessions.renameClassCopy(teacher, copy.id, "")).rejects.toThrow("a name cannot be empty");
    expect((await services.sessions.renameClassCopy(teacher, copy.id, "Ada Lovelace")).name).toBe("Ada Lovelace");
    await expect(services.sessions.renameClassCopy(other, copy.id, "Mallory")).rejects.toThrow("does not exist");
    await expect(services.sessions.renameClassCopy(student, copy.id, "Mallory")).rejects.toThrow("does not exist");
    await expect(services.sessions.removeClassCopy(other, copy.id)).rejects.toThrow("does not exist");
    await expect(services.sessions.renameClassCopy(teacher, "acc-named", "Template")).rejects.toThrow("does not exist");
    // The student still renames their own copy as its owner.
    expect((await services.sessions.update(student, copy.id, { name: "Ada L." })).name).toBe("Ada L.");

    await services.sessions.removeClassCopy(teacher, second.id);
    await expect(services.sessions.get(other, second.id)).rejects.toThrow("does not exist");
    expect((await services.sessions.classCopies(teacher, "acc-named")).map((s) => s.id)).toEqual([copy.id]);

    // The same through tRPC, with the caller each transport passes in.
    const asTeacher = createCaller(createContextInner(services, teacher));
    const asOther = createCaller(createContextInner(services, other));
    expect((await asTeacher.sessions.renameCopy({ id: copy.id, name: "Ada" })).name).toBe("Ada");
    expect(await trpcCode(asOther.sessions.removeCopy({ id: copy.id }))).toBe("NOT_FOUND");
    expect(await trpcCode(asTeacher.sessions.renameCopy({ id: copy.id, name: "\u0007" }))).toBe("BAD_REQUEST");
  });
});

describe("embeds need an embed link and are rate-limited", () => {
  beforeAll(async () => {
    await services.sessions.create(alice, { language: "python", session_id: "acc-embed", entry_file: "main.py" });
    await services.actions.writeFile(alice, "acc-embed", "main.py", Buffer.from("print('from the embed')\n"));
  });

  it("refuses a session id and a view link, shows and runs with an embed link, and leaves no copy behind", async () => {
    const viewer = createCaller(createContextInner(services, browser("embed-viewer")));
    const view = await services.shares.create(alice, "acc-embed", "view");
    expect(await trpcCode(viewer.shares.embed({ token: "acc-embed" }))).toBe("NOT_FOUND");
    expect(await trpcCode(viewer.shares.embedRun({ token: "acc-embed", code: "print(1)" }))).toBe("NOT_FOUND");
    expect(await trpcCode(viewer.shares.embed({ token: view.token }))).toBe("BAD_REQUEST");
    expect(await trpcCode(viewer.shares.embedRun({ token: view.token, code: "print(1)" }))).toBe("BAD_REQUEST");

    const embed = await services.shares.create(alice, "acc-embed", "embed");
    expect(await viewer.shares.embed({ token: embed.token })).toEqual({
      language: "python",
      path: "main.py",
      code: "print('from the embed')\n",
      editable: true,
    });
    const ran = await viewer.shares.embedRun({ token: embed.token, code: "print(open('main.py').read().upper())" });
    expect(ran).toMatchObject({ exit_code: 0, stdout: "PRINT('FROM THE EMBED')\n\n" });
    // The run's copy is gone, and the embed link opens neither the session page nor its files.
    await expect(services.sessions.get(SYSTEM, ran.session_id)).rejects.toThrow("does not exist");
    expect(await trpcCode(viewer.shares.resolve({ token: embed.token }))).toBe("BAD_REQUEST");
    expect(await trpcCode(viewer.shares.files({ token: embed.token }))).toBe("NOT_FOUND");
  });

  it("shows the file its author picked; a read-only embed runs that file whatever the reader sends", async () => {
    const reader = createCaller(createContextInner(services, browser("embed-reader")));
    await services.actions.writeFile(alice, "acc-embed", "lesson/step2.py", Buffer.from("print('step two')\n"));
    await services.actions.writeFile(alice, "acc-embed", ".hidden.py", Buffer.from("print('hidden')\n"));
    await services.actions.writeFile(alice, "acc-embed", ".env", Buffer.from("TOKEN=s3cret\n"));
    // Bad choices are refused when the link is made, saying what to fix.
    await expect(services.shares.create(alice, "acc-embed", "embed", undefined, { path: "nope.py" })).rejects.toThrow(
      '"nope.py" is not a file of this session',
    );
    for (const hidden of [".env", ".hidden.py", "lesson/../.env"])
      await expect(services.shares.create(alice, "acc-embed", "embed", undefined, { path: hidden })).rejects.toThrow(
        "cannot be embedded",
      );
    await expect(services.shares.create(alice, "acc-embed", "view", undefined, { editable: false })).rejects.toThrow(
      "for embed links only",
    );
    const asAuthor = createCaller(createContextInner(services, alice));
    expect(await trpcCode(asAuthor.shares.create({ id: "acc-embed", role: "embed", embed: { path: ".env" } }))).toBe(
      "BAD_REQUEST",
    );

    const fixed = await services.shares.create(alice, "acc-embed", "embed", undefined, {
      path: "lesson/step2.py",
      editable: false,
    });
    expect(await reader.shares.embed({ token: fixed.token })).toEqual({
      language: "python",
      path: "lesson/step2.py",
      code: "print('step two')\n",
      editable: false,
    });
    const ran = await reader.shares.embedRun({ token: fixed.token, code: "print(open('.env').read())" });
    expect(ran).toMatchObject({ exit_code: 0, stdout: "step two\n" });
    expect((await services.shares.list(alice, "acc-embed")).find((s) => s.id === fixed.id)?.embed).toEqual({
      path: "lesson/step2.py",
      editable: false,
    });
    // The file removed later: the embed says so instead of showing another file.
    await services.actions.deleteFile(alice, "acc-embed", "lesson/step2.py");
    await expect(reader.shares.embed({ token: fixed.token })).rejects.toThrow("no longer in the session");
  });

  it("streams an embed run's output to followers of that embed only, and removes its copy after", async () => {
    const reader = createCaller(createContextInner(services, browser("embed-streamer")));
    const embed = await services.shares.create(alice, "acc-embed", "embed");
    const other = await services.shares.create(alice, "acc-embed", "embed");
    const before = (await services.sessions.list(SYSTEM, { limit: 500 })).length;
    const { stream_id } = await reader.shares.embedStart({ token: embed.token, code: "print('a')\nprint('b')" });
    // Another embed link of the same session cannot follow it.
    const foreign = await reader.shares.embedFollow({ token: other.token, stream_id });
    await expect(foreign[Symbol.asyncIterator]().next()).rejects.toThrow("no embed run");
    const events: string[] = [];
    for await (const event of await reader.shares.embedFollow({ token: embed.token, stream_id })) {
      events.push(
        event.type === "exit"
          ? `exit ${event.exit_code}`
          : event.type === "display"
            ? `[${event.mime}]`
            : Buffer.from(event.data, event.encoding === "base64" ? "base64" : "utf8").toString(),
      );
    }
    expect(events.join("")).toBe("a\nb\nexit 0");
    await waitFor(
      "the throwaway copy removed",
      async () => (await services.sessions.list(SYSTEM, { limit: 500 })).length === before,
    );
  });

  it("without an entry file shows the first ordinary file, never a sensitive or hidden one", async () => {
    await services.sessions.create(alice, { language: "python", session_id: "acc-embed-env" });
    await services.actions.writeFile(alice, "acc-embed-env", ".env", Buffer.from("API_KEY=secret-in-env\n"));
    await services.actions.writeFile(alice, "acc-embed-env", "api.pem", Buffer.from("PRIVATE\n"));
    await services.actions.writeFile(alice, "acc-embed-env", "main.py", Buffer.from("print('shown')\n"));
    const embed = await services.shares.create(alice, "acc-embed-env", "embed");
    const viewer = createCaller(createContextInner(services, browser("embed-env-viewer")));
    expect(await viewer.shares.embed({ token: embed.token })).toEqual({
      language: "python",
      path: "main.py",
      code: "print('shown')\n",
      editable: true,
    });
  });

  it("answers 429 with Retry-After per address, and per link over all addresses", async () => {
    const embed = await services.shares.create(alice, "acc-embed", "embed");
    const limited = new EmbedService(services.database.db, services.sessions, services.actions, {
      runsPerAddressPerMinute: 2,
      runsPerSharePerMinute: 3,
    });
    const call = (address: string): Promise<Response> =>
      fetchRequestHandler({
        endpoint: "/api/trpc",
        req: new Request("http://127.0.0.1/api/trpc/shares.embedRun", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ json: { token: embed.token, code: "print('hi')" } }),
        }),
        router: appRouter,
        createContext: () => createContextInner({ ...services, embeds: limited }, anonymousCaller(address)),
        responseMeta: ({ errors }) => ({ headers: trpcResponseHeaders(errors) }),
      });
    expect((await call("198.51.100.1")).status).toBe(200);
    expect((await call("198.51.100.1")).status).toBe(200);
    const refused = await call("198.51.100.1");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(JSON.stringify(await refused.json())).toContain("embeds allow 2 runs a minute from one address; retry in");
    // Another address still may, until the link's own limit (3 a minute) is used up.
    expect((await call("198.51.100.2")).status).toBe(200);
    const linkLimited = await call("198.51.100.3");
    expect(linkLimited.status).toBe(429);
    expect(JSON.stringify(await linkLimited.json())).toContain("this embed allows 3 runs a minute");
    await expect(limited.run(shareCaller(embed.token, anonymousCaller("198.51.100.4")), "print(1)")).rejects.toBeInstanceOf(
      RateLimitedError,
    );
  });
});

describe("deleteShell", () => {
  it("deletes only that session's shell, not another session's shell with the same id", async () => {
    await services.sessions.create(anonymous, { language: "bash", session_id: "acc-shell-a" });
    await services.sessions.create(anonymous, { language: "bash", session_id: "acc-shell-b" });
    await services.actions.createShell(anonymous, "acc-shell-a", "same");
    await services.actions.createShell(anonymous, "acc-shell-b", "same");
    await services.actions.deleteShell(anonymous, "acc-shell-a", "same");
    const rows = async (sessionId: string): Promise<number> =>
      (
        await services.database.db
          .select()
          .from(shells)
          .where(and(eq(shells.sessionId, sessionId), eq(shells.shellId, "same")))
      ).length;
    expect({ a: await rows("acc-shell-a"), b: await rows("acc-shell-b") }).toEqual({ a: 0, b: 1 });
    expect((await services.actions.exec(anonymous, "acc-shell-b", { command: "echo alive", shell_id: "same" })).stdout).toBe(
      "alive\n",
    );
  });
});

describe("share links shown again", () => {
  it("keeps tokens sealed in the database, shows them to the session's writers only, and points a student of a revoked class link to their copy", async () => {
    const teacher = browser("teacher-2");
    const student = browser("student-2");
    const stranger = browser("stranger-2");
    await services.sessions.create(teacher, { language: "python", session_id: "acc-links" });
    const link = await services.shares.create(teacher, "acc-links", "class");

    const rows = await services.database.db.select().from(shares).where(eq(shares.id, link.id));
    expect(JSON.stringify(rows)).not.toContain(link.token);
    expect(rows[0]?.tokenSealed).toBeTruthy();
    expect((await services.shares.list(teacher, "acc-links")).map((s) => s.token)).toEqual([link.token]);
    await expect(services.shares.list(stranger, "acc-links")).rejects.toThrow("does not exist");
    await expect(services.shares.list(shareCaller(link.token, student), "acc-links")).rejects.toThrow("does not exist");

    const copy = await services.sessions.joinClass(shareCaller(link.token, student), { name: "Kim" });
    expect(await services.shares.revoke(teacher, "acc-links", link.id)).toBe(true);
    await expect(services.sessions.joinClass(shareCaller(link.token, student))).rejects.toThrow("revoked by its owner");
    expect(await services.shares.ownClassCopy(shareCaller(link.token, student))).toEqual({ session_id: copy.id });
    expect(await services.shares.ownClassCopy(shareCaller(link.token, stranger))).toBeNull();
    expect(await services.shares.ownClassCopy(shareCaller("no-such-token", student))).toBeNull();
    // A revoked link is not shown again, and its sealed token is gone from the database.
    expect((await services.shares.list(teacher, "acc-links")).map((s) => s.token)).toEqual([null]);
    const [revoked] = await services.database.db.select().from(shares).where(eq(shares.id, link.id));
    expect(revoked?.tokenSealed).toBeNull();
  });
});

describe("following a workspace", () => {
  it("tells a link's visitor what changes, and stops once the link is revoked", async () => {
    await services.sessions.create(alice, { language: "python", session_id: "acc-follow" });
    await services.actions.writeFile(alice, "acc-follow", "a.txt", Buffer.from("a"));
    const view = await services.shares.create(alice, "acc-follow", "view");
    const visitor = shareCaller(view.token, anonymousCaller("198.51.100.9"));
    services.actions.watchRecheckMs = 0;
    const controller = new AbortController();
    const changes = services.actions.watchFiles(visitor, "acc-follow", controller.signal)[Symbol.asyncIterator]();
    try {
      // The watch starts once the visitor's access is checked: files written until it is told are seen.
      const first = changes.next();
      let told: IteratorResult<unknown> | undefined;
      void first.then((result) => (told = result));
      let n = 0;
      await waitFor("the first change to be told", async () => {
        await services.actions.writeFile(alice, "acc-follow", `b${n++}.txt`, Buffer.from("b"));
        return told !== undefined;
      });
      const paths = (told?.value as { paths: string[] }).paths;
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) expect(path).toMatch(/^b\d+\.txt$/);
      await services.shares.revoke(alice, "acc-follow", view.id);
      const second = changes.next();
      await services.actions.writeFile(alice, "acc-follow", "c.txt", Buffer.from("c"));
      await expect(second).rejects.toThrow();
    } finally {
      services.actions.watchRecheckMs = 10_000;
      controller.abort();
    }
  }, 60_000);
});

describe("a student's changes against the template", () => {
  it("are counted and diffed for the template's owner, and for nobody else", async () => {
    const teacher = browser("diff-teacher");
    const student = browser("diff-student");
    await services.sessions.create(teacher, { language: "python", session_id: "acc-diff" });
    await services.actions.writeFile(teacher, "acc-diff", "main.py", Buffer.from("def add(a, b):\n    return 0\n"));
    await services.actions.writeFile(teacher, "acc-diff", "data.csv", Buffer.from("a,b\n1,2\n"));
    await services.actions.writeFile(teacher, "acc-diff", "README.md", Buffer.from("# Task\n"));
    const link = await services.shares.create(teacher, "acc-diff", "class");
    const copy = await services.sessions.joinClass(shareCaller(link.token, student), { name: "Diff" });
    await services.actions.writeFile(student, copy.id, "main.py", Buffer.from("def add(a, b):\n    return a + b\n"));
    await services.actions.writeFile(student, copy.id, "scratch.py", Buffer.from("print(1)\n"));
    await services.actions.deleteFile(student, copy.id, "data.csv", false);

    const changes = await services.actions.copyChanges(teacher, copy.id);
    expect(changes).toMatchObject({ template_id: "acc-diff", added: 1, removed: 1, changed: 1, unchanged: 1 });
    const main = changes.files.find((file) => file.path === "main.py");
    expect(main?.patch).toContain("-    return 0");
    expect(main?.patch).toContain("+    return a + b");

    // The student, another caller, or the teacher on an ordinary session: no such copy.
    await expect(services.actions.copyChanges(student, copy.id)).rejects.toThrow("does not exist");
    await expect(services.actions.copyChanges(browser("diff-other"), copy.id)).rejects.toThrow("does not exist");
    await expect(services.actions.copyChanges(teacher, "acc-diff")).rejects.toThrow("does not exist");
  }, 60_000);
});
