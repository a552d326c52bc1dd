import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type Dockerode from "dockerode";
import { RECIPE_DIR, recipeFiles, runtimeImageRef } from "./recipe";

export const BASE_IMAGE = "debian:bookworm-slim";
export const BOOTSTRAPPED_BASE = "sandpit-base:bookworm";

export interface BuildOptions {
  image: string;
  npmRegistry?: string;
  caBundle?: string;
  log: (line: string) => void;
}

async function imageExists(docker: Dockerode, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

function follow(docker: Dockerode, stream: NodeJS.ReadableStream, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: Array<{ error?: string }>) => {
        const failed = output.find((event) => event.error);
        if (error) reject(error);
        else if (failed) reject(new Error(failed.error));
        else resolve();
      },
      (event: { stream?: string; status?: string; progress?: string }) => {
        const text = (event.stream ?? event.status ?? "").trimEnd();
        if (text) log(text);
      },
    );
  });
}

async function tryPull(docker: Dockerode, ref: string, log: (line: string) => void): Promise<boolean> {
  try {
    log(`pulling ${ref}`);
    const stream = await docker.pull(ref);
    await follow(docker, stream, () => undefined);
    return true;
  } catch (error) {
    log(`cannot pull ${ref} (${(error as Error).message.split("\n")[0]}); bootstrapping from Debian's mirror`);
    return false;
  }
}

function runBootstrap(outFile: string, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [path.join(RECIPE_DIR, "..", "base", "bootstrap.sh"), outFile], {
      stdio: ["ignore", "inherit", "pipe"],
    });
    let tail = "";
    child.stderr.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) if (line.trim()) log(line.replace(/^\[base\] /, ""));
      tail = (tail + chunk.toString()).slice(-2000);
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`bootstrap failed (exit ${code}):\n${tail}`))));
  });
}

/** The registry this host's npm is set up to use (the image build fetches from the same one). */
function hostNpmRegistry(): string {
  const registry = execFileSync("npm", ["config", "get", "registry"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
  if (!/^https?:\/\//.test(registry)) throw new Error(`npm config get registry answered "${registry}"; set SANDPIT_NPM_REGISTRY`);
  return registry;
}

/** Makes a Debian bookworm base available: present, pulled, or bootstrapped with debootstrap. */
export async function ensureBaseImage(docker: Dockerode, log: (line: string) => void): Promise<string> {
  if (await imageExists(docker, BASE_IMAGE)) return BASE_IMAGE;
  if (await imageExists(docker, BOOTSTRAPPED_BASE)) return BOOTSTRAPPED_BASE;
  if (await tryPull(docker, BASE_IMAGE, log)) return BASE_IMAGE;
  const work = mkdtempSync(path.join(tmpdir(), "sandpit-base-"));
  try {
    const rootfs = path.join(work, "rootfs.tar");
    await runBootstrap(rootfs, log);
    log(`importing ${BOOTSTRAPPED_BASE}`);
    const [repo, tag] = BOOTSTRAPPED_BASE.split(":");
    await follow(docker, await docker.importImage(createReadStream(rootfs), { repo, tag }), log);
    return BOOTSTRAPPED_BASE;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Builds the runtime image unless an image with the recipe's hash already exists. */
export async function buildRuntimeImage(docker: Dockerode, options: BuildOptions): Promise<{ ref: string; built: boolean }> {
  const ref = runtimeImageRef(options.image);
  if (await imageExists(docker, ref)) {
    options.log(`runtime image ${ref} is up to date`);
    return { ref, built: false };
  }
  const base = await ensureBaseImage(docker, options.log);
  const context = mkdtempSync(path.join(tmpdir(), "sandpit-image-"));
  try {
    const files = recipeFiles();
    for (const file of files) {
      // The recipe has folders (python/…): the context gets them too.
      mkdirSync(path.dirname(path.join(context, file)), { recursive: true });
      copyFileSync(path.join(RECIPE_DIR, file), path.join(context, file));
    }
    if (options.caBundle) copyFileSync(options.caBundle, path.join(context, "build-ca.crt"));
    else writeFileSync(path.join(context, "build-ca.crt"), "");
    options.log(`building ${ref} on ${base} (a few minutes the first time)`);
    const stream = await docker.buildImage(
      { context, src: [...files, "build-ca.crt"] },
      {
        t: ref,
        buildargs: { BASE: base, NPM_REGISTRY: options.npmRegistry ?? hostNpmRegistry() },
        rm: true,
        forcerm: true,
        labels: { "dev.sandpit.recipe": ref.split(":").at(-1) ?? "" },
      },
    );
    const tail: string[] = [];
    try {
      await follow(docker, stream, (line) => {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        if (/^Step \d+\/\d+ :/.test(line)) options.log(line.length > 120 ? `${line.slice(0, 117)}...` : line);
      });
    } catch (error) {
      throw new Error(`building ${ref} failed: ${(error as Error).message}\n${tail.join("\n")}`);
    }
    if (!(await imageExists(docker, ref))) throw new Error(`the build finished but ${ref} does not exist`);
    options.log(`runtime image ${ref} ready`);
    return { ref, built: true };
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
