import { existsSync } from "node:fs";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxes } from "@/server/db/schema";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { waitFor } from "@/test/wait";
import { readFile, writeFile } from "./files";
import { gvisorPidsLimit } from "./engine/runtime";
import { exec } from "./shells";

let h: SandboxHarness;

beforeAll(async () => {
  h = await sandboxHarness();
});
afterAll(async () => h[Symbol.asyncDispose]());

async function containersOf(session: string): Promise<string[]> {
  return (await h.driver.list()).filter((c) => c.sessionId === session).map((c) => c.id);
}

describe("Sandbox lifecycle", () => {
  it("starts on first use, in a container labelled with its session", async () => {
    const session = h.session();
    expect(await containersOf(session)).toEqual([]);
    expect(await h.manager.state(session)).toBe("none");
    await exec(h.manager, session, { command: "true" });
    const [id] = await containersOf(session);
    const info = await h.docker.getContainer(id ?? "").inspect();
    expect(info.Config.Labels["dev.sandpit.session"]).toBe(session);
    expect(await h.manager.state(session)).toBe("running");
  });

  it("is hardened by default: no network, no capabilities, read-only root, non-root user, limits", async () => {
    const session = h.session();
    const inside = await exec(h.manager, session, {
      command: [
        "id -u",
        // /proc/net/dev lists the interfaces under runc and gVisor alike (gVisor has no /sys/class/net).
        "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
        "grep -c . /proc/net/route",
        "grep -E '^(CapPrm|CapEff|CapBnd)' /proc/self/status | tr -s '\\t' ' '",
        // gVisor's /proc/self/status has no NoNewPrivs line; prctl(PR_GET_NO_NEW_PRIVS) answers under both.
        `python3 -c 'import ctypes; print("NoNewPrivs:", ctypes.CDLL(None).prctl(39, 0, 0, 0, 0))'`,
        // /opt/layer belongs to the sandbox user (without a layer mounted there), so only the read-only
        // root refuses the write (gVisor checks permissions first, so a root-owned folder would say so).
        "touch /opt/layer/evil 2>&1 | grep -o 'Read-only file system'",
        "test -w /workspace && echo workspace-writable",
        "df --output=size -BM /tmp | tail -1 | tr -d ' '",
      ].join("; "),
    });
    expect(inside.stdout).toBe(
      [
        "1000",
        "lo",
        "1",
        "CapPrm: 0000000000000000",
        "CapEff: 0000000000000000",
        // The container keeps what the agent needs to start and stop user processes (KILL, SETGID,
        // SETUID); a process of the sandbox user holds none of it and, with no-new-privileges, never can.
        "CapBnd: 00000000000000e0",
        "NoNewPrivs: 1",
        "Read-only file system",
        "workspace-writable",
        `${h.manager.limits.tmpMb}M`,
        "",
      ].join("\n"),
    );
    const [id] = await containersOf(session);
    const { HostConfig, Config } = await h.docker.getContainer(id ?? "").inspect();
    const limits = h.manager.limits;
    // The agent is container root with three capabilities; user code runs as 1000 (above).
    expect(Config.User).toBe("0:0");
    expect(HostConfig).toMatchObject({
      NetworkMode: "none",
      ReadonlyRootfs: true,
      CapDrop: ["ALL"],
      CapAdd: ["SETUID", "SETGID", "KILL"],
      LogConfig: { Type: "none" },
      SecurityOpt: ["no-new-privileges"],
      Memory: limits.memoryMb * 1024 * 1024,
      MemorySwap: limits.memoryMb * 1024 * 1024,
      // gVisor's own threads count against the host's limit (see gvisorPidsLimit).
      PidsLimit: (await h.runtime.choose()).gvisor ? gvisorPidsLimit(limits.pids) : limits.pids,
      NanoCpus: limits.cpus * 1e9,
    });
    expect(HostConfig.Ulimits).toEqual([
      { Name: "nofile", Soft: limits.nofile, Hard: limits.nofile },
      { Name: "fsize", Soft: limits.fsizeMb * 1024 * 1024, Hard: limits.fsizeMb * 1024 * 1024 },
    ]);
  });

  it("keeps files through a forced hibernation, as ONE snapshot in the object store", async () => {
    const session = h.session();
    await writeFile(h.manager, session, "keep/me.txt", Buffer.from("still here\n"));
    await h.manager.hibernate(session);
    expect(await containersOf(session)).toEqual([]);
    expect(existsSync(h.manager.workspaces.dir(session))).toBe(false);
    expect(await h.manager.state(session)).toBe("hibernated");
    const snapshots = await h.store.list(`snapshots/${session}/`);
    expect(snapshots).toHaveLength(1);
    expect((await readFile(h.manager, session, "keep/me.txt")).data.toString()).toBe("still here\n");
    expect(await containersOf(session)).toHaveLength(1);

    // A second hibernation replaces the snapshot rather than piling them up.
    await writeFile(h.manager, session, "keep/second.txt", Buffer.from("2"));
    await h.manager.hibernate(session);
    expect(await h.store.list(`snapshots/${session}/`)).toHaveLength(1);
    expect((await readFile(h.manager, session, "keep/second.txt")).data.toString()).toBe("2");
  });

  it("keeps files, modes, symlinks (as links) and sparse files (as sparse) through hibernation", async () => {
    // gVisor reports no holes to the tar inside the sandbox, so its snapshots hold the zeros of sparse
    // files (see SECURITY.md, Runtimes): there the files are made small enough to fit the workspace
    // once written out, and only their sizes and contents are checked.
    const gvisor = (await h.runtime.choose()).gvisor;
    const size = gvisor ? 64 * 1024 * 1024 : 1024 * 1024 * 1024;
    const session = h.session();
    await exec(h.manager, session, {
      command: [
        "mkdir -p bin deep/er && echo '#!/bin/sh' > bin/run && chmod 750 bin/run && chmod 700 deep",
        "echo inner > deep/er/file && ln -s deep/er/file rel && ln -s /etc/hostname abs && mkfifo -m 600 pipe",
        `for i in 1 2 3 4 5; do truncate -s ${size} sparse$i; done`,
        `printf END | dd of=sparse5 bs=1 seek=${size - 3} conv=notrunc status=none`,
      ].join("\n"),
    });
    await h.manager.hibernate(session);
    expect(await h.manager.state(session)).toBe("hibernated");
    const after = await exec(h.manager, session, {
      command: [
        "stat -c '%n %a %F' bin/run deep rel abs deep/er/file",
        "readlink rel abs",
        "cat rel",
        "stat -c '%s' sparse1 sparse5",
        "du -sk --total sparse? | tail -1 | cut -f1",
        "tail -c 3 sparse5; echo",
      ].join("; "),
    });
    const lines = after.stdout.split("\n");
    expect(lines.slice(0, 9)).toEqual([
      "bin/run 750 regular file",
      "deep 700 directory",
      "rel 777 symbolic link",
      "abs 777 symbolic link",
      "deep/er/file 644 regular file",
      "deep/er/file",
      "/etc/hostname",
      "inner",
      String(size),
    ]);
    expect(lines[9]).toBe(String(size));
    // Five 1 GiB files that use (next to) no blocks after the round trip.
    if (!gvisor) expect(Number(lines[10])).toBeLessThan(1024);
    expect(lines[11]).toBe("END");
  });

  it("never puts sensitive files into a snapshot", async () => {
    const session = h.session();
    await exec(h.manager, session, {
      command: "mkdir -p .ssh && echo SECRET-IN-ENV > .env && echo k > .ssh/id_rsa && echo kept > app.txt",
    });
    await h.manager.hibernate(session);
    const [snapshot] = await h.store.list(`snapshots/${session}/`);
    const { buffer } = await import("node:stream/consumers");
    const { gunzipSync } = await import("node:zlib");
    const tarBytes = gunzipSync(await buffer(await h.store.get(snapshot?.key ?? "")));
    expect(tarBytes.includes("SECRET-IN-ENV")).toBe(false);
    expect(tarBytes.includes("id_rsa")).toBe(false);
    expect((await exec(h.manager, session, { command: "ls -A" })).stdout).toBe(".ssh\napp.txt\n");
  });

  it("forks a workspace, live or hibernated, without its sensitive files", async () => {
    const source = h.session();
    await exec(h.manager, source, {
      command: "mkdir -p src && echo code > src/app.py && echo SECRET=1 > .env && ln -s src/app.py link",
    });
    const live = h.session();
    await h.manager.forkWorkspace(source, live);
    expect((await exec(h.manager, live, { command: "ls -A; readlink link; cat src/app.py" })).stdout).toBe(
      "link\nsrc\nsrc/app.py\ncode\n",
    );
    await h.manager.hibernate(source);
    const fromSnapshot = h.session();
    await h.manager.forkWorkspace(source, fromSnapshot);
    expect((await exec(h.manager, fromSnapshot, { command: "ls -A; cat src/app.py" })).stdout).toBe("link\nsrc\ncode\n");
    // Independent afterwards.
    await exec(h.manager, live, { command: "echo changed > src/app.py" });
    expect((await exec(h.manager, fromSnapshot, { command: "cat src/app.py" })).stdout).toBe("code\n");
  });

  it("keeps files when the container is killed from outside", async () => {
    const session = h.session();
    await writeFile(h.manager, session, "survivor.txt", Buffer.from("alive"));
    const [id] = await containersOf(session);
    await h.docker.getContainer(id ?? "").remove({ force: true });
    expect((await readFile(h.manager, session, "survivor.txt")).data.toString()).toBe("alive");
    const [next] = await containersOf(session);
    expect(next).not.toBe(id);
  });

  it("adopts live sandboxes after a server restart and keeps their shells", async () => {
    const session = h.session();
    await exec(h.manager, session, { command: "cd /tmp && export KEPT=yes", shell: "s" });
    const [id] = await containersOf(session);
    const restarted = h.restart();
    const { adopted } = await restarted.reconcile();
    expect(adopted).toContain(session);
    const after = await exec(restarted, session, { command: "pwd; echo $KEPT", shell: "s" });
    expect(after.stdout).toBe("/tmp\nyes\n");
    expect(await containersOf(session)).toEqual([id]);
  });

  it("removes containers of unknown and hibernated sessions when reconciling", async () => {
    const unknown = h.session();
    const hibernated = h.session();
    await exec(h.manager, unknown, { command: "true" });
    await exec(h.manager, hibernated, { command: "true" });
    await h.database.db.delete(sandboxes).where(eq(sandboxes.sessionId, unknown));
    await h.database.db.update(sandboxes).set({ state: "hibernated" }).where(eq(sandboxes.sessionId, hibernated));
    const { removed } = await h.restart().reconcile();
    expect(removed).toEqual(expect.arrayContaining([unknown, hibernated]));
    expect(await containersOf(unknown)).toEqual([]);
    expect(await containersOf(hibernated)).toEqual([]);
  });

  it("hibernates sandboxes that stayed idle past the timeout, and not busy ones", async () => {
    const idle = h.session();
    const busy = h.session();
    await exec(h.manager, idle, { command: "echo x > idle.txt" });
    // The busy session's command runs until the test lets it go, so it is still running at the sweep.
    const working = exec(h.manager, busy, { command: "until [ -e release ]; do sleep 0.1; done" });
    await waitFor("the busy session's command to be running", () => (h.manager.peek(busy)?.busy ?? 0) > 0);
    const swept = await h.manager.sweepIdle(Date.now() + 3_600_000);
    expect(swept).toContain(idle);
    expect(swept).not.toContain(busy);
    expect(await h.manager.state(busy)).toBe("running");
    await writeFile(h.manager, busy, "release", Buffer.from(""));
    await working;
    expect(await h.manager.state(idle)).toBe("hibernated");
    expect((await readFile(h.manager, idle, "idle.txt")).data.toString()).toBe("x\n");
  });

  it("destroys a session's container, workspace and snapshots", async () => {
    const session = h.session();
    await writeFile(h.manager, session, "gone.txt", Buffer.from("x"));
    await h.manager.hibernate(session);
    await h.manager.destroy(session);
    expect(await h.store.list(`snapshots/${session}/`)).toEqual([]);
    expect(await h.manager.state(session)).toBe("none");
    await expect(readFile(h.manager, session, "gone.txt")).rejects.toThrow("does not exist");
  });
});
