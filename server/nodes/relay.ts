import "server-only";
import { createHash } from "node:crypto";
import type http from "node:http";
import type { Duplex } from "node:stream";
import { eq, sql } from "drizzle-orm";
import { createProxyServer } from "http-proxy-3";
import type { Logger } from "pino";
import type { Database } from "@/server/db/client";
import { nodes, sessionLeases } from "@/server/db/schema";
import type { LeaseService } from "./leases";
import { MISSED_HEARTBEATS } from "./registry";
import { RELAYED_HEADER, routeOf } from "@/lib/api/session-route";

export { RELAYED_HEADER, SESSION_HEADER, routeOf } from "@/lib/api/session-route";

/** Where a request goes instead of this node, and why. */
export interface RelayTarget {
  node: string;
  address: string;
  /** owner: the node holds the session's lease; placement: nobody runs the session and that node has the most room. */
  reason: "owner" | "placement";
}

export type RelayOutcome = "relayed" | "unreachable";

export interface RelayOptions {
  db: Database;
  /** This node's id. */
  node: string;
  leases: LeaseService;
  log: Logger;
  /**
   * Whether this node would let the request in (server/auth/guard.ts: its Host, and its Origin
   * when it changes state). Only such requests are sent on: the other node sees them addressed to
   * itself, so the checks on what the browser sent are made here.
   */
  admits: (request: http.IncomingMessage) => boolean;
  /** Whether an Origin is one of this Sandpit's own (only those are re-addressed to the other node). */
  ownOrigin: (origin: string) => boolean;
  /** This node's own address (SANDPIT_NODE_ADDRESS): a target there would be this node again. */
  address: string;
  /** Counts each request sent on (for /metrics). */
  onRelay?: (reason: RelayTarget["reason"], outcome: RelayOutcome) => void;
}

interface NodeRoom {
  id: string;
  address: string;
  free: number;
  /** When the node (last) started: a restart clears what this node noted about it. */
  startedAt: number;
}

/** A node that did not answer: left out of placements until then, unless it starts again meanwhile. */
interface Unreachable {
  until: number;
  /** The node's start time as this node last read it (0: not known). */
  startedAt: number;
}

/** How long the list of live nodes and their room is reused: placements between two reads use the same list. */
const NODES_TTL_MS = 1_000;
/** How long a node that did not answer is left out of placements. */
const UNREACHABLE_MS = 10_000;
/**
 * The most headers a request may have to be sent on. Node's HTTP server keeps only the first
 * thousand or so of a request's headers: one sent on with nearly that many would lose the headers
 * the relay adds (its X-Sandpit-Relayed-By among them), and the next node would send it on again.
 */
export const MAX_RELAYED_HEADERS = 200;

/**
 * Sends requests about a session to the node that runs it, on PostgreSQL with more than one node
 * (on PGlite there is one node and nothing is ever sent on). A session leased to another live
 * node goes to that node; a session nobody runs goes to the node with the most room, chosen the
 * same way by every node (so that a browser's parallel first requests, spread by a load balancer,
 * all meet on one node). A request is sent on at most once: the node it reaches answers it, and
 * decides access as for any request (the relay carries the caller's own credentials, nothing more).
 */
export class Relay {
  private readonly proxy = createProxyServer({ ws: true });
  private rooms: { at: number; list: Promise<NodeRoom[]> } | undefined;
  private readonly unreachable = new Map<string, Unreachable>();

  constructor(private readonly options: RelayOptions) {
    // A failure is answered by the callback of each call; this keeps one that escapes it from crashing the process.
    this.proxy.on("error", (error) => options.log.debug({ err: error }, "relay error"));
  }

