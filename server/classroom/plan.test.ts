import { describe, expect, it } from "vitest";
import { pathsToWeigh, planUpdate, type CopyFile } from "./plan";

const file = (hash: string | null): CopyFile => ({ type: "file", hash });
const copyOf = (entries: Record<string, CopyFile>): Map<string, CopyFile> => new Map(Object.entries(entries));

describe("planUpdate", () => {
  const base = { "main.py": "m1", "data.csv": "d1", "notes.md": "n1", "old.py": "o1" };
  const next = { "main.py": "m2", "data.csv": "d2", "notes.md": "n1", "new.py": "w1" };

  it("weighs only the paths the template changed, added or removed", () => {
    expect(pathsToWeigh(base, next)).toEqual(["data.csv", "main.py", "new.py", "old.py"]);
  });

  it("brings a copy nobody touched up to the template", () => {
    const plan = planUpdate(
      base,
      next,
      copyOf({ "main.py": file("m1"), "data.csv": file("d1"), "notes.md": file("n1"), "old.py": file("o1") }),
    );
    expect(plan.changes).toEqual([
      { path: "data.csv", action: "updated" },
      { path: "main.py", action: "updated" },
      { path: "new.py", action: "added" },
      { path: "old.py", action: "removed" },
    ]);
    expect(plan.conflicts).toEqual([]);
    expect(plan.base).toEqual(next);
  });

  it("leaves what the student edited, deleted or made their own, and keeps its old base", () => {
    const plan = planUpdate(
      base,
      next,
      copyOf({ "main.py": file("mine"), "notes.md": file("n1"), "old.py": file("o-edited"), "new.py": file("own") }),
    );
    expect(plan.changes).toEqual([]);
    expect(plan.conflicts).toEqual([
      { path: "data.csv", reason: "deleted" },
      { path: "main.py", reason: "edited" },
      { path: "new.py", reason: "own_file" },
      { path: "old.py", reason: "edited_removed" },
    ]);
    expect(plan.base).toEqual(base);
  });

  it("takes a file already as the template has it as up to date, and a removed file already gone as done", () => {
    const plan = planUpdate(base, next, copyOf({ "main.py": file("m2"), "data.csv": file("d1"), "new.py": file("w1") }));
    expect(plan.changes).toEqual([{ path: "data.csv", action: "updated" }]);
    expect(plan.conflicts).toEqual([]);
    expect(plan.base).toEqual(next);
  });

  it("never overwrites what it cannot compare: a file too big to hash, a folder", () => {
    const plan = planUpdate(base, next, copyOf({ "main.py": file(null), "data.csv": { type: "other" }, "old.py": file("o1") }));
    expect(plan.changes).toEqual([
      { path: "new.py", action: "added" },
      { path: "old.py", action: "removed" },
    ]);
    expect(plan.conflicts).toEqual([
      { path: "data.csv", reason: "not_a_file" },
      { path: "main.py", reason: "edited" },
    ]);
  });

  it("weighs a conflict again at the next update, and settles it once the student's file matches", () => {
    const first = planUpdate(base, next, copyOf({ "main.py": file("mine"), "data.csv": file("d1"), "notes.md": file("n1") }));
    expect(first.conflicts).toEqual([{ path: "main.py", reason: "edited" }]);
    const again = planUpdate(first.base, next, copyOf({ "main.py": file("m2") }));
    expect(again.conflicts).toEqual([]);
    expect(again.base).toEqual(next);
  });
});
