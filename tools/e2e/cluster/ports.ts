/** Free TCP ports on the loopback interface, for components that cannot take port 0 themselves. */
import * as net from "net";

export const LOOPBACK = "127.0.0.1";

function listen(): Promise<net.Server> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.once("error", reject);
        server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => resolve(server));
    });
}

/**
 * `count` distinct ports that were free a moment ago. All sockets stay open until every port is
 * picked, so the kernel cannot hand out the same port twice; another program may still take one
 * before the component binds it, which then fails loudly with "address already in use".
 */
export async function freePorts(count: number): Promise<number[]> {
    const servers: net.Server[] = [];
    try {
        for (let i = 0; i < count; i++) {
            servers.push(await listen());
        }
        return servers.map((s) => (s.address() as net.AddressInfo).port);
    } finally {
        await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    }
}
