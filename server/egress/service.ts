import "server-only";
import { readFileSync } from "node:fs";
import tls from "node:tls";
import type { Logger } from "pino";
import { EGRESS_UNAVAILABLE_PROBLEM, type EgressPolicy } from "@/lib/egress";
import type { Config } from "@/server/config";
import type { AgentClient } from "@/server/sandbox/agent/client";
import type { TunnelStream } from "@/server/sandbox/agent/tunnel";
import { parseCidrs } from "./address";
import { HostAddresses } from "./host-addresses";
import { emptyUsage, TokenBucket, type EgressUsage } from "./meter";
import { registryRules } from "./policy";
import type { BoundSecret, ProxiedSession, SessionSecrets } from "./destinations";
import { EgressProxy, refuse } from "./proxy";
import { createResolver } from "./resolve";

/** Accepts kept waiting in the agent, so a burst of connections does not wait a round trip each. */
const ACCEPT_AHEAD = 4;
/** Connections past the limit taken at once to be answered 429; the rest wait in the agent's bounded backlog. */
const REFUSALS_AT_ONCE = 1;
/** The waits before listening again after the agent's listener failed; when they are spent, egress is reported failed. */
const LISTEN_RETRY_MS = [250, 1_000, 4_000];
/** How much of the agent's reason for a failed listener the session's owner is shown, in characters. */
const REASON_CHARS = 200;
/** Where the sandbox finds the CA bundle (mounted by the driver when one is configured). */
const CA_PATH = "/etc/sandpit/ca.crt";

export interface EgressServiceOptions {
  config: Pick<Config, "egress" | "mirrors" | "extraCaBundle" | "web">;
  log: Logger;
  /** In place of LISTEN_RETRY_MS (tests). */
  listenRetryMs?: readonly number[];
}

/** Whether the session's sandbox has the proxy: off (no sandbox, or policy "none"), on, or failed and why. */
export interface EgressStatus {
  state: "off" | "on" | "failed";
  problem: string | null;
}

interface Attached extends ProxiedSession {
  agent: AgentClient;
  current: EgressPolicy;
  bound: BoundSecret[];
  unreadable: string[];
  listener?: { close: () => void };
  /** Listens that failed since a connection last came through. */
  listenFailures: number;
  retry?: NodeJS.Timeout;
  /** Why the proxy is not available in this sandbox, once the retries are spent. */
  failed?: string;
  accepts: Array<{ cancel: () => void }>;
  tunnels: Set<TunnelStream>;
  /** Connections being answered with a refusal: they count against the limit until they are gone. */
  refusing: Set<TunnelStream>;
}

/**
 * Egress of every sandbox of this process: when a session's policy is not "none", its agent listens
 * on the egress port inside the sandbox and hands each connection over; the proxy decides.
 */
export class EgressService {
  private readonly proxy: EgressProxy;
  private readonly attached = new Map<string, Attached>();
  private readonly usages = new Map<string, EgressUsage>();
  private readonly hostAddresses: HostAddresses;

  constructor(private readonly options: EgressServiceOptions) {
    const { egress, mirrors, extraCaBundle, web } = options.config;
    // Behind an intercepting proxy the host's own HTTPS needs the same bundle the sandboxes get.
    const ca = extraCaBundle ? [...tls.rootCertificates, readFileSync(extraCaBundle, "utf8")] : undefined;
    const log = options.log.child({ component: "egress" });
    const resolver = createResolver();
    const publicHost = web?.publicUrl ? new URL(web.publicUrl).hostname.replace(/^\[|\]$/g, "") : undefined;
    this.hostAddresses = new HostAddresses({ publicHost, resolve: resolver.forHost, log });
    this.proxy = new EgressProxy({
      ca,
      registries: registryRules(mirrors),
      exempt: parseCidrs(egress.exempt),
      hosts: egress.hosts,
      resolve: resolver.forSession,
      hostAddresses: () => this.hostAddresses.set,
      hostNetworks: () => this.hostAddresses.networks,
      log,
    });
  }

