import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type Dockerode from "dockerode";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@/server/config/index";
import { removeDataDir } from "@/test/cleanup";
import { testDocker } from "@/test/docker";
import { sandboxHarness } from "@/test/sandbox";
import { eventually } from "@/test/wait";
import { demuxDockerStream } from "./demux";
import { RuntimeSelector } from "./runtime";
import { exec } from "../shells";

const LISTENER =
  "import socket\ns = socket.create_server(('0.0.0.0', 8000))\nwhile True:\n    c, _ = s.accept()\n    c.sendall(b'hello')\n    c.close()";

/** Runs `cmd` in a running container; its stdout and stderr. */
async function runIn(docker: Dockerode, containerId: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const { stdout, stderr } = demuxDockerStream(Buffer.concat(chunks));
  return stdout.toString() + stderr.toString();
}

/** Whether the engine has gVisor registered (the bring-up does it where runsc installs). */
async function gvisorRegistered(): Promise<boolean> {
  const info = (await testDocker().docker.info()) as { Runtimes?: Record<string, unknown> };
  return Boolean(info.Runtimes?.runsc && info.Runtimes["runsc-net"]);
}

describe("SANDPIT_DOCKER_RUNTIME", () => {
  it("starts sandboxes with the runtime it names", async () => {
    await using h = await sandboxHarness({ runtime: "runc" });
    const session = h.session();
    expect((await exec(h.manager, session, { command: "echo up" })).stdout).toBe("up\n");
    const [container] = (await h.driver.list()).filter((c) => c.sessionId === session);
    const info = await h.docker.getContainer(container?.id ?? "").inspect();
    expect(info.HostConfig.Runtime).toBe("runc");
  });

  it("says what to do when the engine has no such runtime", async () => {
    await using h = await sandboxHarness({ runtime: "sandpit-no-such-runtime" });
    const session = h.session();
    await expect(exec(h.manager, session, { command: "true" })).rejects.toThrow(
      /the Docker engine has no runtime "sandpit-no-such-runtime" \(SANDPIT_DOCKER_RUNTIME\): register it in \/etc\/docker\/daemon.json/,
    );
  });

  it("runs sandboxes under gVisor with runsc, and user code sees gVisor's kernel", async (ctx) => {
    if (!(await gvisorRegistered())) ctx.skip();
    await using h = await sandboxHarness({ runtime: "runsc" });
    const session = h.session();
    const result = await exec(h.manager, session, { command: "dmesg | head -1" });
    expect(result.stdout).toContain("gVisor");
    const [container] = (await h.driver.list()).filter((c) => c.sessionId === session);
    const info = await h.docker.getContainer(container?.id ?? "").inspect();
    expect(info.HostConfig.Runtime).toBe("runsc");
    const choice = await h.runtime.choose();
    expect(choice).toMatchObject({ sandbox: "runsc", network: "runsc-net", name: "runsc", gvisor: true, fallback: false });
    // Registered with its shared file access for mounts (the default): writes reach the host at once.
    expect(choice.writesThrough).toBe(true);
  });

  it("auto picks gVisor only when everyday tools work under it, and says why not otherwise", async (ctx) => {
    if (!(await gvisorRegistered())) ctx.skip();
    await using h = await sandboxHarness({ runtime: "auto" });
    const choice = await h.runtime.choose();
    const session = h.session();
    // What the probe checks, in a real sandbox under runsc: coreutils' ls -l and stat.
    const direct = await sandboxHarness({ runtime: "runsc" });
    try {
      const tools = await exec(direct.manager, direct.session(), {
        command: "ls -l / >/dev/null && stat -c %a / && echo tools-ok",
      });
      if (tools.stdout.includes("tools-ok")) {
        expect(choice).toMatchObject({ sandbox: "runsc", gvisor: true, fallback: false });
        expect((await exec(h.manager, session, { command: "dmesg | head -1" })).stdout).toContain("gVisor");
      } else {
        expect(choice).toMatchObject({ name: "runc", gvisor: false, fallback: true });
        expect(choice.reason).toContain("a probe container under runsc failed (exit code");
        expect(choice.reason).toContain(tools.stderr.split("\n")[0] ?? "");
      }
    } finally {
      await direct[Symbol.asyncDispose]();
    }
  });

  it("gives networked (setup) containers the networked gVisor runtime, and they reach the network", async (ctx) => {
    if (!(await gvisorRegistered())) ctx.skip();
    await using h = await sandboxHarness({ runtime: "runsc" });
    const dir = mkdtempSync(path.join(tmpdir(), "sandpit-rt-"));
    mkdirSync(path.join(dir, "workspace"), { mode: 0o777 });
    // A listener of this test's own, in a plain container on Docker's bridge.
    const listener = await h.docker.createContainer({
      Image: h.image,
      Cmd: ["python3", "-c", LISTENER],
      Labels: { "dev.sandpit.test": "1" },
      HostConfig: { NetworkMode: "bridge", Runtime: "runc" },
    });
    let setupId = "";
    try {
      await listener.start();
      const listenerIp = (await listener.inspect()).NetworkSettings.Networks.bridge?.IPAddress ?? "";
      const started = await h.driver.start({
        sessionId: h.session(),
        role: "setup",
        image: h.image,
        workspaceDir: path.join(dir, "workspace"),
        agentDir: h.manager.agentDir,
        limits: h.config.limits,
        network: true,
      });
      started.channel.close();
      setupId = started.containerId;
      const setup = h.docker.getContainer(setupId);
      expect((await setup.inspect()).HostConfig.Runtime).toBe("runsc-net");
      const connect = `import socket; print(socket.create_connection(("${listenerIp}", 8000), timeout=10).recv(16).decode())`;
      // The listener may not be accepting yet.
      const output = await eventually("the setup container to reach the listener", async () => {
        const run = await runIn(h.docker, setupId, ["python3", "-c", connect]);
        return run.includes("hello") ? run : undefined;
      });
      expect(output).toContain("hello");
    } finally {
      if (setupId) await h.driver.remove(setupId);
      await listener.remove({ force: true });
      await removeDataDir(dir);
    }
  });

  it("auto falls back to the engine's default with the reason when gVisor is not registered", async () => {
    const { docker, image } = testDocker();
    const warnings: string[] = [];
    const recorder = pino({ level: "warn" }, { write: (line: string) => void warnings.push(line) });
    const choice = await new RuntimeSelector({
      docker,
      image,
      setting: "auto",
      limits: loadConfig().limits,
      log: recorder,
      gvisorName: "sandpit-no-gvisor",
    }).choose();
    expect(choice).toMatchObject({ name: "runc", gvisor: false, fallback: true });
    expect([choice.sandbox, choice.network]).toEqual([undefined, undefined]);
    expect(choice.reason).toContain('the Docker engine has no runtime "sandpit-no-gvisor"');
    expect(choice.reason).toContain("npm run docker:ensure");
    expect(warnings.join("")).toContain("gVisor is not used");
  });
});
