// The TCP ports programs in the sandbox listen on, for previews: read from the kernel's socket
// tables (procfs, not a path sandbox code can write), never from what a program says of itself.
import * as fs from "node:fs";
import { PORTS_MAX, type Result } from "./protocol.ts";
import { listeningPorts as agentListeners } from "./tunnel.ts";

/** Bytes of each socket table read at most (a line is ~150 bytes: thousands of sockets). */
const TABLE_BYTES = 1 << 20;
const LISTEN = "0A";
/** Addresses a preview can reach through 127.0.0.1: any address, and loopback. */
const REACHABLE = new Set(["00000000", "0100007F", "00000000000000000000000000000000", "00000000000000000000000001000000"]);

/** The ports in one /proc/net/tcp{,6} table that listen on an address 127.0.0.1 reaches. */
export function parseTable(text: string): number[] {
  const ports: number[] = [];
  for (const line of text.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== LISTEN) continue;
    const [address, portHex] = (fields[1] ?? "").split(":");
    if (!address || !portHex || !REACHABLE.has(address.toUpperCase())) continue;
    const port = Number.parseInt(portHex, 16);
    if (Number.isInteger(port) && port > 0 && port <= 65_535) ports.push(port);
  }
  return ports;
}

function readTable(file: string): string {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, "r");
    const buffer = Buffer.alloc(TABLE_BYTES);
    let length = 0;
    while (length < TABLE_BYTES) {
      const read = fs.readSync(fd, buffer, length, TABLE_BYTES - length, null);
      if (read === 0) break;
      length += read;
    }
    return buffer.subarray(0, length).toString("latin1");
  } catch {
    return ""; // no IPv6 table in this sandbox
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Listening ports, lowest first, without the agent's own listeners (the network proxy's port). */
export function listPorts(): Result<"ports.list"> {
  const own = agentListeners();
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"])
    for (const port of parseTable(readTable(table))) if (!own.has(port)) ports.add(port);
  return { ports: [...ports].sort((a, b) => a - b).slice(0, PORTS_MAX) };
}
