import "server-only";
import { Readable } from "node:stream";
import type * as S3 from "@aws-sdk/client-s3";
import type { Upload } from "@aws-sdk/lib-storage";
import { DependencyUnavailableError, isConnectionFailure, reasonOf } from "@/server/unavailable";
import { assertValidKey, ObjectNotFoundError, type ObjectStore } from "./object-store";

/** A request that never got an answer from the S3 server, or got a 5xx: the store is down. */
function unreachable(error: unknown): Error {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const sdkError = typeof error === "object" && error !== null && "$metadata" in error;
  if (isConnectionFailure(error) || (status !== undefined && status >= 500) || (sdkError && status === undefined)) {
    return new DependencyUnavailableError("object store", reasonOf(error));
  }
  return error instanceof Error ? error : new Error(String(error));
}

export interface S3Options {
  bucket: string;
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** The AWS SDK's modules, and a client made with them. */
interface Sdk {
  s3: typeof S3;
  Upload: typeof Upload;
  client: S3.S3Client;
}

/** Cloudflare R2, AWS S3 or MinIO; large bodies go up as one multipart upload. */
export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  /** Loaded on first use: a server with another store never loads the SDK (some 20 MiB it would keep). */
  private sdk: Promise<Sdk> | undefined;

  constructor(private readonly options: S3Options) {
    this.description = `s3://${options.bucket}/${options.prefix}${options.endpoint ? ` at ${options.endpoint}` : ""}`;
  }

  private load(): Promise<Sdk> {
    this.sdk ??= Promise.all([import("@aws-sdk/client-s3"), import("@aws-sdk/lib-storage")]).then(([s3, storage]) => ({
      s3,
      Upload: storage.Upload,
      client: new s3.S3Client({
        region: this.options.region,
        endpoint: this.options.endpoint,
        forcePathStyle: this.options.forcePathStyle,
        credentials:
          this.options.accessKeyId && this.options.secretAccessKey
            ? { accessKeyId: this.options.accessKeyId, secretAccessKey: this.options.secretAccessKey }
            : undefined,
      }),
    }));
    return this.sdk;
  }

  private keyOf(key: string): string {
    assertValidKey(key);
    return this.options.prefix ? `${this.options.prefix.replace(/\/+$/, "")}/${key}` : key;
  }

  async put(key: string, body: Buffer | Readable): Promise<void> {
    const { Upload, client } = await this.load();
    // Upload sends one PUT for small bodies and a multipart upload (completed atomically) for large ones.
    const upload = new Upload({
      client,
      params: { Bucket: this.options.bucket, Key: this.keyOf(key), Body: body },
      partSize: 16 * 1024 * 1024,
      queueSize: 4,
    });
    await this.guard(upload.done());
  }

  async get(key: string): Promise<Readable> {
    const { s3, client } = await this.load();
    try {
      const result = await client.send(new s3.GetObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }));
      if (!(result.Body instanceof Readable)) throw new Error(`unexpected body type for ${key}`);
      return result.Body;
    } catch (error) {
      if (error instanceof s3.NoSuchKey || error instanceof s3.NotFound) throw new ObjectNotFoundError(key);
      throw unreachable(error);
    }
  }

  async head(key: string): Promise<number | undefined> {
    const { s3, client } = await this.load();
    try {
      const result = await client.send(new s3.HeadObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }));
      return result.ContentLength ?? 0;
    } catch (error) {
      if (
        error instanceof s3.NotFound ||
        (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
      ) {
        return undefined;
      }
      throw unreachable(error);
    }
  }

  async delete(key: string): Promise<void> {
    const { s3, client } = await this.load();
    await this.guard(client.send(new s3.DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) })));
  }

  async list(prefix: string): Promise<Array<{ key: string; bytes: number; modified: Date }>> {
    const { s3, client } = await this.load();
    const base = this.options.prefix ? `${this.options.prefix.replace(/\/+$/, "")}/` : "";
    const out: Array<{ key: string; bytes: number; modified: Date }> = [];
    let token: string | undefined;
    do {
      const page = await this.guard(
        client.send(
          new s3.ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: base + prefix, ContinuationToken: token }),
        ),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key)
          out.push({ key: item.Key.slice(base.length), bytes: item.Size ?? 0, modified: item.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async check(): Promise<void> {
    const { s3, client } = await this.load();
    await this.guard(client.send(new s3.HeadBucketCommand({ Bucket: this.options.bucket })));
  }

  /** A request's answer; a store that does not answer is reported as unavailable. */
  private async guard<T>(request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error) {
      throw unreachable(error);
    }
  }
}
