import type { Readable } from "node:stream";

/** Where layers and workspace snapshots live: a local folder, or an S3-compatible bucket. */
export interface ObjectStore {
  readonly description: string;
  /** Stores a whole object; the key becomes visible only once the upload is complete. */
  put(key: string, body: Buffer | Readable, contentLength?: number): Promise<void>;
  get(key: string): Promise<Readable>;
  /** Size in bytes, or undefined when the key does not exist. */
  head(key: string): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<Array<{ key: string; bytes: number; modified: Date }>>;
  /** Proves the store answers and accepts writes. */
  check(): Promise<void>;
  /** Deletes what uploads interrupted before `before` left behind (never visible under a key). */
  clearPartial?(before: Date): Promise<number>;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object ${key} does not exist`);
    this.name = "ObjectNotFoundError";
  }
}

/** Object keys are relative, slash-separated and never climb out of the store. */
export function assertValidKey(key: string): void {
  if (key === "" || key.startsWith("/") || key.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new Error(`invalid object key "${key}"`);
  }
}
