import "server-only";
import { setTimeout as sleep } from "node:timers/promises";
import { Transform, type TransformCallback } from "node:stream";

/**
 * Bytes a second, shared by every connection of one session in one direction. Takers go into debt
 * and wait it off, so concurrent connections together never exceed the rate by more than a second's burst.
 */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(private readonly rate: number) {
    this.tokens = rate;
  }

  async take(bytes: number): Promise<void> {
    const now = Date.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens < 0) await sleep(Math.ceil((-this.tokens / this.rate) * 1000));
  }
}

/** Passes bytes on as the bucket allows, counting them. */
export function throttle(bucket: TokenBucket, count: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
      count(chunk.length);
      bucket.take(chunk.length).then(
        () => callback(null, chunk),
        (error: Error) => callback(error),
      );
    },
  });
}

/** What one session's egress did since this server started. */
export interface EgressUsage {
  bytes_in: number;
  bytes_out: number;
  connections: number;
  denied: number;
  open: number;
}

export function emptyUsage(): EgressUsage {
  return { bytes_in: 0, bytes_out: 0, connections: 0, denied: 0, open: 0 };
}
