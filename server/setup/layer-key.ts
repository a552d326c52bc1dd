import { createHash } from "node:crypto";
import type { NormalizedSetup } from "@/lib/setup/spec";

/** Bumped when the layout of layers changes, so old layers are not reused by mistake. */
export const LAYER_FORMAT = 1;

/** The object key of a setup's layer: a hash of the normalized spec and the runtime image. */
export function layerKey(setup: NormalizedSetup, imageId: string): string {
  const hash = createHash("sha256")
    .update(JSON.stringify({ format: LAYER_FORMAT, image: imageId, setup }))
    .digest("hex");
  return `layers/${hash}.tar.gz`;
}

export function specHash(setup: NormalizedSetup): string {
  return createHash("sha256").update(JSON.stringify(setup)).digest("hex");
}
