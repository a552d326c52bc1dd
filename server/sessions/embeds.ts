import "server-only";
import { EMBED_RATE_LIMITS } from "@/lib/limits";
import { RateLimiter } from "@/server/auth/rate-limiter";
import type { Database } from "@/server/db/client";
import { isSensitive } from "@/server/storage/sensitive";
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
}

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

  /** What an embed shows: the session's language and its entry file (or first file). */
  async show(caller: ShareCaller): Promise<EmbedView> {
    const share = await this.embedShare(caller);
    // The embed link grants exactly this: the language and one file, read by the server on its behalf.
    const session = await this.sessions.get(SYSTEM, share.session_id);
    // Without an entry file it shows the first file that is neither hidden nor sensitive (never `.env`).
    const files = (await this.actions.listFiles(SYSTEM, share.session_id, ".", true)).filter(
      (f) => f.type === "file" && !isSensitive(f.path) && !f.path.split("/").some((part) => part.startsWith(".")),
    );
    const path = session.entry_file ?? files[0]?.path;
    const code = path ? (await this.actions.readFile(SYSTEM, share.session_id, path)).data.toString("utf8") : "";
    return { language: session.language, path: path ?? null, code };
  }

  /** A run for an embed visitor, in a throwaway copy of the session, removed right after. */
  async run(caller: ShareCaller, code: string): Promise<RunView> {
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
    const copy = await this.sessions.fork(SYSTEM, share.session_id, { throwaway: true });
    try {
      // The copy carries the session's timeout choice; without one the configured default applies.
      return await this.actions.run(SYSTEM, copy.id, { code });
    } finally {
      await this.sessions.delete(SYSTEM, copy.id);
    }
  }
}
