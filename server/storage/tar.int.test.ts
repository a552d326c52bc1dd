import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { tarCreate } from "./tar";

function names(tarBytes: Buffer): string[] {
  const out: string[] = [];
  for (let offset = 0; offset + 512 <= tarBytes.length;) {
    const header = tarBytes.subarray(offset, offset + 512);
    const name = header.subarray(0, 100).toString().replace(/\0.*$/s, "");
    if (!name) break;
    const size = parseInt(header.subarray(124, 136).toString().replace(/\0.*$/s, "").trim() || "0", 8);
    out.push(name);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe("tarCreate", () => {
  it("archives a folder with links kept as links and sensitive files left out", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tar-"));
    mkdirSync(path.join(dir, "a/.ssh"), { recursive: true });
    writeFileSync(path.join(dir, "a/keep.txt"), "keep");
    writeFileSync(path.join(dir, "a/.env"), "SECRET=1");
    writeFileSync(path.join(dir, "a/.ssh/id_ed25519"), "key");
    symlinkSync("/etc/passwd", path.join(dir, "a/link"));
    const archive = gunzipSync(await buffer(tarCreate(dir, { excludeSensitive: true })));
    expect(names(archive).sort()).toEqual(["./", "./a/", "./a/.ssh/", "./a/keep.txt", "./a/link"]);
    expect(archive.includes("SECRET=1")).toBe(false);
    expect(archive.includes("root:x:0:0")).toBe(false);
  });

  it("fails the stream instead of ending it short when tar fails", async () => {
    await expect(buffer(tarCreate("/no/such/folder", { excludeSensitive: false }))).rejects.toThrow(/tar failed \(exit 2\)/);
  });
});

describe("tarCreate on sparse files and bounds", () => {
  it("stores the holes of a sparse file as holes: 1 TiB of nothing is a tiny archive that unpacks sparse", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tar-sparse-"));
    execFileSync("truncate", ["-s", "1T", path.join(dir, "huge")]);
    writeFileSync(path.join(dir, "small.txt"), "hello");
    const archive = await buffer(tarCreate(dir, { excludeSensitive: false }));
    expect(archive.length).toBeLessThan(64 * 1024);
    const out = mkdtempSync(path.join(tmpdir(), "tar-sparse-out-"));
    execFileSync("tar", ["-xzf", "-", "-C", out], { input: archive });
    const huge = statSync(path.join(out, "huge"));
    expect(huge.size).toBe(1024 ** 4);
    expect(huge.blocks).toBeLessThan(64);
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it("fails the stream when the archive passes its size bound", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tar-bound-"));
    writeFileSync(path.join(dir, "data.bin"), randomBytes(256 * 1024));
    await expect(buffer(tarCreate(dir, { excludeSensitive: false, maxBytes: 1024 }))).rejects.toThrow(/larger than 1024 bytes/);
    rmSync(dir, { recursive: true, force: true });
  });
});
