import { describe, expect, it } from "vitest";
import { CHANGES_FILE_BYTES, compareCopies } from "./copy-changes";

// A student's file well under CHANGES_FILE_BYTES whose every line differs from the template's: the
// diff's cost grows with (lines × edits), so unbounded it holds the server's event loop for a long
// time (about 14 s at 16 KB a side on this machine, and far longer near 256 KiB). A bounded diff
// gives up and shows no patch instead.
describe("compareCopies on texts that differ everywhere", () => {
  it("gives up on a diff too costly to compute instead of computing it on the event loop", async () => {
    const lines = 6000;
    const template = "a\n".repeat(lines);
    const copy = "b\n".repeat(lines);
    expect(copy.length).toBeLessThan(CHANGES_FILE_BYTES);
    const changes = await compareCopies("tpl", ["main.py"], ["main.py"], (side) =>
      Promise.resolve(Buffer.from(side === "template" ? template : copy)),
    );
    expect(changes.changed).toBe(1);
    expect(changes.files[0]?.patch).toBeNull();
    expect(changes.files[0]?.no_patch).toBe("too_different");
  }, 120_000);
});

describe("compareCopies when a side cannot be read", () => {
  it("leaves that file out as not compared and compares the others", async () => {
    const changes = await compareCopies("tpl", ["a.py", "b.py"], ["a.py", "b.py"], (side, path) =>
      path === "a.py" && side === "copy"
        ? Promise.reject(new Error("grew past the limit"))
        : Promise.resolve(Buffer.from(`${side}\n`)),
    );
    expect(changes.not_compared).toEqual(["a.py"]);
    expect(changes.changed).toBe(1);
    expect(changes.files.map((file) => file.path)).toEqual(["b.py"]);
    expect(changes.files[0]?.patch).toContain("+copy");
  });
});
