import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { createGzip, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { deleteFile, downloadWorkspace, listFiles, makeDirectory, moveFile, readFile, uploadWorkspace, writeFile } from "./files";
import { exec } from "./shells";

let h: SandboxHarness;
let session: string;

beforeAll(async () => {
  h = await sandboxHarness();
  session = h.session();
});
afterAll(async () => h[Symbol.asyncDispose]());

const sh = async (command: string): Promise<string> => (await exec(h.manager, session, { command, shell: "files" })).stdout;

/** A minimal ustar archive with one regular file, gzip-compressed. */
function tarGz(entries: Array<{ name: string; body: string }>): Readable {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const header = Buffer.alloc(512);
    header.write(entry.name, 0, 100, "utf8");
    header.write("0000644\0", 100);
    header.write("0001750\0", 108);
    header.write("0001750\0", 116);
    header.write(`${Buffer.byteLength(entry.body).toString(8).padStart(11, "0")}\0`, 124);
    header.write(
      `${Math.floor(Date.now() / 1000)
        .toString(8)
        .padStart(11, "0")}\0`,
      136,
    );
    header.write("        ", 148);
    header.write("0", 156);
    header.write("ustar\0", 257);
    header.write("00", 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    const body = Buffer.alloc(Math.ceil(Buffer.byteLength(entry.body) / 512) * 512);
    body.write(entry.body);
    blocks.push(header, body);
  }
  blocks.push(Buffer.alloc(1024));
  return Readable.from([Buffer.concat(blocks)]).pipe(createGzip());
}

describe("Workspace files", () => {
  it("writes text and base64, creating parents, and reads them back byte-exact", async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 10]);
    await writeFile(h.manager, session, "deep/er/data.bin", bytes);
    await writeFile(h.manager, session, "/workspace/notes.txt", Buffer.from("hello\n\n"));
    expect((await readFile(h.manager, session, "deep/er/data.bin")).data.equals(bytes)).toBe(true);
    expect((await readFile(h.manager, session, "notes.txt")).data.toString()).toBe("hello\n\n");
    expect(await sh("cat /workspace/notes.txt")).toBe("hello\n\n");
  });

  it("sets a mode and keeps it when the file is written again", async () => {
    await writeFile(h.manager, session, "run.sh", Buffer.from("#!/bin/sh\necho ran\n"), 0o755);
    await writeFile(h.manager, session, "run.sh", Buffer.from("#!/bin/sh\necho ran again\n"));
    expect(await sh("stat -c %a /workspace/run.sh; /workspace/run.sh")).toBe("755\nran again\n");
  });

  it("lists recursively with size, mtime and type", async () => {
    await sh(
      "mkdir -p /workspace/tree/sub && printf 12345 > /workspace/tree/sub/five.txt && ln -sf five.txt /workspace/tree/sub/link",
    );
    const entries = await listFiles(h.manager, session, "tree");
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ["tree/sub", "directory"],
      ["tree/sub/five.txt", "file"],
      ["tree/sub/link", "symlink"],
    ]);
    const five = entries.find((e) => e.path === "tree/sub/five.txt");
    expect(five?.size).toBe(5);
    expect(Math.abs((five?.mtimeMs ?? 0) - Date.now())).toBeLessThan(60_000);
    expect((await listFiles(h.manager, session, "tree", false)).map((e) => e.path)).toEqual(["tree/sub"]);
  });

  it("makes folders, moves and deletes", async () => {
    await makeDirectory(h.manager, session, "a/b/c");
    await writeFile(h.manager, session, "a/b/c/file.txt", Buffer.from("x"));
    await moveFile(h.manager, session, "a/b/c/file.txt", "moved/file.txt");
    expect(await sh("ls /workspace/a/b/c; cat /workspace/moved/file.txt")).toBe("x");
    await expect(moveFile(h.manager, session, "nothing.txt", "x.txt")).rejects.toThrow("does not exist");
    await expect(deleteFile(h.manager, session, "a")).rejects.toThrow("not empty");
    await deleteFile(h.manager, session, "a", true);
    await deleteFile(h.manager, session, "moved/file.txt");
    expect(await sh("ls /workspace/a /workspace/moved/file.txt 2>&1 | grep -c 'No such' || true")).toBe("2\n");
  });

  it("refuses .., absolute paths elsewhere and symlinks that lead out", async () => {
    await expect(readFile(h.manager, session, "../etc/passwd")).rejects.toThrow("outside /workspace");
    await expect(readFile(h.manager, session, "/etc/passwd")).rejects.toThrow("outside /workspace");
    await expect(writeFile(h.manager, session, "ok/../../escape.txt", Buffer.from("x"))).rejects.toThrow("outside /workspace");
    await sh("ln -sfn /etc /workspace/etc-link && ln -sf /etc/passwd /workspace/passwd-link");
    await expect(readFile(h.manager, session, "passwd-link")).rejects.toThrow("leads outside /workspace");
    await expect(writeFile(h.manager, session, "etc-link/evil", Buffer.from("x"))).rejects.toThrow("leads outside /workspace");
    await expect(listFiles(h.manager, session, "etc-link")).rejects.toThrow("leads outside /workspace");
  });

  it("downloads the workspace as tar.gz and uploads one into it", async () => {
    await writeFile(h.manager, session, "archive-me/one.txt", Buffer.from("one"));
    const archive = gunzipSync(await buffer(await downloadWorkspace(h.manager, session)));
    expect(archive.includes(Buffer.from("archive-me/one.txt"))).toBe(true);
    const result = await uploadWorkspace(h.manager, session, tarGz([{ name: "uploaded/hello.txt", body: "from an archive\n" }]));
    expect(result.files).toBe(1);
    expect(await sh("cat /workspace/uploaded/hello.txt; stat -c %U /workspace/uploaded/hello.txt")).toBe(
      "from an archive\nsandbox\n",
    );
  });

  it("keeps a hostile upload inside the sandbox", async () => {
    await expect(
      uploadWorkspace(h.manager, session, tarGz([{ name: "../../../../tmp/outside.txt", body: "x" }])),
    ).rejects.toThrow("Member name contains '..'");
    expect(await sh("ls /tmp/outside.txt 2>/dev/null || echo contained")).toBe("contained\n");
    await expect(uploadWorkspace(h.manager, session, Readable.from([Buffer.from("not an archive")]))).rejects.toThrow(
      "the archive is not gzip-compressed (.tar.gz)",
    );
    // gzip magic, then garbage: tar inside the sandbox refuses it.
    await expect(uploadWorkspace(h.manager, session, Readable.from([Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5])]))).rejects.toThrow(
      "could not be unpacked",
    );
  });

  it("answers a listing too big for one message with an error and keeps the sandbox", async () => {
    const fresh = h.session();
    // 20,000 entries with long names: far more than one 4 MiB answer holds.
    await exec(h.manager, fresh, {
      command: `python3 -c "import os; os.makedirs('many'); [open('many/' + str(i).zfill(6) + 'x' * 200, 'w').close() for i in range(20000)]"; echo "pid-$$" > /tmp/marker`,
      timeoutMs: 120_000,
    });
    const before = h.manager.peek(fresh)?.containerId;
    await expect(listFiles(h.manager, fresh, ".", true)).rejects.toThrow(/larger than 4 MiB: ask for less/);
    // The same sandbox answers afterwards: the oversized answer failed only its own request.
    expect(h.manager.peek(fresh)?.containerId).toBe(before);
    expect((await exec(h.manager, fresh, { command: "cat /tmp/marker | cut -c1-4" })).stdout).toBe("pid-\n");
    expect((await listFiles(h.manager, fresh, ".", false)).map((f) => f.path)).toEqual(["many"]);
  });
});
