#!/usr/bin/env python3
"""A TCP proxy in front of one database server that injects network faults on
command, for the network fault runs (scripts/network_faults.py). Every byte
passes unchanged until a mode is set on the control port, one line each:

    none                  forward everything (the default)
    spike MS              hold every chunk the client sends for MS ms (a statement's latency)
    reset_after BYTES     once a connection carried BYTES from the server since the mode was
                          set, reset it (RST) in both directions: a break mid-result
    blackhole             forward nothing more; new connections are accepted and never
                          answered (a firewall that drops packets)
    blackhole_after BYTES forward nothing more on a connection once it carried BYTES from
                          the server since the mode was set: a black hole mid-result
    throttle BPS          the server's bytes reach the client at BPS bytes a second

The control port answers "ok" (or "error ...") to each line.

    scripts/fault_proxy.py --listen PORT --target HOST:PORT --control PORT

Prints "ready" once both ports listen; runs until killed."""
import argparse
import asyncio
import socket
import struct


class Fault:
    """The mode now in force; `generation` counts mode changes, so that byte
    budgets count from the latest change on connections already open."""

    def __init__(self):
        self.mode, self.arg, self.generation = "none", 0, 0

    def set(self, line):
        words = line.split()
        if not words:
            return "error empty command"
        mode, args = words[0], words[1:]
        needs_arg = {"spike", "reset_after", "blackhole_after", "throttle"}
        if mode not in needs_arg | {"none", "blackhole"}:
            return "error unknown mode " + mode
        if (mode in needs_arg) != (len(args) == 1):
            return "error " + mode + (" takes one number" if mode in needs_arg else " takes none")
        try:
            arg = int(args[0]) if args else 0
        except ValueError:
            return "error not a number: " + args[0]
        self.mode, self.arg, self.generation = mode, arg, self.generation + 1
        return "ok"


def reset(writer):
    """Closes with RST, not FIN: what a broken middlebox or a killed peer sends."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.close()


class Link:
    """One client connection and its server connection."""

    def __init__(self, fault, client, server):
        self.fault, self.client, self.server = fault, client, server
        self.generation, self.from_server = fault.generation, 0
        self.closed = False

    def budget_used(self, more):
        if self.generation != self.fault.generation:  # The mode changed: count afresh.
            self.generation, self.from_server = self.fault.generation, 0
        self.from_server += more
        return self.from_server

    def close(self, hard=False):
        if self.closed:
            return
        self.closed = True
        for writer in (self.client, self.server):
            reset(writer) if hard else writer.close()


async def pump(reader, writer, link, from_server):
    fault = link.fault
    try:
        while not link.closed:
            data = await reader.read(16384)
            if not data:
                break
            mode, arg = fault.mode, fault.arg
            if mode == "blackhole":
                continue  # Swallowed: neither side hears anything again.
            if from_server:
                used = link.budget_used(len(data))
                if mode == "reset_after" and used >= arg:
                    link.close(hard=True)
                    return
                if mode == "blackhole_after" and used >= arg:
                    keep = max(0, len(data) - (used - arg))
                    if keep:
                        writer.write(data[:keep])
                    link.from_server = arg  # Stays past the budget: nothing more goes.
                    continue
                if mode == "throttle" and arg > 0:
                    for i in range(0, len(data), max(1, arg // 10)):
                        piece = data[i:i + max(1, arg // 10)]
                        writer.write(piece)
                        await writer.drain()
                        await asyncio.sleep(len(piece) / arg)
                    continue
            elif mode == "spike":
                await asyncio.sleep(arg / 1000.0)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    # The client hanging up ends both sides; the server's end is hidden from
    # the client while black-holing, as a firewall would hide it.
    if not from_server or fault.mode not in ("blackhole", "blackhole_after"):
        link.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--target", required=True, help="HOST:PORT")
    parser.add_argument("--control", type=int, required=True)
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    fault = Fault()
    held = []  # Black-holed client connections, kept open and unanswered.

    async def handle(client_reader, client_writer):
        if fault.mode == "blackhole":
            held.append(client_writer)
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            client_writer.close()
            return
        for writer in (client_writer, server_writer):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        link = Link(fault, client_writer, server_writer)
        await asyncio.gather(pump(client_reader, server_writer, link, False),
                             pump(server_reader, client_writer, link, True))

    async def control(reader, writer):
        while True:
            line = await reader.readline()
            if not line:
                break
            answer = fault.set(line.decode().strip())
            if answer == "ok" and fault.mode == "none":
                for writer_held in held:
                    writer_held.close()
                held.clear()
            writer.write((answer + "\n").encode())
            await writer.drain()
        writer.close()

    proxy = await asyncio.start_server(handle, "127.0.0.1", args.listen)
    controller = await asyncio.start_server(control, "127.0.0.1", args.control)
    print("ready", flush=True)
    await asyncio.gather(proxy.serve_forever(), controller.serve_forever())


if __name__ == "__main__":
    asyncio.run(main())
