import net from "node:net";

export interface FaultProxy {
  port: number;
  /** The dependency goes away: open connections are dropped and new ones refused. */
  cut(): Promise<void>;
  /** It is back, on the same port. */
  restore(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A TCP proxy on loopback in front of a test's own server, which a test can cut and restore. */
export async function faultProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<FaultProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const cut = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    port,
    cut,
    restore: () => listen(port),
    async [Symbol.asyncDispose]() {
      if (server.listening) await cut();
    },
  };
}
