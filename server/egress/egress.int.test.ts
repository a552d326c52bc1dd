import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { networkInterfaces, tmpdir } from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNREADABLE_SECRET_PROBLEM } from "@/lib/egress";
import { startPackageServers, type PackageServers } from "@/test/package-servers";
import { testServices } from "@/test/services";
import { waitFor } from "@/test/wait";
import { SYSTEM_CA_BUNDLE } from "@/server/config";
import { sessions } from "@/server/db/schema";
import type { Services } from "@/server/services";
import { SYSTEM } from "@/server/sessions/caller";
import { exec } from "@/server/sandbox/shells";
import { sealSecrets } from "./secrets";

// Real sandboxes, the real proxy. The only outside host contacted is the npm registry; everything
// else is a server this test starts on loopback, named through the proxy's own host mapping.
// 127.0.0.2 is exempted from the private-range rules (as an operator would exempt a local mirror);
// 127.0.0.1 is not, and stands for the host, the LAN and the metadata service.

let packages: PackageServers;
let services: Services & AsyncDisposable;
let recorder: Server;
let recorded = 0;
let secretServer: Server;
const seenHeaders: IncomingHttpHeaders[] = [];
const SECRET = `Bearer sk-test-${Math.random().toString(36).slice(2)}`;

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

let recorderPort = 0;
let secretPort = 0;
let tlsServer: HttpsServer;
let tlsPort = 0;
const tlsHeaders: IncomingHttpHeaders[] = [];
let work: string;
/** An address of this host's own (not loopback), named self.test; the whole /24 around it is exempt. */
const selfAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry && !entry.internal && entry.family === "IPv4")?.address;

/** A self-signed certificate for tls.test, and a CA bundle of the system's roots plus it. */
function makeCertificate(): { key: string; cert: string; bundle: string } {
  const dir = (work = mkdtempSync(path.join(tmpdir(), "sandpit-egress-tls-")));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=tls.test",
      "-addext",
      "subjectAltName=DNS:tls.test",
      "-keyout",
      path.join(dir, "key.pem"),
      "-out",
      path.join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  const cert = readFileSync(path.join(dir, "cert.pem"), "utf8");
  const bundle = path.join(dir, "bundle.pem");
  writeFileSync(bundle, `${existsSync(SYSTEM_CA_BUNDLE) ? readFileSync(SYSTEM_CA_BUNDLE, "utf8") : ""}\n${cert}`);
  return { key: readFileSync(path.join(dir, "key.pem"), "utf8"), cert, bundle };
}

beforeAll(async () => {
  packages = await startPackageServers();
  recorder = createServer((_req, res) => res.end("you should not see this"));
  recorder.on("connection", () => (recorded += 1));
  recorderPort = await listen(recorder, "127.0.0.1");
  secretServer = createServer((req, res) => {
    seenHeaders.push(req.headers);
    res.end(`hello ${req.url ?? ""}`);
  });
  secretPort = await listen(secretServer, "127.0.0.2");
  const certificate = makeCertificate();
  tlsServer = createHttpsServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    tlsHeaders.push(req.headers);
    res.end(`over tls ${req.url ?? ""}`);
  });
  tlsPort = await listen(tlsServer, "127.0.0.2");
  const packagePort = new URL(packages.pipIndexUrl).port;
  services = await testServices({
    SANDPIT_PIP_INDEX_URL: `http://packages.test:${packagePort}/simple`,
    SANDPIT_GOPROXY: `http://packages.test:${packagePort}/go`,
    SANDPIT_GOSUMDB: "off",
    SANDPIT_EGRESS_EXEMPT: ["127.0.0.2", ...(selfAddress ? [`${selfAddress}/24`] : [])].join(","),
    SANDPIT_EGRESS_HOSTS: [
      "packages.test=127.0.0.2",
      "api.test=127.0.0.2",
      "tls.test=127.0.0.2",
      "host.test=127.0.0.1",
      "lan.test=10.11.12.13",
      "metadata.test=169.254.169.254",
      "mapped.test=::ffff:127.0.0.1",
      ...(selfAddress ? [`self.test=${selfAddress}`] : []),
    ].join(","),
    SANDPIT_EGRESS_CONNECTIONS: "4",
    SANDPIT_EXTRA_CA_BUNDLE: certificate.bundle,
  });
}, 120_000);

