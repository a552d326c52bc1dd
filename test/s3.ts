import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import { S3ObjectStore } from "@/server/storage/s3-object-store";

export interface S3Server {
  endpoint: string;
  store(prefix?: string): S3ObjectStore;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A real S3-protocol server on loopback (s3rver) with one bucket, "sandpit". */
export async function startS3(): Promise<S3Server> {
  const directory = mkdtempSync(path.join(tmpdir(), "s3rver-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory, configureBuckets: [{ name: "sandpit" }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    store: (prefix = "") =>
      new S3ObjectStore({
        bucket: "sandpit",
        prefix,
        endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        accessKeyId: "S3RVER",
        secretAccessKey: "S3RVER",
      }),
    async [Symbol.asyncDispose]() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
