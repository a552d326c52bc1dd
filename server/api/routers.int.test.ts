import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "@/test/databases";
import { testServices } from "@/test/services";
import type { Services } from "@/server/services";
import { anonymousCaller, shareCaller } from "@/server/sessions/caller";
import { createCaller } from "./root";
import { createContextInner } from "./trpc";

describe.each(testDatabases())("tRPC routers on $name", (database) => {
  let services: Services & AsyncDisposable;
  let api: ReturnType<typeof createCaller>;

  beforeAll(async () => {
    services = await testServices(await database.env());
    api = createCaller(createContextInner(services));
  });
  afterAll(async () => {
    await services[Symbol.asyncDispose]();
    await database.cleanup();
  });

  async function codeOf(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof TRPCError) return error.code;
      throw error;
    }
    throw new Error("expected the call to fail");
  }

  describe("sessions, runs, shells and files", () => {
    it("create, get, list, update, fork and delete sessions", async () => {
      const created = await api.sessions.create({ language: "py", session_id: "trpc-one", metadata: { course: "intro" } });
      expect(created).toMatchObject({ id: "trpc-one", language: "python", setup_status: "none", metadata: { course: "intro" } });
      expect((await api.sessions.get({ id: "trpc-one" })).id).toBe("trpc-one");
      expect((await api.sessions.list()).map((s) => s.id)).toContain("trpc-one");
      expect((await api.sessions.update({ id: "trpc-one", patch: { default_timeout: 5 } })).default_timeout).toBe(5);
      await api.files.write({ id: "trpc-one", path: "main.py", file: { content: "print('forked file')", encoding: "utf8" } });
      const fork = await api.sessions.fork({ id: "trpc-one", new_id: "trpc-fork" });
      expect(fork).toMatchObject({ id: "trpc-fork", forked_from: "trpc-one" });
      expect((await api.files.read({ id: "trpc-fork", path: "main.py" })).content).toBe("print('forked file')");
      await api.sessions.delete({ id: "trpc-fork" });
      expect(await codeOf(api.sessions.get({ id: "trpc-fork" }))).toBe("NOT_FOUND");
    });

    it("maps domain errors to tRPC codes", async () => {
      expect(await codeOf(api.sessions.create({ language: "python", session_id: "trpc-one" }))).toBe("CONFLICT");
      expect(await codeOf(api.sessions.create({ language: "cobol" }))).toBe("BAD_REQUEST");
      expect(await codeOf(api.runs.run({ id: "no-such", run: { code: "1" } }))).toBe("NOT_FOUND");
      expect(await codeOf(api.files.read({ id: "trpc-one", path: "../etc/passwd" }))).toBe("BAD_REQUEST");
    });

    it("runs code, streams a run, and lists recent runs without their env", async () => {
      const result = await api.runs.run({
        id: "trpc-one",
        run: { code: "import os\nprint(os.environ['TOKEN'])", env: { TOKEN: "t0k" } },
      });
      expect(result).toMatchObject({ exit_code: 0, stdout: "t0k\n" });
      const events = [];
      const { stream_id } = await api.runs.start({ id: "trpc-one", run: { code: "print('a'); import sys; sys.exit(3)" } });
      for await (const event of await api.runs.follow({ id: "trpc-one", stream_id })) events.push(event);
      expect(events.at(-1)).toMatchObject({ type: "exit", exit_code: 3 });
      expect(
        events
          .filter((e) => e.type === "stdout")
          .map((e) => ("data" in e ? e.data : ""))
          .join(""),
      ).toBe("a\n");
      const recent = await api.runs.recent({ id: "trpc-one" });
      expect(recent.length).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(recent)).not.toContain("t0k");
    });

    it("creates shells, runs commands in them and deletes them", async () => {
      const { shell_id } = await api.shells.create({ id: "trpc-one", shell_id: "term-1" });
      await api.shells.exec({ id: "trpc-one", exec: { command: "cd /tmp", shell_id } });
      expect((await api.shells.exec({ id: "trpc-one", exec: { command: "pwd", shell_id } })).stdout).toBe("/tmp\n");
      expect((await api.shells.list({ id: "trpc-one" })).map((s) => s.shell_id)).toContain("term-1");
      await api.shells.delete({ id: "trpc-one", shell_id });
      expect((await api.shells.list({ id: "trpc-one" })).map((s) => s.shell_id)).not.toContain("term-1");
    });

    it("stores a setup with its steps and result", async () => {
      const session = await api.sessions.create({
        language: "bash",
        setup: { commands: ["echo set up"], envs: { MODE: "test" } },
      });
      expect(session.setup_status).toBe("pending");
      expect(session.setup).toEqual({ commands: ["echo set up"], envs: { MODE: "[hidden]" } });
      const done = await services.setups.waitFor(session.id, 120_000);
      expect(done).toMatchObject({ status: "completed", commands_run: 1, steps: [{ name: "commands", status: "completed" }] });
      expect((await api.sessions.get({ id: session.id })).setup_result?.layer?.key).toBe(done.layer?.key);
    });

    it("keeps API keys hashed; revoked keys stop authenticating", async () => {
      const { key, info } = await services.apiKeys.create("db-test", 60);
      expect(await services.apiKeys.required()).toBe(true);
      expect((await services.apiKeys.authenticate(key))?.id).toBe(info.id);
      expect(JSON.stringify(await services.apiKeys.list())).not.toContain(key);
      await services.apiKeys.revoke(info.prefix);
      expect(await services.apiKeys.authenticate(key)).toBeUndefined();
    });

    it("creates share links that resolve until revoked or expired", async () => {
      const share = await api.shares.create({ id: "trpc-one", role: "view" });
      expect(share.token.length).toBeGreaterThanOrEqual(43); // 256 random bits, base64url
      expect((await api.shares.resolve({ token: share.token })).session.id).toBe("trpc-one");
      expect((await api.shares.list({ id: "trpc-one" })).map((s) => s.id)).toContain(share.id);
      // Writers see their links' tokens again (kept sealed); a revoked link's token is gone.
      expect((await api.shares.list({ id: "trpc-one" })).find((s) => s.id === share.id)?.token).toBe(share.token);
      expect(await api.shares.revoke({ id: "trpc-one", share_id: share.id })).toEqual({ revoked: true });
      expect(JSON.stringify(await api.shares.list({ id: "trpc-one" }))).not.toContain(share.token);
      expect(await codeOf(api.shares.resolve({ token: share.token }))).toBe("NOT_FOUND");
      const expiring = await api.shares.create({ id: "trpc-one", role: "fork", expires_in: 60 });
      await expect(
        services.shares.open(shareCaller(expiring.token, anonymousCaller()), new Date(Date.now() + 120_000)),
      ).rejects.toThrow("valid until a date that has passed");
      expect(await codeOf(api.shares.resolve({ token: "x".repeat(43) }))).toBe("NOT_FOUND");
    });

    it("works on files: mkdir, move, list, delete", async () => {
      await api.files.mkdir({ id: "trpc-one", path: "src" });
      await api.files.write({
        id: "trpc-one",
        path: "src/a.txt",
        file: { content: Buffer.from([0xff]).toString("base64"), encoding: "base64" },
      });
      expect((await api.files.read({ id: "trpc-one", path: "src/a.txt" })).encoding).toBe("base64");
      await api.files.move({ id: "trpc-one", from: "src/a.txt", to: "src/b.txt" });
      expect((await api.files.list({ id: "trpc-one", path: "src" })).map((f) => f.path)).toEqual(["src/b.txt"]);
      await api.files.delete({ id: "trpc-one", path: "src", recursive: true });
      expect((await api.files.list({ id: "trpc-one" })).map((f) => f.path)).not.toContain("src");
    });
  });
});
