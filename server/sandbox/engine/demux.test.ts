import { describe, expect, it } from "vitest";
import { demuxDockerStream, DockerStreamDemuxer } from "./demux";

/** One frame of Docker's multiplexed format: stream kind, three zero bytes, payload length, payload. */
function frame(kind: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe("demuxDockerStream", () => {
  it("splits frames into stdout and stderr, in order", () => {
    const stream = Buffer.concat([frame(1, "a"), frame(2, "oops"), frame(1, "b\n")]);
    const { stdout, stderr } = demuxDockerStream(stream);
    expect(stdout.toString()).toBe("ab\n");
    expect(stderr.toString()).toBe("oops");
  });

  it("ignores a header cut short at the end", () => {
    const stream = Buffer.concat([frame(1, "whole"), frame(2, "x").subarray(0, 5)]);
    expect(demuxDockerStream(stream)).toEqual({ stdout: Buffer.from("whole"), stderr: Buffer.alloc(0) });
  });
});

describe("DockerStreamDemuxer", () => {
  it("gives the same payloads whichever way the stream is cut into chunks", () => {
    const stream = Buffer.concat([frame(1, "hello "), frame(2, "warn"), frame(1, "world")]);
    for (let size = 1; size <= stream.length; size++) {
      const got = { 1: "", 2: "" };
      const demuxer = new DockerStreamDemuxer((kind, data) => (got[kind] += data.toString()));
      for (let at = 0; at < stream.length; at += size) demuxer.push(stream.subarray(at, at + size));
      expect(got, `chunks of ${size} bytes`).toEqual({ 1: "hello world", 2: "warn" });
    }
  });
});
