import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/root";
import { createContextInner } from "@/server/api/trpc";
import { createMcpServer } from "@/server/mcp/server";
import { handleRest } from "@/server/rest/router";
import type { Services } from "@/server/services";
import { browserCaller, keyCaller, shareCaller, type Identity } from "@/server/sessions/caller";
import { testServices } from "@/test/services";

let services: Services & AsyncDisposable;
let teacher: Identity;
let teacherKey: string;
let otherKey: string;
const browser = (name: string): Identity => browserCaller(`browser:${name.padEnd(16, "x")}`);

beforeAll(async () => {
  services = await testServices();
  const key = await services.apiKeys.create("teacher", 10_000);
  teacherKey = key.key;
  teacher = keyCaller(key.info.id);
  otherKey = (await services.apiKeys.create("other", 10_000)).key;
}, 300_000);
afterAll(async () => services[Symbol.asyncDispose]());

const write = (who: Identity, id: string, path: string, text: string, mode?: number): Promise<unknown> =>
  services.actions.writeFile(who, id, path, Buffer.from(text), mode);
const read = async (who: Identity, id: string, path: string): Promise<string | null> =>
  services.actions.readFile(who, id, path).then(
    ({ data }) => data.toString("utf8"),
    (error: unknown) => {
      if ((error as { code?: string }).code === "NOT_FOUND") return null;
      throw error;
    },
  );

/** Publishes through MCP as `caller`: the tool's answer and whether it is an error. */
async function mcpPublish(caller: Identity, id: string): Promise<{ isError: boolean; text: string }> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(services, caller).connect(serverSide);
  const client = new Client({ name: "updates-test", version: "1.0.0" });
  await client.connect(clientSide);
  const result = await client.callTool({ name: "publish_template_update", arguments: { session_id: id } });
  await client.close();
  return { isError: result.isError === true, text: (result.content as Array<{ text: string }>)[0]?.text ?? "" };
}

async function trpcCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
  return "OK";
}

