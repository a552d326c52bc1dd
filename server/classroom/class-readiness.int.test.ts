import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleRest } from "@/server/rest/router";
import type { Services } from "@/server/services";
import { browserCaller, keyCaller, shareCaller, type Identity } from "@/server/sessions/caller";
import { testServices } from "@/test/services";

let services: Services & AsyncDisposable;
const browser = (name: string): Identity => browserCaller(`browser:${name.padEnd(16, "x")}`);
const teacher = browser("ready-teacher");
const stranger = browser("ready-stranger");

beforeAll(async () => {
  services = await testServices({ SANDPIT_WARM_POOL: "0", SANDPIT_WARM_POOL_MAX: "6" });
  await services.sessions.create(teacher, {
    language: "python",
    session_id: "ready-template",
    entry_file: "main.py",
    setup: { commands: ["echo from-setup > setup.txt"] },
  });
  await services.setups.waitFor("ready-template", 120_000);
  await services.actions.writeFile(
    teacher,
    "ready-template",
    "main.py",
    Buffer.from("print(open('setup.txt').read().strip())\n"),
  );
}, 300_000);
afterAll(async () => services[Symbol.asyncDispose]());

describe("getting a class ready", () => {
  it("starts sandboxes with the class's setup ahead; students who join then start in them and run at once", async () => {
    expect(await services.sessions.classReadiness(teacher, "ready-template")).toEqual({ students: 0, ready: 0 });
    const asked = await services.sessions.prepareClass(teacher, "ready-template", { students: 3 });
    expect(asked.students).toBe(3);
    await services.sandboxes.pool?.settled();
    expect(await services.sessions.classReadiness(teacher, "ready-template")).toEqual({ students: 3, ready: 3 });
    const token = (await services.shares.create(teacher, "ready-template", "class")).token;
    const students = ["Ana", "Ben", "Cy"].map((name) => ({ name, caller: browser(`ready-${name}`) }));
    const copies = await Promise.all(
      students.map(({ name, caller }) => services.sessions.joinClass(shareCaller(token, caller), { name })),
    );
    for (const [i, copy] of copies.entries()) {
      // Running as soon as the join returned: it took a sandbox started before the student came.
      expect(services.sandboxes.peek(copy.id)).toBeDefined();
      const caller = students[i]?.caller as Identity;
      const run = await services.actions.run(caller, copy.id, {});
      expect(run.stdout).toBe("from-setup\n");
    }
    const stats = services.sandboxes.pool?.snapshot();
    expect(stats?.taken).toBeGreaterThanOrEqual(3);
    // The three expected students came: none is kept ready for them any more.
    await services.sandboxes.pool?.settled();
    expect(await services.sessions.classReadiness(teacher, "ready-template")).toEqual({ students: 0, ready: 0 });
    // A student's copy is their own: a change there is not in the others'.
    await services.actions.writeFile(
      students[0]?.caller as Identity,
      copies[0]?.id ?? "",
      "main.py",
      Buffer.from("print('mine')\n"),
    );
    expect((await services.actions.run(students[1]?.caller as Identity, copies[1]?.id ?? "", {})).stdout).toBe("from-setup\n");
  });

  it("is the template owner's alone; a bad count or a student's copy is a 400 saying what to fix", async () => {
    await expect(services.sessions.prepareClass(stranger, "ready-template", { students: 3 })).rejects.toThrow(
      /not found|does not exist/i,
    );
    await expect(services.sessions.classReadiness(stranger, "ready-template")).rejects.toThrow(/not found|does not exist/i);
    await expect(services.sessions.prepareClass(teacher, "ready-template", { students: 0 })).rejects.toThrow(/students: /);
    await expect(services.sessions.prepareClass(teacher, "ready-template", { students: "many" })).rejects.toThrow(
      /students: must be a number of students/,
    );
    await expect(services.sessions.prepareClass(teacher, "ready-template", { students: 3, minutes: 9999 })).rejects.toThrow(
      /minutes: /,
    );
    const token = (await services.shares.create(teacher, "ready-template", "class")).token;
    const dee = browser("ready-Dee");
    const copy = await services.sessions.joinClass(shareCaller(token, dee), { name: "Dee" });
    await expect(services.sessions.prepareClass(dee, copy.id, { students: 3 })).rejects.toThrow(/from its template/);
  });

  it("is bounded by the node's pool maximum, and answers over REST", async () => {
    const { key, info } = await services.apiKeys.create("ready-bot", 10_000);
    await services.sessions.create(keyCaller(info.id), { language: "bash", session_id: "ready-rest" });
    const rest = (path: string, init: RequestInit = {}): Promise<Response> =>
      handleRest(
        new Request(`http://127.0.0.1${path}`, {
          ...init,
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers },
        }),
        services,
      );
    const put = await rest("/api/sessions/ready-rest/class-readiness", {
      method: "PUT",
      body: JSON.stringify({ students: 50, minutes: 1 }),
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { students: number }).students).toBe(6);
    const bad = await rest("/api/sessions/ready-rest/class-readiness", { method: "PUT", body: JSON.stringify({ students: -1 }) });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/students/);
    const get = await rest("/api/sessions/ready-rest/class-readiness");
    expect(get.status).toBe(200);
    expect(((await get.json()) as { students: number }).students).toBe(6);
    // Asking for fewer gives the rest back. (The node's maximum bounds every kind together: one
    // may be kept for the class setup above, whose template just started a sandbox.)
    await services.sandboxes.pool?.settled();
    expect(services.sandboxes.pool?.snapshot().ready).toBe(6);
    const fewer = await rest("/api/sessions/ready-rest/class-readiness", {
      method: "PUT",
      body: JSON.stringify({ students: 1, minutes: 1 }),
    });
    expect(((await fewer.json()) as { students: number }).students).toBe(1);
    await services.sandboxes.pool?.settled();
    expect(await services.sandboxes.readyForks("ready-rest")).toBe(1);
    expect(services.sandboxes.pool?.snapshot().ready).toBeLessThanOrEqual(2);
  });

  it("keeps one sandbox of a setup that just started one, for the next session of that setup", async () => {
    const setup = { commands: ["echo seeded > seeded.txt"] };
    await services.sessions.create(teacher, { language: "python", session_id: "recent-a", entry_file: "main.py", setup });
    await services.setups.waitFor("recent-a", 120_000);
    await services.actions.writeFile(teacher, "recent-a", "main.py", Buffer.from("print(open('seeded.txt').read().strip())\n"));
    expect((await services.actions.run(teacher, "recent-a", {})).stdout).toBe("seeded\n");
    await services.sandboxes.pool?.settled();
    const before = services.sandboxes.pool?.snapshot().taken ?? 0;
    // The same setup again: its layer is stored, and a sandbox with it mounted is ready.
    await services.sessions.create(teacher, { language: "python", session_id: "recent-b", entry_file: "main.py", setup });
    await services.setups.waitFor("recent-b", 120_000);
    await services.actions.writeFile(teacher, "recent-b", "main.py", Buffer.from("print(open('seeded.txt').read().strip())\n"));
    expect(services.sandboxes.pool?.snapshot().taken).toBe(before + 1);
    // The setup's files are in it, as in one started for it.
    expect((await services.actions.run(teacher, "recent-b", {})).stdout).toBe("seeded\n");
  });
});
