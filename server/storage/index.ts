import "server-only";
import type { Config } from "@/server/config";
import { FsObjectStore } from "./fs-object-store";
import type { ObjectStore } from "./object-store";
import { S3ObjectStore } from "./s3-object-store";

/** The configured object store: a local folder by default, S3-compatible when OBJECT_STORE_URL says s3://. */
export function openObjectStore(config: Config["objectStore"]): ObjectStore {
  return config.kind === "fs" ? new FsObjectStore(config.root) : new S3ObjectStore(config);
}
