import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "@/server/sandbox/runs";
import type { ObjectStore } from "@/server/storage/object-store";
import { startS3, type S3Server } from "@/test/s3";
import { setupHarness, type SetupHarness } from "@/test/setup";

let s3: S3Server;
let hostA: SetupHarness;
let hostB: SetupHarness;
const gets: string[] = [];

/** The same bucket seen from host B, recording which objects B downloads. */
function counting(store: ObjectStore): ObjectStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === "get") {
        return (key: string) => {
          gets.push(key);
          return target.get(key);
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

beforeAll(async () => {
  s3 = await startS3();
  hostA = await setupHarness({ store: s3.store("shared") });
  hostB = await setupHarness({ store: counting(s3.store("shared")) });
});
afterAll(async () => {
  await hostA[Symbol.asyncDispose]();
  await hostB[Symbol.asyncDispose]();
  await s3[Symbol.asyncDispose]();
});

describe("Layers in S3", () => {
  it("are stored once and reused by another host as a cache hit, unpacked once there", async () => {
    const a = hostA.session();
    await hostA.setups.submit(a, { npm: ["ms@2.1.3"], commands: ["echo from-layer > seed.txt"] });
    const built = await hostA.setups.waitFor(a);
    expect(built, built.error ?? "").toMatchObject({ status: "completed", layer: { cache_hit: false } });
    expect(await s3.store("shared").head(built.layer?.key ?? "")).toBe(built.layer?.bytes);

    const b1 = hostB.session();
    const hit = await hostB.setups.submit(b1, { npm: ["ms@2.1.3"], commands: ["echo from-layer > seed.txt"] });
    expect(hit).toMatchObject({ status: "completed", layer: { cache_hit: true, key: built.layer?.key } });
    expect(hostB.driver.started.filter((s) => s.role === "setup")).toEqual([]);

    const code = 'console.log(require("ms")(1000), require("fs").readFileSync("seed.txt", "utf8").trim())';
    expect((await run(hostB.manager, b1, { language: "node", source: { code } })).stdout).toBe("1s from-layer\n");
    expect((await run(hostB.manager, b1, { language: "node", source: { code } })).stdout).toBe("1s from-layer\n");

    const b2 = hostB.session();
    await hostB.setups.submit(b2, { npm: ["ms@2.1.3"], commands: ["echo from-layer > seed.txt"] });
    expect((await run(hostB.manager, b2, { language: "node", source: { code } })).stdout).toBe("1s from-layer\n");
    // Two sessions, three runs on host B: the layer came down from the bucket exactly once.
    expect(gets.filter((key) => key === built.layer?.key)).toHaveLength(1);
  });
});
