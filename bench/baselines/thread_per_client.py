#!/usr/bin/env python3
"""Baseline: the networking lab's echo server as the lab builds it.

One OS thread per client with Python's socket and threading modules, as in
the original lab (../shared/bench/peers/seed_server.py is its seed), but
framed by lines as PROTOCOL.md says, so it answers exactly what echo_server
answers: each line "L" (LF ends it, a CR before the LF is dropped, empty
lines are skipped) gets "Echo: L". The replies to one recv() go out in one
sendall(). bench/run measures the line echo against it (the >= 3x target);
bench/baselines/thread_per_client.cpp is the same design in C++.

Usage: thread_per_client.py PORT   (0 picks a free port; 127.0.0.1 only)
"""
import socket
import sys
import threading


def serve(conn: socket.socket) -> None:
    with conn:
        pending = b""
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            *lines, pending = (pending + data).split(b"\n")
            replies = [b"Echo: " + line + b"\n" for line in (l.removesuffix(b"\r") for l in lines) if line]
            if replies:
                try:
                    conn.sendall(b"".join(replies))
                except OSError:
                    return


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(4096)
    print(f"[LISTENING] 127.0.0.1:{listener.getsockname()[1]}", flush=True)
    while True:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
