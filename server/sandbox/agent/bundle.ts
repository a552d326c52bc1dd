import "server-only";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/**
 * The host folder sandboxes mount as /opt/sandpit/agent: the agent bundled into one JavaScript file
 * (AGENT_FILE) by scripts/build-agent.mjs, which writes it here.
 */
export function agentBundleDir(root = process.cwd()): string {
  return path.join(root, "node_modules", ".cache", "sandpit-agent");
}

/**
 * Bundles the agent again when its sources changed since the last bundle (at server start, before
 * the first sandbox; and before tests and benchmarks that start sandboxes themselves). esbuild runs
 * in a child process, so none of it stays in the caller's memory. Resolves with what the script
 * said: a line when it built, nothing when the bundle was up to date.
 */
export async function ensureAgentBundle(root = process.cwd()): Promise<string> {
  try {
    const { stdout } = await execFileAsync(process.execPath, [path.join(root, "scripts", "build-agent.mjs")], { cwd: root });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`could not bundle the sandbox agent (node scripts/build-agent.mjs): ${stderr || (error as Error).message}`);
  }
}
