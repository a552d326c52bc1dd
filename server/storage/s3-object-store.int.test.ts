import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { buffer, text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3, type S3Server } from "@/test/s3";
import { ObjectNotFoundError } from "./object-store";
import { S3ObjectStore } from "./s3-object-store";

let s3: S3Server;

beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => s3[Symbol.asyncDispose]());

describe("S3ObjectStore against an S3-protocol server", () => {
  it("stores, reads, sizes, lists and deletes objects under its prefix", async () => {
    const store = s3.store("team-a");
    await store.put("layers/one.tar.gz", Buffer.from("layer"));
    await store.put("snapshots/s/1.tar.gz", Readable.from([Buffer.from("snap")]));
    expect(await text(await store.get("layers/one.tar.gz"))).toBe("layer");
    expect(await store.head("snapshots/s/1.tar.gz")).toBe(4);
    expect((await store.list("layers/")).map((o) => o.key)).toEqual(["layers/one.tar.gz"]);
    expect(await s3.store("team-b").head("layers/one.tar.gz")).toBeUndefined();
    await store.delete("layers/one.tar.gz");
    expect(await store.head("layers/one.tar.gz")).toBeUndefined();
    await expect(store.get("layers/one.tar.gz")).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.check()).resolves.toBeUndefined();
  });

  it("uploads a large stream as one multipart object", async () => {
    const store = s3.store();
    const chunk = randomBytes(1024 * 1024);
    const parts = Array.from({ length: 40 }, () => chunk); // 40 MiB: three parts of 16 MiB
    await store.put("layers/big.tar.gz", Readable.from(parts));
    expect(await store.head("layers/big.tar.gz")).toBe(40 * 1024 * 1024);
    const back = await buffer(await store.get("layers/big.tar.gz"));
    expect(back.subarray(39 * 1024 * 1024).equals(chunk)).toBe(true);
  });

  it("says clearly when the bucket or the server is missing", async () => {
    const wrongBucket = new S3ObjectStore({
      bucket: "nope",
      prefix: "",
      endpoint: s3.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
    });
    await expect(wrongBucket.check()).rejects.toThrow();
    const down = new S3ObjectStore({
      bucket: "sandpit",
      prefix: "",
      endpoint: "http://127.0.0.1:1",
      region: "us-east-1",
      forcePathStyle: true,
      accessKeyId: "x",
      secretAccessKey: "y",
    });
    await expect(down.head("x")).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});
