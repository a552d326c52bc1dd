import { once } from "node:events";
import net, { type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { RequestContext } from "./context.ts";
import { accept, listen } from "./tunnel.ts";

const ctx = { onControl: () => undefined } as unknown as RequestContext;

describe("tunnel.listen", () => {
  it("ends the accepts waiting on it when it cannot listen", async () => {
    const taken = net.createServer();
    taken.listen(0, "127.0.0.1");
    await once(taken, "listening");
    const port = (taken.address() as AddressInfo).port;
    try {
      const listening = listen({ port }, ctx);
      const waiting = accept({ port }, ctx);
      await expect(listening).rejects.toThrow(/cannot listen/);
      await expect(waiting).rejects.toThrow(/closed/);
    } finally {
      taken.close();
    }
  });
});
