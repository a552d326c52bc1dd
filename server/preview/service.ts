import "server-only";
import { z } from "zod";
import { unseal, seal } from "@/server/auth/seal";
import type { ApiKeyService } from "@/server/auth/api-keys";
import type { Config } from "@/server/config";
import type { SandboxManager } from "@/server/sandbox/manager";
import type { TunnelStream } from "@/server/sandbox/agent/tunnel";
import { browserCaller, keyCaller, anonymousCaller, shareCaller, type Caller, type Identity } from "@/server/sessions/caller";
import { ForbiddenError, InvalidRequestError } from "@/server/sessions/errors";
import type { SessionService } from "@/server/sessions/service";
import { parsePreviewHost, previewBase, previewOrigin, sessionLabel, type PreviewBase } from "./names";

/** How long the link in a ports list opens its preview; the browser then holds a cookie. */
export const ENTRY_TICKET_MS = 10 * 60_000;
/** How long a preview's cookie lasts (access is checked again on every request all the same). */
export const COOKIE_TICKET_MS = 12 * 60 * 60_000;
/** Access decisions are reused this long for one cookie, so a page's many requests cost one check. */
const ACCESS_CACHE_MS = 2_000;
const ACCESS_CACHE_ENTRIES = 1_000;
/** The path on a preview host that turns an entry ticket into the preview's cookie. */
export const ENTRY_PATH = "/.sandpit/preview";

/** Who a ticket stands for, as a caller can be rebuilt from it on every request. */
const holder = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("browser"), owner: z.string() }),
  z.object({ kind: z.literal("key"), keyId: z.string() }),
  z.object({ kind: z.literal("anonymous") }),
  z.object({ kind: z.literal("share"), token: z.string(), visitor: z.string().optional() }),
]);
type Holder = z.infer<typeof holder>;

const ticket = z.object({
  kind: z.enum(["entry", "cookie"]),
  session: z.string(),
  port: z.number().int().min(1).max(65_535),
  holder,
  expires: z.number(),
});
type Ticket = z.infer<typeof ticket>;

function holderOf(caller: Caller): Holder {
  if (caller.kind === "system") throw new Error("the server itself opens no previews");
  if (caller.kind === "share") {
    const visitor = caller.visitor.kind === "anonymous" ? undefined : caller.visitor.owner;
    return { kind: "share", token: caller.token, ...(visitor ? { visitor } : {}) };
  }
  if (caller.kind === "key") return { kind: "key", keyId: caller.keyId };
  if (caller.kind === "browser") return { kind: "browser", owner: caller.owner };
  return { kind: "anonymous" };
}

function callerOf(held: Holder): Caller {
  if (held.kind === "browser") return browserCaller(held.owner);
  if (held.kind === "key") return keyCaller(held.keyId);
  if (held.kind === "anonymous") return anonymousCaller();
  const visitor: Identity = held.visitor
    ? held.visitor.startsWith("key:")
      ? keyCaller(held.visitor.slice(4))
      : browserCaller(held.visitor)
    : anonymousCaller();
  return shareCaller(held.token, visitor);
}

export interface PreviewPort {
  port: number;
  /** Opens the preview (for ENTRY_TICKET_MS): it gives the browser the preview's cookie, then its page. */
  url: string;
  /** The preview's own origin. */
  origin: string;
}

/** Refusals on a preview host: a status and a sentence for the page. */
export class PreviewRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "PreviewRefusal";
  }
}

export interface PreviewServiceOptions {
  config: Pick<Config, "dataDir" | "preview" | "egress">;
  sessions: SessionService;
  sandboxes: SandboxManager;
  apiKeys: ApiKeyService;
}

/**
 * Previews: programs listening on a TCP port in a sandbox, reached from the browser through the
 * agent channel (the sandbox keeps no network). Each session's port gets its own origin
 * (`<port>--<label>.<preview domain>`), so a previewed app never shares cookies or storage with
 * Sandpit or with another session. A browser gets into a preview with a ticket from the ports list,
 * which the preview host turns into a cookie of its own; every request is then checked again
 * against the session's current access rules.
 */
export class PreviewService {
  readonly base: PreviewBase;
  /** Open preview connections by session. */
  private readonly open = new Map<string, number>();
  private readonly checked = new Map<string, { until: number; session: string; port: number; label: string }>();

  constructor(private readonly options: PreviewServiceOptions) {
    this.base = previewBase(options.config.preview.url);
  }

  private get dataDir(): string {
    return this.options.config.dataDir;
  }

  /** The listening ports of a session's sandbox, each with a link that opens its preview. No sandbox running: none. */
  async ports(caller: Caller, sessionId: string, options: { requestPort: string; keepAwake?: boolean }): Promise<PreviewPort[]> {
    await this.options.sessions.authorizePreview(caller, sessionId);
    const sandbox = this.options.sandboxes.peek(sessionId);
    if (!sandbox) return [];
    // Someone looking at a preview keeps the sandbox awake (listing alone does not).
    if (options.keepAwake) sandbox.lastActive = Date.now();
    const ports = (await sandbox.agent.ports()).filter((port) => this.previewable(port));
    const label = sessionLabel(this.dataDir, sessionId);
    const held = holderOf(caller);
    return ports.map((port) => {
      const origin = previewOrigin(this.base, label, port, options.requestPort);
      const entry = this.seal({ kind: "entry", session: sessionId, port, holder: held, expires: Date.now() + ENTRY_TICKET_MS });
      return { port, origin, url: `${origin}${ENTRY_PATH}?ticket=${encodeURIComponent(entry)}` };
    });
  }

