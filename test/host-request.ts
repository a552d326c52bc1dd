import * as http from "node:http";

export interface HostReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A request to a server on loopback with a Host header of the test's choosing: a preview's name
 * (or any other) needs no DNS here.
 */
export function requestWithHost(
  server: string,
  host: string,
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HostReply> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: "127.0.0.1",
        port: new URL(server).port,
        method: options.method ?? "GET",
        path: target,
        headers: { host, ...options.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}