afterAll(async () => {
  await services?.[Symbol.asyncDispose]();
  await packages?.[Symbol.asyncDispose]();
  recorder?.close();
  secretServer?.close();
  tlsServer?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const sh = async (session: string, command: string, shell?: string): Promise<{ out: string; code: number }> => {
  const result = await exec(services.sandboxes, session, { command, timeoutMs: 240_000, shell });
  return { out: result.stdout + result.stderr, code: result.exitCode };
};

/** A python one-liner fetching `url` through the proxy the environment names; prints the status and body, or the error. */
const fetchPy = (url: string): string =>
  `python3 -c "import urllib.request,sys
try:
    r = urllib.request.urlopen('${url}', timeout=30); print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
except Exception as e:
    print('error', e)"`;

describe("Egress through the host proxy", () => {
  it("installs npm packages from the real registry under `registries`", async () => {
    const session = await services.sessions.create(SYSTEM, { language: "node", egress: "registries" });
    const install = await sh(
      session.id,
      "cd /workspace && npm install ms --no-audit --no-fund 2>&1 && node -e \"console.log(require('ms')(60000))\"",
    );
    expect(install.out).toContain("1m");
    expect(install.code).toBe(0);
    // The sandbox still has no network of its own: egress went through the agent's channel.
    // /proc/net/dev lists interfaces under runc and gVisor alike.
    expect((await sh(session.id, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")).out.trim()).toBe("lo");
    const view = await services.sessions.get(SYSTEM, session.id);
    expect(view.egress).toBe("registries");
    expect(view.egress_usage.bytes_in).toBeGreaterThan(1000);
    expect(view.egress_usage.connections).toBeGreaterThan(0);
  });

  it("installs pip and Go packages from the configured mirrors under `registries`", async () => {
    const session = await services.sessions.create(SYSTEM, { language: "python", egress: "registries" });
    const pip = await sh(
      session.id,
      "pip install --target /workspace/py sandpit-demo 2>&1 && PYTHONPATH=/workspace/py python3 -c 'import sandpit_demo; print(\"pip ok\")'",
    );
    expect(pip.out).toContain("pip ok");
    const go = await sh(
      session.id,
      "mkdir -p /workspace/g && cd /workspace/g && go mod init example.com/app >/dev/null 2>&1; GOMODCACHE=/tmp/gomod go get example.com/greeting@v1.0.0 2>&1 && echo go ok",
    );
    expect(go.out).toContain("go ok");
    expect(packages.requests.some((url) => url.startsWith("/files/sandpit_demo"))).toBe(true);
    expect(packages.requests.some((url) => url.includes("greeting/@v/v1.0.0.zip"))).toBe(true);
  });

  it("answers a host outside the policy with 403 naming the policy, over http and https", async () => {
    const session = await services.sessions.create(SYSTEM, { language: "python", egress: "registries" });
    const plain = await sh(session.id, fetchPy("http://example.com/"));
    expect(plain.out).toContain("403 Sandpit egress: example.com:80 is not allowed by this session's egress policy (registries)");
    const tls = await sh(session.id, fetchPy("https://example.com/"));
    expect(tls.out).toMatch(/error .*403/);
    const denied = (await services.sessions.get(SYSTEM, session.id)).egress_usage.denied;
    expect(denied).toBe(2);
  });

  it("refuses names that resolve to loopback, private or metadata addresses without connecting", async () => {
    const session = await services.sessions.create(SYSTEM, {
      language: "python",
      egress: { allow: ["host.test", `host.test:${recorderPort}`, "lan.test", "metadata.test", `mapped.test:${recorderPort}`] },
    });
    const cases: Array<[string, string]> = [
      [`http://host.test:${recorderPort}/`, "resolves to 127.0.0.1 (loopback)"],
      [`http://mapped.test:${recorderPort}/`, "resolves to ::ffff:127.0.0.1 (loopback)"],
      ["http://lan.test/", "resolves to 10.11.12.13 (private)"],
      ["http://metadata.test/latest/meta-data/", "resolves to 169.254.169.254 (linkLocal)"],
    ];
    for (const [url, reason] of cases) {
      const result = await sh(session.id, fetchPy(url));
      expect(result.out).toContain(`403 Sandpit egress: ${new URL(url).hostname} ${reason}, which sandboxes may never reach`);
    }
    const tls = await sh(session.id, fetchPy(`https://host.test:${recorderPort}/`));
    expect(tls.out).toMatch(/error .*403/);
    expect(recorded).toBe(0);
  });

  it.runIf(selfAddress)(
    "refuses a name that resolves to one of this host's own addresses, even inside an exempt range",
    async () => {
      const session = await services.sessions.create(SYSTEM, {
        language: "python",
        egress: { allow: [`self.test:${recorderPort}`] },
      });
      const result = await sh(session.id, fetchPy(`http://self.test:${recorderPort}/`));
      expect(result.out).toContain(
        `403 Sandpit egress: self.test resolves to ${selfAddress ?? ""} (thisHost), which sandboxes may never reach`,
      );
      expect(recorded).toBe(0);
    },
  );

  it("closes a CONNECT tunnel whose TLS names another host, and passes one that names its own", async () => {
    const session = await services.sessions.create(SYSTEM, { language: "python", egress: { allow: [`tls.test:${tlsPort}`] } });
    const handshake = (servername: string): string => `python3 -c "import socket, ssl
s = socket.create_connection(('127.0.0.1', 3128))
s.sendall(b'CONNECT tls.test:${tlsPort} HTTP/1.1\\r\\n\\r\\n')
print(s.recv(100).decode().splitlines()[0])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
try:
    ctx.wrap_socket(s, server_hostname='${servername}')
    print('handshake done')
except Exception as e:
    print('refused', type(e).__name__)"`;
    const fronted = await sh(session.id, handshake("hidden.example.com"));
    expect(fronted.out).toContain("HTTP/1.1 200 Connection Established");
    expect(fronted.out).toContain("refused");
    const honest = await sh(session.id, handshake("tls.test"));
    expect(honest.out).toContain("handshake done");
    expect((await services.sessions.get(SYSTEM, session.id)).egress_usage.denied).toBe(1);
  });

  it("refuses CONNECT to port 80", async () => {
    const session = await services.sessions.create(SYSTEM, { language: "python", egress: { allow: ["api.test"] } });
    const result = await sh(
      session.id,
      `python3 -c "import socket
s = socket.create_connection(('127.0.0.1', 3128))
s.sendall(b'CONNECT api.test:80 HTTP/1.1\\r\\n\\r\\n')
print(s.recv(300).decode())"`,
    );
    expect(result.out).toContain("403 Forbidden");
    expect(result.out).toContain("CONNECT to port 80 is refused");
  });

  it("adds a secret bound to a host on the proxy, and the sandbox never sees it", async () => {
    const session = await services.sessions.create(SYSTEM, {
      language: "python",
      egress: { allow: [`api.test:${secretPort}`] },
      egress_secrets: [{ host: "api.test", header: "Authorization", value: SECRET, https: false }],
    });
    const result = await sh(session.id, fetchPy(`http://api.test:${secretPort}/v1/thing`));
    expect(result.out).toContain("200 hello /v1/thing");
    expect(seenHeaders.at(-1)?.authorization).toBe(SECRET);
    const token = SECRET.split("-").at(-1) ?? "";
    const look = await sh(
      session.id,
      `env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; ps auxww; grep -rs '${token}' /workspace /tmp /home /etc /opt 2>/dev/null; echo done`,
    );
    expect(look.out).toContain("done");
    expect(look.out).not.toContain(token);
    const view = await services.sessions.get(SYSTEM, session.id);
    expect(JSON.stringify(view)).not.toContain(token);
    expect(view.egress_secrets).toEqual([
      { host: "api.test", header: "Authorization", https: false, unreadable: false, problem: null },
    ]);
  });

  it("refuses a request whose bound secret was sealed with another server key, and tells the owner", async () => {
    const secret = { host: "api.test", header: "Authorization", value: SECRET, https: false };
    const session = await services.sessions.create(SYSTEM, {
      language: "python",
      egress: { allow: [`api.test:${secretPort}`] },
      egress_secrets: [secret],
    });
    // The server's key changed since the secret was set: its value is sealed under another one.
    const elsewhere = mkdtempSync(path.join(tmpdir(), "sandpit-egress-other-key-"));
    await services.database.db
      .update(sessions)
      .set({ egressSecrets: sealSecrets(elsewhere, [secret]) })
      .where(eq(sessions.id, session.id));
    rmSync(elsewhere, { recursive: true, force: true });
    await services.sessions.update(SYSTEM, session.id, { egress: { allow: [`api.test:${secretPort}`] } });
    const requests = seenHeaders.length;
    const result = await sh(session.id, fetchPy(`http://api.test:${secretPort}/v1/unsealed`));
    expect(result.out).toContain("502 Sandpit egress: the secret bound to api.test was sealed with another server key");
    expect(seenHeaders).toHaveLength(requests);
    const view = await services.sessions.get(SYSTEM, session.id);
    expect(view.egress_secrets).toEqual([
      { host: "api.test", header: "Authorization", https: false, unreadable: true, problem: UNREADABLE_SECRET_PROBLEM },
    ]);
  });

  it("sends a bound secret over HTTPS when the program asks for http://", async () => {
    const session = await services.sessions.create(SYSTEM, {
      language: "python",
      egress: { allow: [`tls.test:${tlsPort}`] },
      egress_secrets: [{ host: "tls.test", header: "X-Api-Key", value: SECRET }],
    });
    const result = await sh(session.id, fetchPy(`http://tls.test:${tlsPort}/secure`));
    expect(result.out).toContain("200 over tls /secure");
    expect(tlsHeaders.at(-1)?.["x-api-key"]).toBe(SECRET);
  });

  it("follows a policy changed while the sandbox runs, and closes open tunnels when it goes to none", async () => {
    const session = await services.sessions.create(SYSTEM, { language: "python" });
    const url = `http://api.test:${secretPort}/later`;
    expect((await sh(session.id, fetchPy(url))).out).toMatch(/error .*(refused|111)/i);
    await services.sessions.update(SYSTEM, session.id, { egress: { allow: [`api.test:${secretPort}`] } });
    expect((await sh(session.id, fetchPy(url))).out).toContain("200 hello /later");
    await services.sessions.update(SYSTEM, session.id, { egress: { allow: ["other.test"] } });
    expect((await sh(session.id, fetchPy(url))).out).toContain("is not allowed by this session's egress policy (allow-list)");
    // A CONNECT tunnel held open inside the sandbox ends when the policy goes to none.
    await services.sessions.update(SYSTEM, session.id, { egress: { allow: [`api.test:${secretPort}`] } });
    const held = sh(
      session.id,
      `python3 -c "import socket
s = socket.create_connection(('127.0.0.1', 3128))
s.sendall(b'CONNECT api.test:${secretPort} HTTP/1.1\\r\\nHost: api.test\\r\\n\\r\\n')
print(s.recv(100).decode().splitlines()[0], flush=True)
open('/tmp/held', 'w').close()
try:
    rest = s.recv(100)
    print('closed' if rest == b'' else rest)
except ConnectionResetError:
    print('closed')"`,
      "held",
    );
    await waitFor("the tunnel to open", async () => (await sh(session.id, "test -e /tmp/held && echo yes")).out.includes("yes"));
    await services.sessions.update(SYSTEM, session.id, { egress: "none" });
    const result = await held;
    expect(result.out).toContain("HTTP/1.1 200 Connection Established");
    expect(result.out).toContain("closed");
  });

  it("answers connections past the session's limit with 429", async () => {
    const session = await services.sessions.create(SYSTEM, { language: "python", egress: { allow: [`api.test:${secretPort}`] } });
    const result = await sh(
      session.id,
      `python3 -c "import socket
held = []
for i in range(4):
    s = socket.create_connection(('127.0.0.1', 3128))
    s.sendall(b'CONNECT api.test:${secretPort} HTTP/1.1\\r\\n\\r\\n')
    held.append(s)
    print(s.recv(100).decode().splitlines()[0])
extra = socket.create_connection(('127.0.0.1', 3128))
extra.sendall(b'CONNECT api.test:${secretPort} HTTP/1.1\\r\\n\\r\\n')
print(extra.recv(300).decode())"`,
    );
    expect(result.out.match(/200 Connection Established/g)).toHaveLength(4);
    expect(result.out).toContain("429 Too Many Requests");
    expect(result.out).toContain("this session has 4 connections open, the most it may have");
  });

  it("rejects a bad egress pattern with a clear 400", async () => {
    await expect(services.sessions.create(SYSTEM, { language: "python", egress: { allow: ["*.com"] } })).rejects.toThrow(
      /"\*\.com" is not a domain pattern/,
    );
    await expect(services.sessions.create(SYSTEM, { language: "python", egress: "everything" as never })).rejects.toThrow(
      /egress must be "none", "registries" or/,
    );
  });
});
