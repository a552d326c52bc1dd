import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { leftovers, removeDataDir, removeSandboxesOf, tempDataDir } from "./cleanup";
import { testDocker } from "./docker";

describe("The leftovers check", () => {
  it("names a data folder's containers, mounts and the folder itself until they are removed", async () => {
    const { docker, image } = testDocker();
    const dir = tempDataDir("sandpit-leftover-");
    mkdirSync(path.join(dir, "mnt"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", path.join(dir, "mnt")]);
    const container = await docker.createContainer({
      Image: image,
      Cmd: ["true"],
      Labels: { "dev.sandpit.test": "1" },
      HostConfig: { Binds: [`${dir}/mnt:/data:ro`], NetworkMode: "none" },
    });
    const left = await leftovers(docker);
    expect(left).toEqual(
      expect.arrayContaining([`container ${container.id.slice(0, 12)} mounts ${dir}`, `mount ${dir}/mnt`, `folder ${dir}`]),
    );
    await removeSandboxesOf(docker, dir);
    await removeDataDir(dir);
    expect(await leftovers(docker)).toEqual([]);
  });
});
