import "server-only";
import { EMBED_RATE_LIMITS } from "@/lib/limits";
import { RateLimiter } from "@/server/auth/rate-limiter";
import type { Database } from "@/server/db/client";
import { isSensitive } from "@/server/storage/sensitive";
import type { RunEvent } from "@/server/sandbox/runs";
import type { RunView, SessionActions } from "./actions";
import { SYSTEM, type ShareCaller } from "./caller";
import { InvalidRequestError, RateLimitedError } from "./errors";
import type { SessionService } from "./service";
import { resolveShare, type ShareView } from "./share-links";

export interface EmbedLimits {
  /** Embed runs a minute for one embed link, all visitors together. */
  runsPerSharePerMinute: number;
  /** Embed runs a minute from one client address, over all links. */
  runsPerAddressPerMinute: number;
}

export interface EmbedView {
  language: string;
  path: string | null;
  code: string;
  /** False when the author made the embed read-only: runs then run the file as it is. */
  editable: boolean;
}

/** Files an embed never shows: hidden ones (any part starting with a dot) and sensitive ones. */
const embeddable = (path: string): boolean => !isSensitive(path) && !path.split("/").some((part) => part.startsWith("."));

/**
 * Embeds: a small editor and Run button on other sites. They need an embed link (its own token,
 * role "embed"); each run happens in a throwaway copy of the session and is rate-limited per link
 * and per client address.
 */
export class EmbedService {
  private readonly buckets = new RateLimiter();

  constructor(
    private readonly db: Database,
    private readonly sessions: SessionService,
    private readonly actions: SessionActions,
    private readonly limits: EmbedLimits = EMBED_RATE_LIMITS,
  ) {}

  private async embedShare(caller: ShareCaller): Promise<ShareView> {
    const share = await resolveShare(this.db, caller.token);
    if (share.role !== "embed")
      throw new InvalidRequestError("this link is not an embed link: its owner creates one in the Share panel (Embed on a page)");
    return share;
  }

  /**
   * The code of `path` in the session, if an embed may show it: an ordinary text file (not hidden,
   * not sensitive). Refuses with what to fix otherwise.
   */
  async fileFor(sessionId: string, path: string): Promise<string> {
    const normalized = path.replace(/^\.?\/+/, "");
    if (!embeddable(normalized))
      throw new InvalidRequestError(`"${path}" cannot be embedded: hidden and sensitive files never are`);
    const files = await this.actions.listFiles(SYSTEM, sessionId, ".", true);
    if (!files.some((f) => f.type === "file" && f.path === normalized))
      throw new InvalidRequestError(`"${path}" is not a file of this session; pick one of its files`);
    return (await this.actions.readFile(SYSTEM, sessionId, normalized)).data.toString("utf8");
  }

  /** What an embed shows: the file its author picked, else the session's entry file (or first file). */
  async show(caller: ShareCaller): Promise<EmbedView> {
    const share = await this.embedShare(caller);
    const choice = share.embed ?? { path: null, editable: true };
    // The embed link grants exactly this: the language and one file, read by the server on its behalf.
    const session = await this.sessions.get(SYSTEM, share.session_id);
    if (choice.path) {
      const code = await this.fileFor(share.session_id, choice.path).catch(() => {
        throw new InvalidRequestError(
          `the embedded file ${choice.path} is no longer in the session; its author can make a new embed`,
        );
      });
      return { language: session.language, path: choice.path, code, editable: choice.editable };
    }
    // Without a choice it shows the entry file, else the first file that is neither hidden nor sensitive (never `.env`).
    const files = (await this.actions.listFiles(SYSTEM, share.session_id, ".", true)).filter(
      (f) => f.type === "file" && embeddable(f.path),
    );
    const path = session.entry_file ?? files[0]?.path;
    const code = path ? (await this.actions.readFile(SYSTEM, share.session_id, path)).data.toString("utf8") : "";
    return { language: session.language, path: path ?? null, code, editable: choice.editable };
  }

  /** The embed's share and the code a run of it runs, once the visitor is within the rate limits. */
  private async prepare(caller: ShareCaller, code: string): Promise<{ share: ShareView; code: string }> {
    const share = await this.embedShare(caller);
    const address = caller.address ?? "unknown";
    const perAddress = this.buckets.take(`address:${address}`, this.limits.runsPerAddressPerMinute);
    if (!perAddress.ok)
      throw new RateLimitedError(
        `embeds allow ${this.limits.runsPerAddressPerMinute} runs a minute from one address`,
        perAddress.retryAfter,
      );
    const perShare = this.buckets.take(`share:${share.id}`, this.limits.runsPerSharePerMinute);
    if (!perShare.ok)
      throw new RateLimitedError(`this embed allows ${this.limits.runsPerSharePerMinute} runs a minute`, perShare.retryAfter);
    // A read-only embed runs the author's file as it is, whatever the visitor sends.
    const editable = share.embed?.editable ?? true;
    return { share, code: editable ? code : (await this.show(caller)).code };
  }

  /** A run for an embed visitor, in a throwaway copy of the session, removed right after. */
  async run(caller: ShareCaller, code: string): Promise<RunView> {
    const prepared = await this.prepare(caller, code);
    const copy = await this.sessions.fork(SYSTEM, prepared.share.session_id, { throwaway: true });
    try {
      // The copy carries the session's timeout choice; without one the configured default applies.
      return await this.actions.run(SYSTEM, copy.id, { code: prepared.code });
    } finally {
      await this.sessions.delete(SYSTEM, copy.id);
    }
  }

  /**
   * The same run with its output as it comes: the events end with the exit, and the throwaway copy
   * is removed when they end or their reader stops. `feed` names the embed, for following it.
   */
  async runStream(caller: ShareCaller, code: string): Promise<{ feed: string; events: AsyncGenerator<RunEvent> }> {
    const prepared = await this.prepare(caller, code);
    const copy = await this.sessions.fork(SYSTEM, prepared.share.session_id, { throwaway: true });
    const sessions = this.sessions;
    const remove = (): Promise<void> => sessions.delete(SYSTEM, copy.id).catch(() => undefined);
    let stream: AsyncGenerator<RunEvent>;
    try {
      stream = await this.actions.runStream(SYSTEM, copy.id, { code: prepared.code });
    } catch (error) {
      await remove();
      throw error;
    }
    const events = (async function* removedAfter(): AsyncGenerator<RunEvent> {
      try {
        yield* stream;
      } finally {
        await remove();
      }
    })();
    return { feed: embedFeed(prepared.share.id), events };
  }

  /** The feed name runs of the caller's embed link are followed by. */
  async feedOf(caller: ShareCaller): Promise<string> {
    return embedFeed((await this.embedShare(caller)).id);
  }
}

const embedFeed = (shareId: string): string => `embed:${shareId}`;
