import { existsSync } from "node:fs";
import { readFile as readHostFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { exec } from "./shells";

/** Warm sandboxes: a session takes one instead of starting a container, with its files its own. */
describe.each(["auto", "runc"])("Warm pool (runtime %s)", (runtime) => {
  let h: SandboxHarness;

  beforeAll(async () => {
    h = await sandboxHarness({ runtime, pool: { size: 1, max: 4 } });
    h.manager.startPool();
    await h.manager.pool?.settled();
  });
  afterAll(async () => h[Symbol.asyncDispose]());

  const sandboxStarts = (session: string): number =>
    h.driver.started.filter((s) => s.role === "sandbox" && s.sessionId === session).length;

  function containerOf(session: string): string {
    const sandbox = h.manager.peek(session);
    if (!sandbox) throw new Error(`${session} has no live sandbox`);
    return sandbox.containerId;
  }

  it("gives a new session a sandbox started ahead of it, then starts the next one", async () => {
    expect(h.manager.pool?.snapshot().ready).toBe(1);
    const session = h.session();
    const out = await exec(h.manager, session, { command: "echo hi > note.txt && cat /workspace/note.txt && pwd" });
    expect(out.stdout).toBe("hi\n/workspace\n");
    // No container was started for the session: it runs in the pool's.
    expect(sandboxStarts(session)).toBe(0);
    const info = await h.docker.getContainer(containerOf(session)).inspect();
    expect(info.Config.Labels["dev.sandpit.role"]).toBe("pool");
    // The slot became the session's workspace: it is found under the session's name.
    expect(h.manager.workspaces.exists(session)).toBe(true);
    if (h.manager.workspaces.kind === "volume") {
      const mounts = await readHostFile("/proc/self/mounts", "utf8");
      const line = mounts.split("\n").find((l) => l.split(" ")[1] === h.manager.workspaces.dir(session));
      expect(line).toBeDefined();
      expect(line?.split(" ")[3]?.split(",")).toEqual(expect.arrayContaining(["nosuid", "nodev"]));
      // The slot's own mount is gone: only the pool's next one is mounted.
      const slots = mounts.split("\n").filter((l) => l.split(" ")[1]?.startsWith(path.join(h.dataDir, "slots", ".slot-")));
      expect(slots.length).toBeLessThanOrEqual(1);
    }
    await h.manager.pool?.settled();
    expect(h.manager.pool?.snapshot()).toMatchObject({ ready: 1, taken: 1 });
  });

  it("keeps the files of a session in a warm sandbox through hibernation, and wakes it in another", async () => {
    await h.manager.pool?.settled();
    const session = h.session();
    await exec(h.manager, session, { command: "mkdir -p src && echo kept > src/a.txt" });
    const first = containerOf(session);
    await h.manager.hibernate(session);
    expect(await h.manager.state(session)).toBe("hibernated");
    await h.manager.pool?.settled();
    const out = await exec(h.manager, session, { command: "cat src/a.txt" });
    expect(out.stdout).toBe("kept\n");
    expect(containerOf(session)).not.toBe(first);
    expect(sandboxStarts(session)).toBe(0);
  });

  it("forks a class at once into warm sandboxes: each running with the files, sensitive ones left out", async () => {
    const template = h.session();
    await exec(h.manager, template, {
      command: "echo 'print(1)' > main.py && echo SECRET=1 > .env && mkdir -p data && echo x > data/d.txt",
    });
    const kept = await h.manager.prepareForks(template, 3, 5);
    expect(kept).toBe(3);
    await h.manager.pool?.settled();
    // Filled ahead with the template's files: a fork only claims one.
    expect(await h.manager.readyForks(template)).toBe(3);
    const students = [h.session(), h.session(), h.session()];
    await Promise.all(students.map((to) => h.manager.forkWorkspace(template, to)));
    for (const student of students) {
      // Running when the fork returns, in a container it did not have to start.
      expect(h.manager.peek(student)).toBeDefined();
      expect(sandboxStarts(student)).toBe(0);
      const out = await exec(h.manager, student, { command: "cat main.py data/d.txt; ls -A" });
      expect(out.stdout).toBe("print(1)\nx\ndata\nmain.py\n");
    }
    // Each copy is its own.
    await exec(h.manager, students[0] as string, { command: "echo changed > main.py" });
    const other = await exec(h.manager, students[1] as string, { command: "cat main.py" });
    expect(other.stdout).toBe("print(1)\n");
    const source = await exec(h.manager, template, { command: "cat main.py" });
    expect(source.stdout).toBe("print(1)\n");
  });

  it("forks a workspace too big to archive into a warm sandbox at block level, its volume released when it stops", async () => {
    if (h.manager.workspaces.kind !== "volume") return;
    const template = h.session();
    const write = "head -c 41943040 /dev/urandom > big.bin && echo SECRET=1 > .env && echo v1 > a.txt && md5sum big.bin";
    const sum = (await exec(h.manager, template, { command: write, timeoutMs: 60_000 })).stdout;
    await h.manager.pool?.settled();
    const student = h.session();
    await h.manager.forkWorkspace(template, student);
    // Running in a warm sandbox, with the source's files (sensitive ones deleted) on its own volume.
    expect(sandboxStarts(student)).toBe(0);
    const inside = await exec(h.manager, student, { command: "md5sum big.bin; ls -A; pwd; echo v2 > a.txt" });
    expect(inside.stdout).toBe(`${sum}a.txt\nbig.bin\n/workspace\n`);
    expect((await exec(h.manager, template, { command: "cat a.txt" })).stdout).toBe("v1\n");
    // A new shell's cwd and a new process's both see the fork's files, not the slot's blank volume.
    expect((await exec(h.manager, student, { command: "cat a.txt", shell: "second" })).stdout).toBe("v2\n");
    const holder = path.join(h.dataDir, "slots", student);
    expect(existsSync(holder)).toBe(true);
    // Stopped (hibernated), the slot's mounts and blank volume go; the files come back on the next start.
    await h.manager.hibernate(student);
    expect(existsSync(holder)).toBe(false);
    const mounts = await readHostFile("/proc/self/mounts", "utf8");
    expect(mounts.split("\n").filter((l) => l.includes(`/slots/${student}/`))).toEqual([]);
    expect(existsSync(path.join(h.dataDir, "volumes", `${student}.held.partial`))).toBe(false);
    expect((await exec(h.manager, student, { command: "cat a.txt; md5sum big.bin" })).stdout).toBe(`v2\n${sum}`);
  });

  it("forks with what a running process wrote a moment ago, by write and through a shared mapping, not synced", async () => {
    if (h.manager.workspaces.kind !== "volume") return;
    const template = h.session();
    // Written, never synced (no fsync, msync or close), by a process that keeps both files open.
    const writer = [
      "import mmap, os, sys, time",
      "fd = os.open('written.txt', os.O_RDWR | os.O_CREAT, 0o644)",
      "os.write(fd, b'by write\\n')",
      "mfd = os.open('mapped.bin', os.O_RDWR | os.O_CREAT, 0o644)",
      "os.ftruncate(mfd, 4096)",
      "m = mmap.mmap(mfd, 4096)",
      "m[0:10] = b'by mmap!!\\n'",
      "open('ready', 'w').close()",
      "time.sleep(120)",
    ].join("\n");
    await exec(h.manager, template, {
      command: `printf '%s\\n' "${writer}" > /tmp/w.py && (setsid nohup python3 /tmp/w.py > /dev/null 2>&1 < /dev/null &) && while [ ! -e ready ]; do sleep 0.05; done`,
    });
    await h.manager.pool?.settled();
    const student = h.session();
    await h.manager.forkWorkspace(template, student);
    const inside = await exec(h.manager, student, { command: "cat written.txt; head -c 10 mapped.bin" });
    expect(inside.stdout).toBe("by write\nby mmap!!\n");
  });

  it("deletes the sensitive files of a copy whose fork was cut short before its row was written", async () => {
    const template = h.session();
    await exec(h.manager, template, { command: "echo SECRET=1 > .env && echo v1 > a.txt" });
    // As a crash leaves it: the copy has its final name, the fork's row was never written.
    const cut = h.session();
    await h.manager.workspaces.copy(template, cut);
    const out = await exec(h.manager, cut, { command: "ls -A; cat a.txt" });
    expect(out.stdout).toBe("a.txt\nv1\n");
  });

  it("forks a template changed after its class got ready with its files as they are now", async () => {
    const template = h.session();
    await exec(h.manager, template, { command: "echo v1 > a.txt && echo old > old.txt" });
    await h.manager.prepareForks(template, 2, 5);
    await h.manager.pool?.settled();
    expect(await h.manager.readyForks(template)).toBe(2);
    await exec(h.manager, template, { command: "echo v2 > a.txt && rm old.txt && echo new > new.txt" });
    const students = [h.session(), h.session()];
    await Promise.all(students.map((to) => h.manager.forkWorkspace(template, to)));
    for (const student of students) {
      const out = await exec(h.manager, student, { command: "cat a.txt; ls" });
      expect(out.stdout).toBe("v2\na.txt\nnew.txt\n");
    }
  });

  it("leaves nothing under a fork's id when the fork is deleted while it is being copied", async () => {
    const template = h.session();
    await exec(h.manager, template, { command: "echo mine > a.txt" });
    await h.manager.pool?.settled();
    // One fork goes into a warm sandbox, the other is copied at block level: both are undone.
    const [warmTo, copiedTo] = [h.session(), h.session()];
    const forks = Promise.allSettled([h.manager.forkWorkspace(template, warmTo), h.manager.forkWorkspace(template, copiedTo)]);
    await Promise.all([h.manager.destroy(warmTo), h.manager.destroy(copiedTo)]);
    const outcomes = await forks;
    for (const [i, to] of [warmTo, copiedTo].entries()) {
      expect(outcomes[i]?.status).toBe("rejected");
      expect(String((outcomes[i] as PromiseRejectedResult).reason)).toMatch(/deleted while it was being forked/);
      expect(h.manager.peek(to)).toBeUndefined();
      expect(h.manager.workspaces.exists(to)).toBe(false);
      expect(await h.manager.state(to)).toBe("none");
    }
  });

  it("forks by block copy when no warm sandbox is ready, as before", async () => {
    const template = h.session();
    await exec(h.manager, template, { command: "echo v1 > a.txt" });
    await h.manager.pool?.settled();
    // Two forks more than the pool holds: those are copied and start on first use.
    const ready = h.manager.pool?.snapshot().ready ?? 0;
    expect(ready).toBe(1);
    const students = Array.from({ length: ready + 2 }, () => h.session());
    await Promise.all(students.map((to) => h.manager.forkWorkspace(template, to)));
    for (const student of students) {
      const out = await exec(h.manager, student, { command: "cat a.txt" });
      expect(out.stdout).toBe("v1\n");
    }
    expect(students.filter((s) => sandboxStarts(s) === 1)).toHaveLength(2);
    expect(students.filter((s) => sandboxStarts(s) === 0)).toHaveLength(ready);
  });

  it("is adopted after a restart when a session took it; unclaimed warm sandboxes are removed", async () => {
    await h.manager.pool?.settled();
    const session = h.session();
    await exec(h.manager, session, { command: "echo before > r.txt" });
    const container = containerOf(session);
    // The one that replaced it is ready too.
    await h.manager.pool?.settled();
    const warm = (await h.driver.list()).filter(
      (c) => c.role === "pool" && c.id !== container && c.sessionId.startsWith(".slot-"),
    );
    const unclaimed = warm.filter((c) => h.manager.pool?.holds(c.id));
    expect(unclaimed.length).toBeGreaterThan(0);
    // As if the server died: its pool's containers are still there when the next process starts.
    const next = h.restart();
    const { adopted } = await next.reconcile();
    expect(adopted).toContain(session);
    expect(next.peek(session)?.containerId).toBe(container);
    const ids = new Set((await h.driver.list()).map((c) => c.id));
    for (const c of unclaimed) expect(ids.has(c.id)).toBe(false);
    // Their slots (folders, and volumes with their mounts) are cleared too.
    const roots = [path.dirname(next.workspaces.dir("x")), path.join(h.dataDir, "slots")];
    for (const c of unclaimed) for (const root of roots) expect(existsSync(path.join(root, c.sessionId))).toBe(false);
    const out = await exec(next, session, { command: "cat r.txt" });
    expect(out.stdout).toBe("before\n");
    await next.destroy(session);
    expect((await h.driver.list()).some((c) => c.id === container)).toBe(false);
  });
});
