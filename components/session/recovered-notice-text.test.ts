import { describe, expect, it } from "vitest";
import { recoveredNotice } from "./recovered-notice-text";

const time = (date: Date): string => date.toISOString().slice(11, 19);
const recovered = { at: "2026-03-02T12:05:00.000Z", snapshot_at: "2026-03-02T12:03:10.000Z", from_node: "n-0123456789ab" };

describe("recoveredNotice", () => {
  it("says when the files are from, and that later work was lost", () => {
    expect(recoveredNotice(recovered, null, time)).toBe(
      "This session moved to another server after its server stopped: files are as of 12:03:10; work after that was lost.",
    );
  });

  it("says the files were lost when the session had no snapshot", () => {
    expect(recoveredNotice({ ...recovered, snapshot_at: null }, null, time)).toBe(
      "This session moved to another server after its server stopped. It had not been saved yet, so its files were lost.",
    );
  });

  it("says nothing for a session that never moved, or for a move this browser dismissed", () => {
    expect(recoveredNotice(null, null, time)).toBeNull();
    expect(recoveredNotice(recovered, recovered.at, time)).toBeNull();
    // A later move is told again.
    expect(recoveredNotice({ ...recovered, at: "2026-03-09T08:00:00.000Z" }, recovered.at, time)).not.toBeNull();
  });
});
