import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { PtyHandle } from "@/server/sandbox/engine/driver";
import { REPLAY_BYTES, TerminalRegistry } from "./terminals";

/** A PTY that wrote `bytes` of output and has ended. */
function endedPty(bytes: number): PtyHandle {
  const stream = new PassThrough();
  const pty: PtyHandle = { stream, resize: () => Promise.resolve(), exited: () => Promise.resolve(0) };
  stream.write(Buffer.alloc(bytes, 1));
  return pty;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("TerminalRegistry", () => {
  it("keeps a bounded number of ended runs of a session, however many start and end within a minute", async () => {
    const registry = new TerminalRegistry(2, "run");
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      ids.push(registry.add("s1", endedPty(REPLAY_BYTES)).id);
      await settle();
    }
    const kept = ids.filter((id) => {
      try {
        registry.get("s1", id);
        return true;
      } catch {
        return false;
      }
    });
    // The newest ones stay to be read; the oldest are let go instead of being held until the sweep.
    expect(kept.length).toBeLessThanOrEqual(2);
    expect(kept).toContain(ids.at(-1));
  });

  it("keeps the ended runs of other sessions when one session ends many", async () => {
    const registry = new TerminalRegistry(2, "run");
    const other = registry.add("s2", endedPty(10)).id;
    await settle();
    for (let i = 0; i < 10; i++) {
      registry.add("s1", endedPty(10));
      await settle();
    }
    expect(registry.get("s2", other).id).toBe(other);
  });

  it("tells the session of each input to one of its terminals", () => {
    const used: string[] = [];
    const registry = new TerminalRegistry(2, "terminal", (sessionId) => used.push(sessionId));
    const stream = new PassThrough();
    const terminal = registry.add("s1", { stream, resize: () => Promise.resolve(), exited: () => new Promise(() => undefined) });
    terminal.write("ls\n");
    terminal.write("pwd\n");
    expect(used).toEqual(["s1", "s1"]);
  });
});
