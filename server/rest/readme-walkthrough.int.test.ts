import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@/test/server";

const run = promisify(execFile);
let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
}, 120_000);
afterAll(async () => server[Symbol.asyncDispose]());

/** The README's curl walkthrough, exactly as written, with only the address pointed at this server. */
function walkthrough(): string {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.split("<!-- walkthrough -->")[1]?.split("<!-- /walkthrough -->")[0] ?? "";
  const script = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!script?.startsWith("SANDPIT=http://127.0.0.1:3000\n"))
    throw new Error("the README walkthrough is missing or does not start with SANDPIT=…");
  return script;
}

describe("The README's curl walkthrough", () => {
  it("works verbatim when pasted", async () => {
    const script = walkthrough().replace("SANDPIT=http://127.0.0.1:3000", `SANDPIT=${server.url}`);
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", script], { timeout: 180_000 });
    expect(stdout).toContain('"setup_status":"pending"');
    expect(stdout).toContain('"stdout":"2m hello\\n"');
    expect(stdout).toContain("event: done");
    expect(stdout).toContain('"stdout":"sandpit in /tmp\\n"');
    expect(stdout).toContain('"stdout":"hi from a file\\n"');
    expect(stdout).toContain('"forked_from":"demo"');
    expect(stdout).toContain('"stdout":"42\\n"');
    expect(stdout).toContain('{"deleted":true,"id":"demo"}');
  });
});
