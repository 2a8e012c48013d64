#!/usr/bin/env python3
"""A TCP proxy that adds network distance: every chunk is forwarded half the
round-trip time after it arrived, in each direction, in order, without
limiting throughput (this machine's kernel has no netem). One process serves
several listen ports.

    bench/delay_proxy.py --rtt-ms 20 --map 26500=127.0.0.1:55434 [--map ...]

Prints "ready" once every port listens; runs until killed."""
import argparse
import asyncio
import time


async def pump(reader, writer, delay):
    queue = asyncio.Queue()

    async def send():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.ensure_future(send())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            queue.put_nowait((time.monotonic() + delay, data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait((time.monotonic() + delay, None))
    try:
        await sender
    except (ConnectionError, OSError):
        pass


async def serve(listen_port, host, port, delay):
    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(host, port)
        except OSError:
            client_writer.close()
            return
        for sock in (client_writer, server_writer):
            raw = sock.get_extra_info("socket")
            if raw is not None:
                import socket
                raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(pump(client_reader, server_writer, delay),
                             pump(server_reader, client_writer, delay))

    return await asyncio.start_server(handle, "127.0.0.1", listen_port)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rtt-ms", type=float, required=True)
    parser.add_argument("--map", action="append", required=True, help="LISTEN_PORT=HOST:PORT")
    args = parser.parse_args()
    delay = args.rtt_ms / 2000.0
    servers = []
    for mapping in args.map:
        listen, target = mapping.split("=")
        host, port = target.rsplit(":", 1)
        servers.append(await serve(int(listen), host, int(port), delay))
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    asyncio.run(main())
