import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { run, runStream, type RunEvent, type RunRequest } from "./runs";
import { exec } from "./shells";

let h: SandboxHarness;
let session: string;

beforeAll(async () => {
  h = await sandboxHarness();
  session = h.session();
});
afterAll(async () => h[Symbol.asyncDispose]());

const code = (language: RunRequest["language"], text: string) => run(h.manager, session, { language, source: { code: text } });
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("What runs show", () => {
  it("shows matplotlib figures on plt.show(), and what sandpit_display.display() is given, in order", async () => {
    const result = await code(
      "python",
      [
        "import matplotlib.pyplot as plt",
        "import numpy as np",
        "from sandpit_display import display",
        "x = np.linspace(0, 6.3, 50)",
        "plt.plot(x, np.sin(x))",
        "plt.show()",
        'display("# Results\\n\\n*all* good", mime="text/markdown")',
        'display("<b>bold</b>", mime="text/html")',
        "print('done')",
      ].join("\n"),
    );
    expect(result).toMatchObject({ exitCode: 0, stdout: "done\n", stderr: "" });
    expect(result.outputs.map((output) => output.mime)).toEqual(["image/png", "text/markdown", "text/html"]);
    const [png, markdown, html] = result.outputs;
    expect(png?.data.subarray(0, 8)).toEqual(PNG_MAGIC);
    expect(png?.data.length).toBeGreaterThan(5_000);
    expect(markdown?.data.toString()).toBe("# Results\n\n*all* good");
    expect(html?.data.toString()).toBe("<b>bold</b>");
    expect(result.outputsSkipped).toBeUndefined();
  }, 60_000);

  it("shows files any program writes into $SANDPIT_DISPLAY, and leaves out links, unknown kinds and files being written", async () => {
    const result = await code(
      "bash",
      [
        'printf \'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>\' > "$SANDPIT_DISPLAY/1.svg"',
        'printf "plain" > "$SANDPIT_DISPLAY/2.txt"',
        'ln -s /etc/passwd "$SANDPIT_DISPLAY/3.txt"',
        'printf "x" > "$SANDPIT_DISPLAY/4.exe"',
        'printf "half" > "$SANDPIT_DISPLAY/.5.png"',
        'mkdir "$SANDPIT_DISPLAY/6.png"',
      ].join("\n"),
    );
    expect(result.exitCode).toBe(0);
    expect(result.outputs.map((output) => [output.mime, output.data.toString()])).toEqual([
      ["image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'],
      ["text/plain", "plain"],
    ]);
    expect(result.outputsSkipped).toBe(3);
  }, 60_000);

  it("keeps to 16 items and 2 MiB each, and removes the folder after the run", async () => {
    const result = await code(
      "bash",
      [
        'for i in $(seq 10 29); do printf "item $i" > "$SANDPIT_DISPLAY/$i.txt"; done',
        'head -c 3000000 /dev/zero > "$SANDPIT_DISPLAY/00-big.png"',
        'echo "$SANDPIT_DISPLAY"',
      ].join("\n"),
    );
    expect(result.outputs).toHaveLength(16);
    expect(result.outputs[0]?.data.toString()).toBe("item 10");
    expect(result.outputsSkipped).toBe(5);
    const folder = result.stdout.trim();
    expect(folder).toMatch(/^\/tmp\/\.sandpit\/display\//);
    expect((await exec(h.manager, session, { command: `test -e ${folder}; echo $?`, shell: "check" })).stdout).toBe("1\n");
  }, 60_000);

  it("streams what a run shows before its exit event", async () => {
    const events: RunEvent[] = [];
    for await (const event of runStream(h.manager, session, {
      language: "python",
      source: { code: 'from sandpit_display import display\nprint("before")\ndisplay("shown", mime="text/plain")' },
    }))
      events.push(event);
    expect(events.map((event) => event.type)).toEqual(["stdout", "display", "exit"]);
    expect(events[1]).toMatchObject({ type: "display", mime: "text/plain" });
  }, 60_000);
});