  /** Ports no preview reaches: the network proxy's, which leads back out through the server. */
  private previewable(port: number): boolean {
    return port !== this.options.config.egress.port;
  }

  private seal(value: Ticket): string {
    return seal(this.dataDir, "preview-ticket", JSON.stringify(value));
  }

  private unseal(text: string | undefined, kind: Ticket["kind"]): Ticket | undefined {
    if (!text || text.length > 4_096) return undefined;
    const opened = unseal(this.dataDir, "preview-ticket", text);
    if (!opened) return undefined;
    try {
      const parsed = ticket.safeParse(JSON.parse(opened));
      return parsed.success && parsed.data.kind === kind && parsed.data.expires > Date.now() ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** The port a preview host names and its session label, or undefined when the host is not a preview host. */
  hostTarget(host: string | undefined): { port: number; label: string } | undefined {
    return parsePreviewHost(host, this.base);
  }

  private matches(value: Ticket, host: { port: number; label: string }): boolean {
    return value.port === host.port && sessionLabel(this.dataDir, value.session) === host.label;
  }

  /**
   * An entry ticket presented on its preview host: the cookie value that lets this browser into
   * the preview (access is checked now, and again on every request).
   */
  async enter(host: { port: number; label: string }, text: string | null): Promise<string> {
    const value = this.unseal(text ?? undefined, "entry");
    if (!value || !this.matches(value, host))
      throw new PreviewRefusal(
        403,
        "This preview link is not valid or has expired. Open the preview again from its Sandpit session.",
      );
    await this.decide(value);
    return this.seal({ ...value, kind: "cookie", expires: Date.now() + COOKIE_TICKET_MS });
  }

  /** The session and port a request's preview cookie opens, when its holder may still open it. */
  async admit(host: { port: number; label: string }, cookie: string | undefined): Promise<{ session: string; port: number }> {
    const cached = cookie ? this.checked.get(cookie) : undefined;
    if (cached && cached.until > Date.now() && cached.port === host.port && cached.label === host.label) return cached;
    const value = this.unseal(cookie, "cookie");
    if (!value || !this.matches(value, host))
      throw new PreviewRefusal(401, "Open this preview from its Sandpit session: the preview page there lets you in.");
    await this.decide(value);
    const admitted = { session: value.session, port: value.port, label: host.label, until: Date.now() + ACCESS_CACHE_MS };
    if (this.checked.size >= ACCESS_CACHE_ENTRIES) this.checked.clear();
    this.checked.set(cookie as string, admitted);
    return admitted;
  }

  /** Whether the ticket's holder may still open the session's previews (links revoked, keys revoked, owner's choice changed). */
  private async decide(value: Ticket): Promise<void> {
    if (!this.previewable(value.port)) throw new PreviewRefusal(403, `Port ${value.port} is not a preview.`);
    if (value.holder.kind === "key" && !(await this.options.apiKeys.isActive(value.holder.keyId)))
      throw new PreviewRefusal(401, "The API key this preview was opened with has been revoked.");
    try {
      await this.options.sessions.authorizePreview(callerOf(value.holder), value.session);
    } catch (error) {
      if (error instanceof ForbiddenError) throw new PreviewRefusal(403, `${error.message}.`);
      if (error instanceof InvalidRequestError) throw new PreviewRefusal(400, error.message);
      throw new PreviewRefusal(404, "This session does not exist any more, or its link was revoked.");
    }
  }

  /** A connection to the port inside the session's sandbox; the traffic counts as activity. */
  async connect(sessionId: string, port: number): Promise<TunnelStream> {
    const sandbox = this.options.sandboxes.peek(sessionId);
    if (!sandbox)
      throw new PreviewRefusal(503, "This session's sandbox is asleep. Open the session and start the program again.");
    const open = this.open.get(sessionId) ?? 0;
    // Connections open at once to one session's previews (SANDPIT_PREVIEW_CONNECTIONS); more are refused.
    if (open >= this.options.config.preview.connections)
      throw new PreviewRefusal(503, `This preview has ${open} connections open, the most it may have. Try again shortly.`);
    sandbox.lastActive = Date.now();
    this.open.set(sessionId, open + 1);
    try {
      const tunnel = await sandbox.agent.connect(port);
      tunnel.once("close", () => this.release(sessionId));
      return tunnel;
    } catch (error) {
      this.release(sessionId);
      throw new PreviewRefusal(
        502,
        `Nothing answers on port ${port} in this sandbox (${(error as Error).message}). Start the program, then reload.`,
      );
    }
  }

  private release(sessionId: string): void {
    const left = (this.open.get(sessionId) ?? 1) - 1;
    if (left > 0) this.open.set(sessionId, left);
    else this.open.delete(sessionId);
  }

  /** Marks the session's sandbox active (a request went through its preview). */
  touch(sessionId: string): void {
    const sandbox = this.options.sandboxes.peek(sessionId);
    if (sandbox) sandbox.lastActive = Date.now();
  }
}
