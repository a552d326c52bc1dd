import { describe, expect, it } from "vitest";
import { SessionElsewhereError } from "@/server/nodes/errors";
import { SandboxUnavailableError, PathOutsideWorkspaceError, PayloadTooLargeError } from "@/server/sandbox/errors";
import { InvalidRequestError, SessionExistsError, SessionNotFoundError } from "@/server/sessions/errors";
import { InvalidInputError } from "@/server/sessions/validation";
import { SetupBusyError, SetupSpecError } from "@/server/setup/errors";
import { HttpRequestError, toApiError } from "./errors";

describe("toApiError", () => {
  it.each([
    [new InvalidInputError(["language: unknown"]), 400, "invalid_request"],
    [new SetupSpecError(["setup.pip.0: bad"]), 400, "invalid_setup"],
    [new InvalidRequestError("no code"), 400, "invalid_request"],
    [new PathOutsideWorkspaceError("outside"), 400, "invalid_request"],
    [new SessionNotFoundError("x"), 404, "not_found"],
    [new SessionExistsError("x"), 409, "session_exists"],
    [new SetupBusyError("x", "running"), 409, "setup_busy"],
    [new PayloadTooLargeError("big"), 413, "payload_too_large"],
    [new HttpRequestError(429, "rate_limited", "slow down", 3), 429, "rate_limited"],
    [new SandboxUnavailableError("agent gone"), 503, "sandbox_unavailable"],
    [new SessionElsewhereError("s1", "node-b", "http://10.0.0.2:3000"), 409, "session_elsewhere"],
    [
      Object.assign(new Error("connect ECONNREFUSED /var/run/docker.sock"), {
        code: "ECONNREFUSED",
        address: "/var/run/docker.sock",
      }),
      503,
      "docker_unavailable",
    ],
    [new Error("boom"), 500, "internal_error"],
  ])("maps %s to %i", (error, status, code) => {
    const api = toApiError(error);
    expect([api.status, api.error]).toEqual([status, code]);
  });

  it("names the node a session runs on when the request reached another one", () => {
    const api = toApiError(new SessionElsewhereError("s1", "node-b", "http://10.0.0.2:3000"));
    expect(api.message).toBe(
      "session s1 runs on node node-b (http://10.0.0.2:3000); send the request there, or retry once it lets the session go",
    );
    expect(api.id).toBe("s1");
  });

  it("keeps the message of domain errors and hides the one of unexpected errors", () => {
    expect(toApiError(new SessionNotFoundError("abc")).message).toBe("session abc does not exist");
    expect(toApiError(new Error("secret internals")).message).not.toContain("secret");
  });

  it("tells errors apart by name, so a second copy of a class in a bundle still maps", () => {
    const copy = Object.assign(new Error("session x does not exist"), { name: "SessionNotFoundError", id: "x" });
    expect(toApiError(copy)).toMatchObject({ status: 404, id: "x" });
  });
});