  /** Where a request about `session` belongs; undefined when this node answers it itself. */
  async targetOf(session: string): Promise<RelayTarget | undefined> {
    const { db, node, leases } = this.options;
    if (leases.fresh(session)) return undefined;
    const [lease] = await db
      .select({
        node: sessionLeases.nodeId,
        address: nodes.address,
        running: sql<boolean>`${sessionLeases.expiresAt} > now()`,
      })
      .from(sessionLeases)
      .leftJoin(nodes, eq(nodes.id, sessionLeases.nodeId))
      .where(eq(sessionLeases.sessionId, session));
    let target: RelayTarget | undefined;
    if (lease?.running) {
      if (lease.node === node || !lease.address) return undefined;
      target = { node: lease.node, address: lease.address, reason: "owner" };
    } else target = await this.place(session);
    // Another node registered at this node's own address (a misconfiguration, or a node started
    // again on a new data folder): sending the request there would send it here again.
    if (target && sameAddress(target.address, this.options.address)) {
      this.options.log.warn(
        { node: target.node, address: target.address },
        "another node is registered at this node's own address; answering here",
      );
      return undefined;
    }
    return target;
  }

  /**
   * The live node with room for a session nobody runs: among those whose free places are within a
   * small margin of the most, the one a hash of the session and node ids ranks first (rendezvous
   * hashing), so that new sessions spread over nodes with equal room between two heartbeats.
   */
  private async place(session: string): Promise<RelayTarget | undefined> {
    const now = Date.now();
    const rooms = (await this.nodeRooms()).filter((room) => room.free > 0 && !this.leftOut(room, now));
    const most = Math.max(...rooms.map((room) => room.free));
    const margin = Math.max(2, Math.ceil(most * 0.1));
    const rank = (room: NodeRoom): string => createHash("sha256").update(`${session}\n${room.id}`).digest("hex");
    const [chosen] = rooms.filter((room) => room.free >= most - margin).sort((a, b) => rank(b).localeCompare(rank(a)));
    if (!chosen || chosen.id === this.options.node) return undefined;
    return { node: chosen.id, address: chosen.address, reason: "placement" };
  }

  /**
   * Whether a node that did not answer lately is still left out: for UNREACHABLE_MS, or until its
   * row shows a start after the one this node knew (it is back, and other nodes place sessions on it).
   */
  private leftOut(room: NodeRoom, now: number): boolean {
    const mark = this.unreachable.get(room.id);
    if (!mark) return false;
    if (mark.until <= now || room.startedAt > mark.startedAt) {
      this.unreachable.delete(room.id);
      return false;
    }
    return true;
  }

  private nodeRooms(): Promise<NodeRoom[]> {
    const now = Date.now();
    if (this.rooms && now - this.rooms.at < NODES_TTL_MS) return this.rooms.list;
    const list = this.options.db
      .select({
        id: nodes.id,
        address: nodes.address,
        capacity: nodes.capacity,
        sandboxes: nodes.sandboxes,
        startedAt: nodes.startedAt,
      })
      .from(nodes)
      .where(
        sql`${nodes.stoppedAt} is null and ${nodes.heartbeatAt} > now() - ${nodes.heartbeatMs} * ${MISSED_HEARTBEATS} * interval '1 millisecond'`,
      )
      .then((rows) =>
        rows.map((row) => ({
          id: row.id,
          address: row.address,
          // Every node's count as of its last heartbeat, this one's too: all nodes then reckon alike.
          free: row.capacity - row.sandboxes,
          startedAt: row.startedAt.getTime(),
        })),
      );
    this.rooms = { at: now, list };
    list.catch(() => (this.rooms = undefined));
    return list;
  }

  /**
   * Answers the request by sending it on when it belongs on another node. Resolves true when it
   * did (the answer is then that node's), false when this node should answer it.
   */
  async web(request: http.IncomingMessage, response: http.ServerResponse, preview?: string): Promise<boolean> {
    const target = await this.targetFor(request, preview);
    if (!target) return false;
    if (request.rawHeaders.length / 2 > MAX_RELAYED_HEADERS) {
      response.writeHead(431, { "content-type": "application/json", "cache-control": "no-store" }).end(
        JSON.stringify({
          error: "request_header_fields_too_large",
          message: `the request has ${request.rawHeaders.length / 2} headers; send at most ${MAX_RELAYED_HEADERS}`,
        }),
      );
      return true;
    }
    this.proxy.web(request, response, this.proxyOptions(target, request, preview !== undefined), (error) => {
      this.failed(target, error);
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const body = JSON.stringify(unreachableBody(target));
      response.writeHead(503, { "content-type": "application/json", "retry-after": "5", "cache-control": "no-store" }).end(body);
    });
    this.options.onRelay?.(target.reason, "relayed");
    return true;
  }

