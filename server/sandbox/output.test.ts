import { describe, expect, it } from "vitest";
import { encodeOutput, processOutput } from "./output";

describe("encodeOutput", () => {
  it("keeps valid UTF-8 as text, multi-byte characters included", () => {
    expect(encodeOutput(Buffer.from("héllo ✓ 🎉\n"))).toEqual({ text: "héllo ✓ 🎉\n", encoding: "utf8" });
    expect(encodeOutput(Buffer.alloc(0))).toEqual({ text: "", encoding: "utf8" });
  });

  it("sends bytes that are not UTF-8 as base64, byte for byte", () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00]);
    const encoded = encodeOutput(bytes);
    expect(encoded.encoding).toBe("base64");
    expect(Buffer.from(encoded.text, "base64")).toEqual(bytes);
  });

  it("does not pass a multi-byte character cut in half off as text", () => {
    const cut = Buffer.from("✓").subarray(0, 2);
    expect(encodeOutput(cut)).toEqual({ text: cut.toString("base64"), encoding: "base64" });
  });
});

describe("processOutput", () => {
  it("decodes each stream on its own and keeps the exit and limits", () => {
    const binary = Buffer.from([0xfe, 0xfd]);
    const result = processOutput({
      stdout: Buffer.from("out\n").toString("base64"),
      stderr: binary.toString("base64"),
      exitCode: 3,
      durationMs: 42,
      timedOut: true,
      truncated: false,
      stdoutTruncated: false,
      stderrTruncated: false,
    });
    expect(result).toEqual({
      stdout: "out\n",
      stderr: binary.toString("base64"),
      stdoutEncoding: "utf8",
      stderrEncoding: "base64",
      exitCode: 3,
      durationMs: 42,
      timedOut: true,
      truncated: false,
    });
  });
});
