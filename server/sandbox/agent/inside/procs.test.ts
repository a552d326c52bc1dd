import { describe, expect, it } from "vitest";
import { PrefixRemover } from "./procs.ts";

const FOLDER = "/tmp/.sandpit/runs/r-1/";

function through(chunks: string[]): { out: string; afterEach: string[] } {
  const remover = new PrefixRemover(FOLDER);
  const afterEach = chunks.map((chunk) => remover.push(Buffer.from(chunk)).toString());
  return { out: afterEach.join("") + remover.end().toString(), afterEach };
}

describe("PrefixRemover", () => {
  it("names the file without the run's folder, even when the folder is split across chunks", () => {
    const { out } = through(['  File "/tmp/.sandpit/ru', 'ns/r-1/main.py", line 1\n', `${FOLDER}a ${FOLDER}b`]);
    expect(out).toBe('  File "main.py", line 1\na b');
  });

  it("holds back nothing that cannot begin the folder, so a prompt shows at once", () => {
    expect(through(["Name? "]).afterEach).toEqual(["Name? "]);
    expect(through(["path /tmp/.sa", "fe\n"]).afterEach).toEqual(["path ", "/tmp/.safe\n"]);
  });
});