  /** The same for a preview's WebSocket upgrade. */
  async upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer, preview: string): Promise<boolean> {
    const target = await this.targetFor(request, preview);
    if (!target) return false;
    if (request.rawHeaders.length / 2 > MAX_RELAYED_HEADERS) {
      socket.end("HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return true;
    }
    this.proxy.ws(request, socket, head, this.proxyOptions(target, request, true), (error) => {
      this.failed(target, error);
      socket.destroy();
    });
    this.options.onRelay?.(target.reason, "relayed");
    return true;
  }

  /**
   * Where the request goes: for a preview, by the session its gateway found (the preview host's own
   * checks were made there); else by what the request names, once this node's checks let it in.
   */
  private async targetFor(request: http.IncomingMessage, preview: string | undefined): Promise<RelayTarget | undefined> {
    const route = routeOf(request.method, request.url, request.headers);
    const id = preview ?? route.session;
    if (route.relayed || !id) return undefined;
    if (preview === undefined && !this.options.admits(request)) return undefined;
    try {
      return await this.targetOf(id);
    } catch (error) {
      // The database is not answering: this node tries, and its services give the error.
      this.options.log.warn({ err: error, sessionId: id }, "could not tell where a session runs; answering here");
      return undefined;
    }
  }

  /**
   * Addressed to the other node (Host is its address's, and so is Origin when the browser sent one
   * of this Sandpit's own), as this node admitted it; everything else as the browser sent it, with
   * X-Forwarded-For naming the browser. A foreign Origin goes on unchanged, for the other node to
   * judge as this one would. A preview's request keeps its Host (the preview host names the session
   * and port there as here: every node has the same preview domain), and carries no X-Forwarded-*
   * headers on to the previewed program.
   */
  private proxyOptions(target: RelayTarget, request: http.IncomingMessage, preview: boolean) {
    const headers: Record<string, string> = { [RELAYED_HEADER]: this.options.node };
    const origin = request.headers.origin;
    if (!preview && origin !== undefined && this.options.ownOrigin(origin)) headers.origin = new URL(target.address).origin;
    return { target: target.address, headers, changeOrigin: !preview, xfwd: !preview, connectTimeout: 5_000 };
  }

  private failed(target: RelayTarget, error: Error): void {
    this.options.onRelay?.(target.reason, "unreachable");
    void this.nodeRooms()
      .catch(() => [])
      .then((rooms) => {
        const known = rooms.find((room) => room.id === target.node)?.startedAt ?? 0;
        this.unreachable.set(target.node, { until: Date.now() + UNREACHABLE_MS, startedAt: known });
      });
    this.options.log.warn({ err: error, node: target.node, address: target.address }, "a node did not answer a relayed request");
  }

  close(): void {
    this.proxy.close();
  }
}

/** Whether two node addresses name the same place (scheme, host and port). */
function sameAddress(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** The answer when the node that runs a session does not answer (lost, or restarting). */
export function unreachableBody(target: RelayTarget): { error: string; message: string; node: string } {
  return {
    error: "node_unavailable",
    message:
      target.reason === "owner"
        ? `the server that runs this session (${target.node}) is not answering; if it is gone, another server takes the session over within a few heartbeats. Try again shortly.`
        : `the server chosen for this session (${target.node}) is not answering; try again shortly.`,
    node: target.node,
  };
}

/** The hook scripts/server.mjs calls before the app sees a request (see installRelay); previews' go through their gateway. */
export interface RelayHook {
  web(request: http.IncomingMessage, response: http.ServerResponse): Promise<boolean>;
}

const RELAY = Symbol.for("sandpit.relay");

/** Makes the relay the HTTP server's first stop for every request (there is one per process). */
export function installRelay(relay: Relay): void {
  const hook: RelayHook = {
    web: (request, response) => relay.web(request, response),
  };
  (globalThis as Record<symbol, unknown>)[RELAY] = hook;
}
