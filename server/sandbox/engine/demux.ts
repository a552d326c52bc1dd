/** Splits Docker's multiplexed stream format (8-byte frame headers) into stdout and stderr buffers. */
export function demuxDockerStream(buffer: Buffer): { stdout: Buffer; stderr: Buffer } {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const kind = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    (kind === 2 ? stderr : stdout).push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) };
}

/**
 * Splits a live Docker attach stream (Tty off) into its stdout and stderr payloads as frames
 * arrive. Only a frame header is ever held back; payloads pass through in the pieces they came in.
 */
export class DockerStreamDemuxer {
  private header = Buffer.alloc(0);
  private kind = 1;
  private remaining = 0;

  constructor(private readonly onPayload: (kind: 1 | 2, data: Buffer) => void) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining === 0) {
        const need = 8 - this.header.length;
        this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + need)]);
        offset += Math.min(need, chunk.length - offset);
        if (this.header.length < 8) return;
        this.kind = this.header[0] ?? 1;
        this.remaining = this.header.readUInt32BE(4);
        this.header = Buffer.alloc(0);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - offset);
      const payload = chunk.subarray(offset, offset + take);
      offset += take;
      this.remaining -= take;
      this.onPayload(this.kind === 2 ? 2 : 1, payload);
    }
  }
}