  /**
   * The environment every sandbox gets: programs that honour the usual proxy settings use the
   * proxy, and trust the CA bundle the host's own outbound HTTPS needs. Without a listener (policy
   * "none") a connection to the proxy is refused at once.
   */
  sandboxEnv(): Record<string, string> {
    const { egress, mirrors, extraCaBundle } = this.options.config;
    const proxy = `http://127.0.0.1:${egress.port}`;
    const env: Record<string, string> = {
      HTTP_PROXY: proxy,
      HTTPS_PROXY: proxy,
      http_proxy: proxy,
      https_proxy: proxy,
      NO_PROXY: "localhost,127.0.0.1,::1",
      no_proxy: "localhost,127.0.0.1,::1",
      npm_config_proxy: proxy,
      npm_config_https_proxy: proxy,
      PIP_PROXY: proxy,
    };
    if (extraCaBundle) {
      for (const name of [
        "NODE_EXTRA_CA_CERTS",
        "PIP_CERT",
        "REQUESTS_CA_BUNDLE",
        "SSL_CERT_FILE",
        "CURL_CA_BUNDLE",
        "GIT_SSL_CAINFO",
        "DENO_CERT",
      ])
        env[name] = CA_PATH;
    }
    if (mirrors.npmRegistry) env.NPM_CONFIG_REGISTRY = mirrors.npmRegistry;
    if (mirrors.pipIndexUrl) {
      env.PIP_INDEX_URL = mirrors.pipIndexUrl;
      const mirror = new URL(mirrors.pipIndexUrl);
      if (mirror.protocol === "http:") env.PIP_TRUSTED_HOST = mirror.hostname;
    }
    return env;
  }

  /**
   * Go's settings for a sandbox started under `policy`: the module proxy when go may reach it; under
   * "none", nothing, so the Go language's own env (the layer's cache only) stands.
   */
  goEnv(policy: EgressPolicy): Record<string, string> {
    const { mirrors } = this.options.config;
    if (policy === "none") return {};
    return {
      GOPROXY: mirrors.goproxy ?? "https://proxy.golang.org",
      GOSUMDB: mirrors.gosumdb ?? (mirrors.goproxy ? "off" : "sum.golang.org"),
      GOFLAGS: "-mod=mod",
    };
  }

  /** The session's egress counters since this server started. */
  usage(sessionId: string): EgressUsage {
    return { ...(this.usages.get(sessionId) ?? emptyUsage()) };
  }

  /** Whether the session's running sandbox has the proxy listening. */
  status(sessionId: string): EgressStatus {
    const state = this.attached.get(sessionId);
    if (!state || state.current === "none") return { state: "off", problem: null };
    if (state.failed) return { state: "failed", problem: `${EGRESS_UNAVAILABLE_PROBLEM}: ${state.failed}` };
    return { state: "on", problem: null };
  }

  /** Forgets a deleted session's counters. */
  forget(sessionId: string): void {
    this.detach(sessionId);
    this.usages.delete(sessionId);
  }

  /** Starts serving a sandbox's egress (its agent just said hello) under `policy`. */
  attach(
    sessionId: string,
    agent: AgentClient,
    policy: EgressPolicy,
    secrets: SessionSecrets = { bound: [], unreadable: [] },
  ): void {
    this.detach(sessionId);
    const { egress } = this.options.config;
    let usage = this.usages.get(sessionId);
    if (!usage) {
      usage = emptyUsage();
      this.usages.set(sessionId, usage);
    }
    const state: Attached = {
      sessionId,
      agent,
      current: policy,
      bound: [],
      unreadable: [],
      policy: () => state.current,
      secrets: () => state.bound,
      unreadableSecrets: () => state.unreadable,
      usage,
      download: new TokenBucket(egress.bandwidth),
      upload: new TokenBucket(egress.bandwidth),
      upstreams: new Set(),
      limit: egress.connections,
      listenFailures: 0,
      accepts: [],
      tunnels: new Set(),
      refusing: new Set(),
    };
    this.bind(state, secrets);
    this.attached.set(sessionId, state);
    agent.onClosed(() => {
      if (this.attached.get(sessionId) === state) this.detach(sessionId);
    });
    if (policy !== "none") this.open(state);
  }

  /** Applies a changed policy: new connections follow it; under "none" open ones are closed and nothing listens. */
  setPolicy(sessionId: string, policy: EgressPolicy, secrets?: SessionSecrets): void {
    const state = this.attached.get(sessionId);
    if (!state) return;
    state.current = policy;
    if (secrets) this.bind(state, secrets);
    if (policy === "none") this.shut(state);
    else if (!state.listener) {
      // A policy set again after the listener failed tries afresh.
      state.listenFailures = 0;
      state.failed = undefined;
      this.open(state);
    }
    this.options.log.info({ sessionId, policy }, "egress policy applied");
  }

  /** Takes the session's secrets; says so when some of them no longer unseal, once for each change of them. */
  private bind(state: Attached, secrets: SessionSecrets): void {
    const before = state.unreadable.join(" ");
    state.bound = secrets.bound;
    state.unreadable = secrets.unreadable;
    if (secrets.unreadable.length > 0 && secrets.unreadable.join(" ") !== before)
      this.options.log.warn(
        { sessionId: state.sessionId, hosts: secrets.unreadable },
        "egress: bound secrets sealed with another server key are not sent; requests to their hosts are refused until the owner sets them again",
      );
  }

