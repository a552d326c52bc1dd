import { describe, expect, it } from "vitest";
import { sandboxHarness } from "@/test/sandbox";
import { exec } from "./shells";

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
});
