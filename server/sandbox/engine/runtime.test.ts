import { describe, expect, it } from "vitest";
import { writesThrough } from "./runtime";

describe("Whether a runtime's writes reach the host at once", () => {
  const registered = {
    runc: { path: "runc" },
    "io.containerd.runc.v2": { path: "runc" },
    runsc: { path: "/usr/bin/runsc", runtimeArgs: ["--platform=ptrace", "--network=none"] },
    "runsc-exclusive": { path: "/usr/bin/runsc", runtimeArgs: ["--file-access-mounts=exclusive"] },
    "runsc-spaced": { path: "/usr/bin/runsc", runtimeArgs: ["--file-access-mounts", "exclusive"] },
    "runsc-shared": { path: "/usr/bin/runsc", runtimeArgs: ["--file-access-mounts=shared", "--file-access=exclusive"] },
    "my-runc": { path: "/usr/local/bin/runc" },
    kata: { path: "/usr/bin/kata-runtime" },
  };

  it("says yes for runc under any name, and for gVisor with its mounts shared (its default)", () => {
    expect(writesThrough("runc", registered, false)).toBe(true);
    expect(writesThrough("io.containerd.runc.v2", registered, false)).toBe(true);
    expect(writesThrough("my-runc", registered, false)).toBe(true);
    expect(writesThrough("runsc", registered, true)).toBe(true);
    // The root's file access is not the mounts'.
    expect(writesThrough("runsc-shared", registered, true)).toBe(true);
  });

  it("says no for gVisor with exclusive access to mounts, a VM runtime, or one it does not know", () => {
    expect(writesThrough("runsc-exclusive", registered, true)).toBe(false);
    expect(writesThrough("runsc-spaced", registered, true)).toBe(false);
    expect(writesThrough("kata", registered, false)).toBe(false);
    expect(writesThrough("missing", registered, false)).toBe(false);
  });
});