  detach(sessionId: string): void {
    const state = this.attached.get(sessionId);
    if (!state) return;
    this.attached.delete(sessionId);
    this.shut(state);
  }

  private open(state: Attached): void {
    const { port } = this.options.config.egress;
    clearTimeout(state.retry);
    state.retry = undefined;
    const listener = state.agent.listen(port);
    state.listener = listener;
    // Closed while still current: not by shut, so the agent's listener failed or went.
    listener.closed.then(
      () => this.lost(state, listener, new Error("the sandbox agent closed the listener")),
      (error: unknown) => this.lost(state, listener, error),
    );
    this.refill(state);
  }

  /**
   * The listener in the sandbox failed (an accept failing says so too): listen again after a wait,
   * a bounded number of times; then report egress failed, so the owner sees why instead of waiting.
   */
  private lost(state: Attached, listener: Attached["listener"], error: unknown): void {
    if (!listener || state.listener !== listener || this.attached.get(state.sessionId) !== state) return;
    state.listener = undefined;
    listener.close();
    for (const accept of state.accepts.splice(0)) accept.cancel();
    const delays = this.options.listenRetryMs ?? LISTEN_RETRY_MS;
    const delay = delays[state.listenFailures];
    state.listenFailures += 1;
    const { sessionId } = state;
    if (delay === undefined || !state.agent.isOpen) {
      state.failed = (error instanceof Error ? error.message : String(error)).slice(0, REASON_CHARS);
      this.options.log.error(
        { sessionId, err: error, attempts: state.listenFailures },
        "egress: the sandbox agent could not listen for the proxy; this sandbox has no network",
      );
      return;
    }
    this.options.log.warn({ sessionId, err: error, retryInMs: delay }, "egress listener failed; listening again");
    state.retry = setTimeout(() => {
      state.retry = undefined;
      if (this.attached.get(sessionId) === state && state.current !== "none" && !state.listener) this.open(state);
    }, delay);
    state.retry.unref();
  }

  /**
   * Keeps up to ACCEPT_AHEAD accepts waiting in the agent, but never more than the connection limit
   * leaves room for, plus REFUSALS_AT_ONCE for a connection past it to be told so (429). The host
   * thus holds at most limit + REFUSALS_AT_ONCE of a session's connections; further ones wait in
   * the agent's backlog (or are reset there) instead of reaching the host.
   */
  private refill(state: Attached): void {
    const listener = state.listener;
    const limit = this.options.config.egress.connections;
    while (
      listener &&
      state.agent.isOpen &&
      state.accepts.length < ACCEPT_AHEAD &&
      state.tunnels.size + state.refusing.size + state.accepts.length < limit + REFUSALS_AT_ONCE
    ) {
      const accept = state.agent.accept(this.options.config.egress.port);
      state.accepts.push(accept);
      const done = (): void => {
        const at = state.accepts.indexOf(accept);
        if (at >= 0) state.accepts.splice(at, 1);
      };
      accept.stream.then(
        (stream) => {
          done();
          state.listenFailures = 0;
          this.take(state, stream);
          if (state.listener === listener) this.refill(state);
        },
        (error: unknown) => {
          done();
          this.lost(state, listener, error);
        },
      );
    }
  }

  private take(state: Attached, stream: TunnelStream): void {
    const limit = this.options.config.egress.connections;
    stream.on("error", () => undefined);
    if (state.current === "none" || state.tunnels.size >= limit) {
      state.usage.denied += 1;
      const body =
        state.current === "none"
          ? "Sandpit egress: this session's egress policy is none\n"
          : `Sandpit egress: this session has ${limit} connections open, the most it may have\n`;
      state.refusing.add(stream);
      stream.once("close", () => {
        state.refusing.delete(stream);
        this.refill(state);
      });
      refuse(
        stream,
        `HTTP/1.1 ${state.current === "none" ? "403 Forbidden" : "429 Too Many Requests"}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    state.tunnels.add(stream);
    stream.once("close", () => {
      state.tunnels.delete(stream);
      this.refill(state);
    });
    this.proxy.serve(stream, state);
  }

  private shut(state: Attached): void {
    clearTimeout(state.retry);
    state.retry = undefined;
    state.listener?.close();
    state.listener = undefined;
    for (const accept of state.accepts.splice(0)) accept.cancel();
    for (const tunnel of [...state.tunnels, ...state.refusing]) tunnel.destroy();
    for (const upstream of state.upstreams) upstream.destroy();
  }
}
