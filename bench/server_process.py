"""What the bench scripts share: one of our servers as a child process.

    with ServerProcess([path, "--port", "0", ...]) as server:
        ... server.port, server.pid, server.rss_kib() ...

Starts it with its console on a pipe, waits for "[LISTENING] host:port",
and on leaving types `exit` on the console and waits for it to end.
"""
import re
import subprocess
import sys


def rss_kib(pid):
    """A process's resident memory (VmRSS), in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


class ServerProcess:
    def __init__(self, command):
        self.command = command
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.pid = self.process.pid
        self.port = None
        for line in self.process.stdout:
            match = re.search(r"\[LISTENING\] .*:(\d+)$", line.strip())
            if match:
                self.port = int(match.group(1))
                break
        if self.port is None:
            self.process.kill()
            sys.exit(f"{command[0]} did not say where it listens")

    def rss_kib(self):
        return rss_kib(self.pid)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.stdin.write("exit\n")
        self.process.stdin.close()
        self.process.wait(timeout=10)
