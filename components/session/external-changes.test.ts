import { describe, expect, it } from "vitest";
import { reconcile } from "./external-changes";

describe("reconcile", () => {
  it("ignores the editor's own writes, even when an older one comes back late", () => {
    expect(reconcile({ content: "v2", saved: "v2" }, "v2", ["v1", "v2"])).toBe("ignore");
    expect(reconcile({ content: "v3", saved: "v2" }, "v1", ["v1", "v2"])).toBe("ignore");
  });

  it("loads a change made elsewhere when nothing is typed over it", () => {
    expect(reconcile({ content: "mine", saved: "mine" }, "theirs", ["mine"])).toBe("reload");
  });

  it("asks when the file changed on disk and in the editor", () => {
    expect(reconcile({ content: "typed", saved: "mine" }, "theirs", ["mine"])).toBe("conflict");
  });
});
