#!/usr/bin/env python3
"""Login storm against chat_server: do other clients stay served?

Starts chat_server (default hash cost unless told otherwise) on a fresh
SQLite database, connects 10 "pingers" that send PING in a closed loop, and
measures their round trips for a quiet second; then 100 new connections at
once each REGISTER a fresh name and LOGIN with it, while the pingers go on.
Prints the pingers' latency (p50/p99/max) quiet and during the storm, the
storm's duration, and the server's resident memory growth against the hash
pool's bound (hash threads x memory cost).

  bench/login_storm.py [--server build-release/examples/chat_server]
                       [--clients 100] [--pingers 10] [--hash-threads N]
                       [--server-arg ARG ...]

Issue 4's target: the pingers' p99 under 50 ms during the storm, memory growth
within the pool's bound (plus 1 MiB for the database's cache and the pool
threads' stacks). Exit status 0 when both hold. Standard library only.
"""
import argparse
import asyncio
import os
import sys
import tempfile
import time

from server_process import ServerProcess, rss_kib


def percentile(samples, p):
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    k = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[k]


class Client:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        client = cls(reader, writer)
        hello = await client.line()
        if not hello.startswith("HELLO switchboard 1 "):
            raise RuntimeError(f"greeting: {hello!r}")
        return client

    async def line(self):
        raw = await asyncio.wait_for(self.reader.readline(), 30)
        if not raw:
            raise RuntimeError("connection closed")
        return raw.decode().rstrip("\n")

    async def command(self, text):
        self.writer.write(text.encode() + b"\n")
        return await self.line()

    def close(self):
        self.writer.close()


async def pinger(port, phase, samples, stop):
    client = await Client.connect(port)
    n = 0
    while not stop.is_set():
        start = time.perf_counter()
        reply = await client.command(f"PING {n}")
        elapsed = time.perf_counter() - start
        if reply != f"OK PONG {n}":
            raise RuntimeError(f"pinger: {reply!r}")
        samples[phase[0]].append(elapsed * 1000)
        n += 1
    client.close()


async def storm_client(client, name, results):
    start = time.perf_counter()
    reply = await client.command(f"REGISTER {name} storm-password")
    if reply != f"OK registered {name}":
        raise RuntimeError(f"{name}: {reply!r}")
    reply = await client.command(f"LOGIN {name} storm-password")
    if reply != f"OK logged-in {name}":
        raise RuntimeError(f"{name}: {reply!r}")
    results.append((time.perf_counter() - start) * 1000)
    client.close()


async def run(args, port, pid):
    samples = {"quiet": [], "storm": []}
    phase = ["quiet"]
    stop = asyncio.Event()
    pingers = [asyncio.create_task(pinger(port, phase, samples, stop)) for _ in range(args.pingers)]
    await asyncio.sleep(1.0)

    # The storm's connections are set up first (each has its HELLO), so what
    # is measured, time and memory, is REGISTER + LOGIN, not connections.
    clients = await asyncio.gather(*(Client.connect(port) for _ in range(args.clients)))
    await asyncio.sleep(0.2)
    rss_before = rss_kib(pid)
    rss_peak = rss_before
    phase[0] = "storm"
    durations = []
    started = time.perf_counter()
    storm = [asyncio.create_task(storm_client(client, f"storm{os.getpid()}_{i}", durations))
             for i, client in enumerate(clients)]
    while not all(task.done() for task in storm):
        rss_peak = max(rss_peak, rss_kib(pid))
        await asyncio.sleep(0.02)
    storm_s = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*storm)
    await asyncio.gather(*pingers)
    return samples, durations, storm_s, rss_before, rss_peak


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default=os.path.join(here, "..", "build-release", "examples", "chat_server"))
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--pingers", type=int, default=10)
    parser.add_argument("--threads", type=int, default=0, help="server I/O threads (default: the server's own)")
    parser.add_argument("--hash-threads", type=int, default=0, help="default: the server's own (one per core)")
    parser.add_argument("--hash-memory", type=int, default=19 << 20,
                        help="bytes, as the server's flag (default 19 MiB: the server's default)")
    parser.add_argument("--server-arg", action="append", default=[])
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        command = [args.server, "--port", "0", "--quiet", "--db", os.path.join(tmp, "storm.db"),
                   "--hash-memory", str(args.hash_memory)]
        if args.threads:
            command += ["--threads", str(args.threads)]
        if args.hash_threads:
            command += ["--hash-threads", str(args.hash_threads)]
        command += args.server_arg
        with ServerProcess(command) as server:
            samples, durations, storm_s, rss_before, rss_peak = asyncio.run(run(args, server.port, server.pid))

    hash_threads = args.hash_threads or os.cpu_count()
    memory_kib = args.hash_memory // 1024
    bound_kib = hash_threads * memory_kib
    quiet, storm = samples["quiet"], samples["storm"]
    print(f"server: {' '.join(command[:1] + command[1:])}")
    print(f"storm: {args.clients} x (REGISTER + LOGIN), {2 * args.clients} Argon2id hashes "
          f"(m={memory_kib} KiB), {storm_s:.2f} s; each client's REGISTER+LOGIN "
          f"p50 {percentile(durations, 50):.0f} ms, max {max(durations):.0f} ms")
    for name, data in (("quiet", quiet), ("storm", storm)):
        print(f"pingers ({args.pingers}), {name}: {len(data)} round trips, p50 {percentile(data, 50):.2f} ms, "
              f"p99 {percentile(data, 99):.2f} ms, max {max(data):.2f} ms")
    growth = rss_peak - rss_before
    # The bound is the hashes'; the database's page cache and the pool
    # threads' own stacks and malloc arenas add a few hundred KiB, whatever
    # the storm's size (compare --clients 4 and --clients 100).
    slack_kib = 1024
    print(f"server memory: {rss_before} KiB before, peak {rss_peak} KiB during: +{growth} KiB; "
          f"pool bound {hash_threads} x {memory_kib} KiB = {bound_kib} KiB (+ {slack_kib} KiB allowed "
          f"for the database's cache and the pool threads' stacks)")
    p99 = percentile(storm, 99)
    ok = p99 < 50 and growth <= bound_kib + slack_kib
    print(f"RESULT login-storm p99_ms={p99:.2f} growth_kib={growth} bound_kib={bound_kib} "
          f"target={'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
