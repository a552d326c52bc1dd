import { describe, expect, it } from "vitest";
import { diagnose, failureMessage, LINE_CHARS } from "./diagnose";

describe("diagnose", () => {
  it("tells a pip package that does not exist by pip's own line", () => {
    const log = [
      "Looking in indexes: http://127.0.0.1:9/simple",
      "ERROR: Could not find a version that satisfies the requirement nope-pkg (from versions: none)",
      "ERROR: No matching distribution found for nope-pkg",
    ].join("\n");
    expect(diagnose(log)).toEqual({
      cause: "package not found",
      lines: [
        "ERROR: No matching distribution found for nope-pkg",
        "ERROR: Could not find a version that satisfies the requirement nope-pkg (from versions: none)",
      ],
    });
    expect(failureMessage("pip", 1, log)).toBe(
      "the pip step failed: package not found — ERROR: No matching distribution found for nope-pkg",
    );
  });

  it("tells npm's 404 and a Go module that has no such version", () => {
    const npm = [
      "npm error code E404",
      "npm error 404 Not Found - GET https://registry.npmjs.org/nope - Not found",
      "npm error 404  'nope@*' is not in this registry.",
    ].join("\n");
    expect(diagnose(npm)).toMatchObject({ cause: "package not found" });
    expect(diagnose(npm).lines[0]).toBe("npm error 404  'nope@*' is not in this registry.");
    expect(diagnose("go: example.com/m@v9.9.9: invalid version: unknown revision v9.9.9").cause).toBe("package not found");
  });

  it("tells a registry that cannot be reached, whichever tool says so", () => {
    for (const line of [
      "WARNING: Retrying ... Failed to establish a new connection: [Errno 111] Connection refused",
      "npm error code ENOTFOUND",
      "npm error code EAI_AGAIN",
      'go: example.com/m@v1.0.0: Get "http://127.0.0.1:9/example.com/m/@v/v1.0.0.info": dial tcp 127.0.0.1:9: connect: connection refused',
    ])
      expect(diagnose(`Collecting things\n${line}\nmore`)).toMatchObject({ cause: "registry unreachable", lines: [line] });
  });

  it("tells an unreachable index over the 'no matching distribution' it leads to", () => {
    const log = [
      "WARNING: Retrying (Retry(total=0)) after connection broken by 'NewConnectionError(': Failed to establish a new connection: [Errno 111] Connection refused')'",
      "ERROR: Could not find a version that satisfies the requirement requests (from versions: none)",
      "ERROR: No matching distribution found for requests",
    ].join("\n");
    expect(diagnose(log).cause).toBe("registry unreachable");
  });

  it("falls back to the command's last error lines", () => {
    const log = "step 1\nstep 2\nmake: *** [all] Error 2\ndone";
    expect(diagnose(log)).toEqual({ cause: "command failed", lines: ["make: *** [all] Error 2"] });
    expect(failureMessage("commands", 2, log)).toBe("the commands step failed (exit 2) — make: *** [all] Error 2");
    expect(failureMessage("commands", 1, "")).toBe("the commands step failed (exit 1)");
  });

  it("tells a full disk before anything else", () => {
    expect(diagnose("npm error code ENOSPC\nnpm error syscall write").cause).toBe("no space left");
  });
});

describe("a log with enormous lines", () => {
  it("looks at the start of each line only, and still finds the cause there", () => {
    const huge = `npm error request to https://registry.example/x failed, reason: getaddrinfo ENOTFOUND ${"request to ".repeat(7_000)}`;
    const found = diagnose(`${huge}\n`);
    expect(found.cause).toBe("registry unreachable");
    expect(found.lines[0]?.length).toBeLessThanOrEqual(LINE_CHARS);
  });
});
