import "server-only";
import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
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

/** Cloudflare R2, AWS S3 or MinIO; large bodies go up as one multipart upload. */
export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  private readonly client: S3Client;

  constructor(private readonly options: S3Options) {
    this.description = `s3://${options.bucket}/${options.prefix}${options.endpoint ? ` at ${options.endpoint}` : ""}`;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined,
    });
  }

  private keyOf(key: string): string {
    assertValidKey(key);
    return this.options.prefix ? `${this.options.prefix.replace(/\/+$/, "")}/${key}` : key;
  }

  async put(key: string, body: Buffer | Readable): Promise<void> {
    // Upload sends one PUT for small bodies and a multipart upload (completed atomically) for large ones.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key: this.keyOf(key), Body: body },
      partSize: 16 * 1024 * 1024,
      queueSize: 4,
    });
    await this.guard(upload.done());
  }

  async get(key: string): Promise<Readable> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }));
      if (!(result.Body instanceof Readable)) throw new Error(`unexpected body type for ${key}`);
      return result.Body;
    } catch (error) {
      if (error instanceof NoSuchKey || error instanceof NotFound) throw new ObjectNotFoundError(key);
      throw unreachable(error);
    }
  }

  async head(key: string): Promise<number | undefined> {
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }));
      return result.ContentLength ?? 0;
    } catch (error) {
      if (error instanceof NotFound || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
        return undefined;
      }
      throw unreachable(error);
    }
  }

  async delete(key: string): Promise<void> {
    await this.guard(this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) })));
  }

  async list(prefix: string): Promise<Array<{ key: string; bytes: number; modified: Date }>> {
    const base = this.options.prefix ? `${this.options.prefix.replace(/\/+$/, "")}/` : "";
    const out: Array<{ key: string; bytes: number; modified: Date }> = [];
    let token: string | undefined;
    do {
      const page = await this.guard(
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: base + prefix, ContinuationToken: token }),
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
    await this.guard(this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket })));
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