describe("template updates", () => {
  it("bring each copy the template's new and changed files its student left alone, and report the rest", async () => {
    const template = "upd-template";
    await services.sessions.create(teacher, { language: "python", session_id: template, entry_file: "main.py" });
    await write(teacher, template, "main.py", "print('v1')\n");
    await write(teacher, template, "data.csv", "a,b\n1,2\n");
    await write(teacher, template, "old.py", "print('old')\n");
    await write(teacher, template, "notes.md", "# Notes\n");
    const link = await services.shares.create(teacher, template, "class");
    const [ada, bo, cy] = [browser("upd-ada"), browser("upd-bo"), browser("upd-cy")];
    // A class joining at once: their copies are made together, and each records what it was made from.
    const [adaCopy, boCopy, cyCopy] = await Promise.all([
      services.sessions.joinClass(shareCaller(link.token, ada), { name: "Ada" }),
      services.sessions.joinClass(shareCaller(link.token, bo), { name: "Bo" }),
      services.sessions.joinClass(shareCaller(link.token, cy), { name: "Cy" }),
    ]);

    // Ada touches nothing; Bo edits main.py and old.py; Cy writes a new.py of her own; and puts a file where the template will add a folder.
    await write(bo, boCopy.id, "main.py", "print('Bo was here')\n");
    await write(bo, boCopy.id, "old.py", "print('old, but mine')\n");
    await write(cy, cyCopy.id, "new.py", "print('mine')\n");
    await write(cy, cyCopy.id, "lib", "not a folder\n");

    // The teacher changes main.py and data.csv, adds new.py and lib/util.py (executable), removes
    // old.py, and leaves a secret and generated files that are never sent.
    await write(teacher, template, "main.py", "print('v2')\n");
    await write(teacher, template, "data.csv", "a,b\n1,2\n3,4\n");
    await write(teacher, template, "new.py", "print('new')\n");
    await write(teacher, template, "lib/util.py", "#!/usr/bin/env python3\n", 0o755);
    await services.actions.deleteFile(teacher, template, "old.py");
    await write(teacher, template, ".env", "TOKEN=secret\n");
    await write(teacher, template, "__pycache__/main.cpython-312.pyc", "compiled");

    const published = await services.templateUpdates.publish(teacher, template);
    expect(published).toMatchObject({ template_id: template, version: 1, files: 5, copies: 3, updated: 3, failed: 1 });
    const of = (id: string) => published.results.find((r) => r.session_id === id);
    expect(of(adaCopy.id)).toEqual({
      session_id: adaCopy.id,
      name: "Ada",
      applied: [
        { path: "data.csv", action: "updated" },
        { path: "lib/util.py", action: "added" },
        { path: "main.py", action: "updated" },
        { path: "new.py", action: "added" },
        { path: "old.py", action: "removed" },
      ],
      conflicts: [],
      error: null,
    });
    expect(of(boCopy.id)?.conflicts).toEqual([
      { path: "main.py", reason: "edited" },
      { path: "old.py", reason: "edited_removed" },
    ]);
    expect(of(boCopy.id)?.applied.map((c) => c.path)).toEqual(["data.csv", "lib/util.py", "new.py"]);
    // Cy's lib is a file, so lib/util.py cannot be written: her copy is reported as failed, with everything else done.
    expect(of(cyCopy.id)?.conflicts).toEqual([{ path: "new.py", reason: "own_file" }]);
    expect(of(cyCopy.id)?.error).toMatch(/^could not write lib\/util\.py: /);
    expect(of(cyCopy.id)?.applied.map((c) => c.path)).toEqual(["data.csv", "main.py", "old.py"]);
    expect(await read(cy, cyCopy.id, "main.py")).toBe("print('v2')\n");

    // What the students find in their copies.
    expect(await read(ada, adaCopy.id, "main.py")).toBe("print('v2')\n");
    expect(await read(ada, adaCopy.id, "new.py")).toBe("print('new')\n");
    expect(await read(ada, adaCopy.id, "old.py")).toBeNull();
    expect(await read(ada, adaCopy.id, ".env")).toBeNull();
    expect(await read(ada, adaCopy.id, "__pycache__/main.cpython-312.pyc")).toBeNull();
    const util = (await services.actions.listFiles(ada, adaCopy.id)).find((e) => e.path === "lib/util.py");
    expect(util?.mode).toBe(0o755);
    expect(await read(bo, boCopy.id, "main.py")).toBe("print('Bo was here')\n");
    expect(await read(bo, boCopy.id, "old.py")).toBe("print('old, but mine')\n");
    expect(await read(bo, boCopy.id, "data.csv")).toBe("a,b\n1,2\n3,4\n");
    expect(await read(cy, cyCopy.id, "new.py")).toBe("print('mine')\n");
    expect(await read(cy, cyCopy.id, "data.csv")).toBe("a,b\n1,2\n3,4\n");

    // The dashboard: who is up to date, whose files were left alone, whose update failed.
    const states = async (): Promise<Record<string, string>> => {
      const status = await services.templateUpdates.status(teacher, template);
      return Object.fromEntries(
        status.copies.map((c) => [c.session_id, `${c.state} v${c.version} ${c.conflicts.map((x) => x.path).join(",")}`.trim()]),
      );
    };
    expect(await states()).toEqual({
      [adaCopy.id]: "up to date v1",
      [boCopy.id]: "conflicts v1 main.py,old.py",
      [cyCopy.id]: "failed v0 new.py",
    });

    // Cy moves her file away and Bo takes the teacher's main.py: publishing again (same files, same
    // version) finishes Cy's update and settles Bo's conflict; nothing is written twice.
    await services.actions.deleteFile(cy, cyCopy.id, "lib");
    await write(bo, boCopy.id, "main.py", "print('v2')\n");
    const again = await services.templateUpdates.publish(teacher, template);
    expect(again).toMatchObject({ version: 1, failed: 0, applied: 1, conflicts: 2 });
    expect(again.results.find((r) => r.session_id === cyCopy.id)?.applied).toEqual([{ path: "lib/util.py", action: "added" }]);
    expect(again.results.find((r) => r.session_id === boCopy.id)?.conflicts).toEqual([
      { path: "old.py", reason: "edited_removed" },
    ]);
    expect(await states()).toEqual({
      [adaCopy.id]: "up to date v1",
      [boCopy.id]: "conflicts v1 old.py",
      [cyCopy.id]: "conflicts v1 new.py",
    });

    // A student joining now starts from the template as it is; the next change reaches everyone who left it alone.
    const dee = browser("upd-dee");
    const deeCopy = await services.sessions.joinClass(shareCaller(link.token, dee), { name: "Dee" });
    await write(ada, adaCopy.id, "notes.md", "# My notes\n");
    await write(teacher, template, "notes.md", "# Notes, week 2\n");
    const second = await services.templateUpdates.publish(teacher, template);
    expect(second).toMatchObject({ version: 2, copies: 4, failed: 0 });
    expect(second.results.find((r) => r.session_id === deeCopy.id)?.applied).toEqual([{ path: "notes.md", action: "updated" }]);
    expect(second.results.find((r) => r.session_id === adaCopy.id)?.conflicts).toEqual([{ path: "notes.md", reason: "edited" }]);
    expect(await read(dee, deeCopy.id, "notes.md")).toBe("# Notes, week 2\n");
    expect(await read(bo, boCopy.id, "notes.md")).toBe("# Notes, week 2\n");
    expect(await read(ada, adaCopy.id, "notes.md")).toBe("# My notes\n");

    // Through REST, with the teacher's key.
    const response = await handleRest(
      new Request(`http://127.0.0.1/api/sessions/${template}/publish`, {
        method: "POST",
        headers: { authorization: `Bearer ${teacherKey}` },
      }),
      services,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ template_id: template, version: 2, copies: 4, applied: 0 });
    const updates = await handleRest(
      new Request(`http://127.0.0.1/api/sessions/${template}/updates`, { headers: { authorization: `Bearer ${teacherKey}` } }),
      services,
    );
    expect(await updates.json()).toMatchObject({ template_id: template, published: { version: 2, files: 5 } });
  }, 240_000);

  it("are the template's owner's alone: students and others are told it does not exist", async () => {
    const template = "upd-owned";
    await services.sessions.create(teacher, { language: "python", session_id: template });
    await write(teacher, template, "main.py", "print(1)\n");
    const link = await services.shares.create(teacher, template, "class");
    const student = browser("upd-student");
    const other = browser("upd-other");
    const copy = await services.sessions.joinClass(shareCaller(link.token, student), { name: "Sam" });
    await write(teacher, template, "main.py", "print(2)\n");

    for (const who of [student, other, shareCaller(link.token, student)]) {
      await expect(services.templateUpdates.publish(who, template)).rejects.toThrow(`session ${template} does not exist`);
      await expect(services.templateUpdates.status(who, template)).rejects.toThrow("does not exist");
    }
    await expect(services.templateUpdates.publish(teacher, "upd-missing")).rejects.toThrow("session upd-missing does not exist");
    // A student's own copy is theirs, but updates come from the template only.
    await expect(services.templateUpdates.publish(student, copy.id)).rejects.toThrow("is a class copy");
    expect(await read(student, copy.id, "main.py")).toBe("print(1)\n");

    const asStudent = createCaller(createContextInner(services, student));
    expect(await trpcCode(asStudent.classroom.publish({ id: template }))).toBe("NOT_FOUND");
    expect(await trpcCode(asStudent.classroom.publish({ id: copy.id }))).toBe("BAD_REQUEST");
    const refused = await handleRest(
      new Request(`http://127.0.0.1/api/sessions/${template}/publish`, {
        method: "POST",
        headers: { authorization: `Bearer ${otherKey}` },
      }),
      services,
    );
    expect(refused.status).toBe(404);
    const byStudent = await mcpPublish(student, template);
    expect(byStudent.isError).toBe(true);
    expect(byStudent.text).toBe(`not_found: session ${template} does not exist`);
    expect(await read(student, copy.id, "main.py")).toBe("print(1)\n");

    // The owner's publish goes through (here by MCP), and deleting the template forgets its versions.
    const byMcp = await mcpPublish(teacher, template);
    expect(byMcp.isError).toBe(false);
    expect(JSON.parse(byMcp.text)).toMatchObject({ version: 1, applied: 1 });
    expect(await read(student, copy.id, "main.py")).toBe("print(2)\n");
    await services.sessions.delete(teacher, template);
    await services.sessions.create(other, { language: "python", session_id: template });
    expect((await services.templateUpdates.status(other, template)).published).toBeNull();
  }, 120_000);

  it("refuses a template too big to send, saying what to trim", async () => {
    const template = "upd-big";
    await services.sessions.create(teacher, { language: "python", session_id: template });
    await write(teacher, template, "big.bin", "x".repeat(1024 * 1024 + 1));
    await expect(services.templateUpdates.publish(teacher, template)).rejects.toThrow(
      "template files are sent to the class up to 1 MiB each; too big: big.bin",
    );
  }, 60_000);
});
