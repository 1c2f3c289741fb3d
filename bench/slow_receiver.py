#!/usr/bin/env python3
"""Broadcast flood with a receiver that stops reading: is it cut, and do the
others keep their rate?

Starts chat_server, then runs ../shared/bench/loadgen's chat-fanout (one
publisher, --subs receivers) in passes that alternate: A, nobody else; B, one
more logged-in receiver that never reads (a small receive buffer, set before
connecting). Reports deliveries/s of each pass, the server's peak resident
memory, and what the stalled receiver finally reads: the first MSG lines,
then the close (its BYE slow-consumer too, had it read within the 2 s grace
that follows the cut; tests/integration/chat_server_test.cpp checks that).

  bench/slow_receiver.py [--server build-release/examples/chat_server]
                         [--loadgen /tmp/bench-bin/loadgen] [--subs 1000] [--passes 2]
Standard library only.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import threading
import time

from server_process import ServerProcess, rss_kib


def stalled_receiver(port, name):
    """Logs in, then reads nothing."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.settimeout(10)
    stream = sock.makefile("rb")
    stream.readline()  # HELLO
    for command in (f"REGISTER {name} stalled-password", f"LOGIN {name} stalled-password"):
        sock.sendall(command.encode() + b"\n")
        reply = stream.readline().decode().strip()
        if not reply.startswith("OK"):
            sys.exit(f"stalled receiver: {command.split()[0]}: {reply}")
    return sock, stream


def drain(stream):
    """What the stalled receiver reads at last: (MSG lines, the last line)."""
    messages, last = 0, "<nothing>"
    try:
        for raw in stream:
            line = raw.decode(errors="replace").rstrip("\n")
            if line.startswith("MSG "):
                messages += 1
            else:
                last = line
    except (socket.timeout, ConnectionError) as error:
        last = f"<{type(error).__name__}: not cut>"
    return messages, last


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default=os.path.join(here, "..", "build-release", "examples", "chat_server"))
    parser.add_argument("--loadgen", default="/tmp/bench-bin/loadgen")
    parser.add_argument("--subs", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--duration", type=float, default=6)
    parser.add_argument("--size", type=int, default=2048, help="message text bytes (enough to fill the stalled queue)")
    args = parser.parse_args()

    with ServerProcess([args.server, "--port", "0", "--quiet", "--db", ":memory:",
                        "--hash-memory", "8192", "--hash-ops", "1"]) as server:
        port = server.port
        rss_start = rss_kib(server.pid)
        results = {"A": [], "B": []}
        peak = [rss_start]
        sampling = True

        def sample():
            while sampling:
                peak[0] = max(peak[0], rss_kib(server.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        stalled_reports = []
        try:
            for n in range(args.passes):
                for kind in ("A", "B"):
                    stalled = stalled_receiver(port, f"stalled{os.getpid()}_{n}") if kind == "B" else None
                    out = subprocess.run([args.loadgen, "chat-fanout", "--port", str(port), "--subs", str(args.subs),
                                          "--users", "50", "--duration", str(args.duration), "--size", str(args.size), "--threads", "2",
                                          "--label", kind], capture_output=True, text=True).stdout
                    result = [l for l in out.splitlines() if l.startswith("RESULT")][-1]
                    rate = float(re.search(r"deliveries_per_s=(\d+)", result).group(1))
                    errors = re.search(r"errors=(\d+)", result).group(1)
                    results[kind].append(rate)
                    print(f"pass {n + 1} {kind}: {rate:,.0f} deliveries/s, errors={errors}")
                    if stalled:
                        published = int(re.search(r"published=(\d+)", result).group(1))
                        sock, stream = stalled
                        messages, last = drain(stream)
                        sock.close()
                        # Cut: it got less than was published, then the close;
                        # "BYE slow-consumer" itself only if it read within
                        # the 2 s grace after the cut, which a receiver that
                        # stays stalled for the whole pass does not.
                        cut = messages < published and last in ("<nothing>", "BYE slow-consumer")
                        stalled_reports.append(cut)
                        print(f"  the stalled receiver read {messages} of {published} MSG lines, then "
                              f"{last if last != '<nothing>' else 'the close'}: {'cut' if cut else 'NOT cut'}")
        finally:
            sampling = False
            sampler.join()

    a = sorted(results["A"])[len(results["A"]) // 2]
    b = sorted(results["B"])[len(results["B"]) // 2]
    print(f"median deliveries/s: A (all read) {a:,.0f}; B (one stalled) {b:,.0f}; B/A = {b / a:.2f}")
    print(f"server memory: {rss_start} KiB at start, peak {peak[0]} KiB")
    cut = all(stalled_reports)
    print(f"RESULT slow-receiver ratio={b / a:.2f} peak_kib={peak[0]} stalled_cut={'yes' if cut else 'NO'}")
    return 0 if cut else 1


if __name__ == "__main__":
    sys.exit(main())
