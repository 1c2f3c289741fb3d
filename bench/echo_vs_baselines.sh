#!/usr/bin/env bash
# Interleaved A/B benchmark of Switchboard's echo_server against baselines.
# One invocation runs every section; all figures are medians over PASSES passes.
# Usage: bench/echo_vs_baselines.sh [PASSES]   (default 5; env OURS, BENCH_BIN override paths;
#        EXTRA=1 adds two informational sections: ours --threads 1 vs asio, seed unpinned vs pinned)
# Needs a Release build of echo_server (cmake -S . -B build-release -G Ninja
# -DCMAKE_BUILD_TYPE=Release && cmake --build build-release --target echo_server)
# and the shared load generator (../shared/bench/build.sh -> /tmp/bench-bin).
# Issue 6 turns this into bench/run; docs/performance.md has its figures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# our server raises RLIMIT_NOFILE to the hard limit; make sure the hard limit is enough
if [[ $(ulimit -Hn) != unlimited && $(ulimit -Hn) -lt 65536 ]]; then
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
export PASSES=${1:-5}
export OURS=${OURS:-$here/../build-release/examples/echo_server}
export BENCH_BIN=${BENCH_BIN:-/tmp/bench-bin}
export SEED=${SEED:-$here/../../shared/bench/peers/seed_server.py}
export PY=$(command -v python3)
echo "# ulimit -n soft=$(ulimit -n) hard=$(ulimit -Hn); nproc=$(nproc); CLK_TCK=$(getconf CLK_TCK)"
exec python3 -u - <<'PYEOF'
import os, re, signal, socket, statistics, subprocess, sys, time

PASSES = int(os.environ["PASSES"])
OURS = os.environ["OURS"]
BIN = os.environ["BENCH_BIN"]
LOADGEN = f"{BIN}/loadgen"
ASIO = f"{BIN}/asio_echo"
SEED = os.environ["SEED"]
PY = os.environ["PY"]
TCK = os.sysconf("SC_CLK_TCK")

started = []  # every Popen we start, for cleanup


def cleanup():
    for p in started:
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=5)
            except Exception:
                p.kill()
                p.wait()


def start_server(cmd):
    """Starts a server with stdin on an open pipe; returns (Popen, port)."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    started.append(p)
    line = p.stdout.readline()
    m = re.search(r"\[LISTENING\] 127\.0\.0\.1:(\d+)", line)
    if not m:
        raise RuntimeError(f"{cmd}: no LISTENING line, got {line!r}")
    # drain the rest of stdout in the background so the server never blocks on it
    started.append(subprocess.Popen(["cat"], stdin=p.stdout, stdout=subprocess.DEVNULL))
    return p, int(m.group(1))


def stop_server(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()  # fields[0] is field 3 (state)
    return int(fields[11]) + int(fields[12])  # fields 14 (utime) and 15 (stime)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def threads_of(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])


def sys_cpu():
    """(busy, steal) machine-wide in seconds from /proc/stat's cpu line."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    steal = v[7] if len(v) > 7 else 0
    return (sum(v[:8]) - idle - steal) / TCK, steal / TCK


def wait_quiet(max_wait=90.0, limit=0.25):
    """Waits until the machine (nothing of ours running) is busy < limit cores over 1 s; returns a note."""
    t0 = time.monotonic()
    while True:
        b0 = sys_cpu()[0]
        time.sleep(1.0)
        busy = sys_cpu()[0] - b0
        waited = time.monotonic() - t0
        if busy < limit:
            return f"quiet after {waited:.0f} s (busy {busy:.2f} cores)"
        if waited > max_wait:
            return f"STILL BUSY after {waited:.0f} s (busy {busy:.2f} cores), ran anyway"


def parse_result(out):
    for line in out.splitlines():
        if line.startswith("RESULT "):
            kv = dict(tok.split("=", 1) for tok in line.split()[2:] if "=" in tok)
            return line, kv
    raise RuntimeError("no RESULT line:\n" + out)


def loadgen_run(args, label, server):
    cmd = [LOADGEN] + args + ["--label", label]
    s0 = sys_cpu()
    t0 = cpu_ticks(server.pid)
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    t1 = cpu_ticks(server.pid)
    s1 = sys_cpu()
    line, kv = parse_result(r.stdout)
    kv["rc"] = r.returncode
    kv["srv_cpu_s"] = (t1 - t0) / TCK
    tot = int(kv["replies_total"])
    kv["us_per_reply"] = (t1 - t0) / TCK * 1e6 / tot if tot else float("nan")
    kv["machine_busy_s"] = s1[0] - s0[0]
    kv["other_s"] = kv["machine_busy_s"] - kv["srv_cpu_s"] - float(kv["lg_cpu_s"])
    print(line, f"srv_cpu_s={kv['srv_cpu_s']:.2f} srv_us_per_reply={kv['us_per_reply']:.3f} "
          f"machine_busy_s={kv['machine_busy_s']:.2f} other_s={kv['other_s']:.2f} steal_s={s1[1]-s0[1]:.2f} rc={r.returncode}")
    return kv


def med(runs, key):
    return statistics.median(float(r[key]) for r in runs)


def ab_section(title, a_name, a_cmd, b_name, b_cmd, lg_args):
    print(f"\n=== {title}")
    print(f"# A ({a_name}): {' '.join(a_cmd)}")
    print(f"# B ({b_name}): {' '.join(b_cmd)}")
    a, pa = start_server(a_cmd)
    b, pb = start_server(b_cmd)
    print(f"# loadgen: {LOADGEN} {' '.join(lg_args)} --port <port> --label <name>   "
          f"(A port {pa}, pid {a.pid}, {threads_of(a.pid)} threads; B port {pb}, pid {b.pid})")
    ra, rb = [], []
    try:
        for i in range(PASSES):
            print(f"# pass {i+1}: {wait_quiet()}")
            ra.append(loadgen_run(lg_args + ["--port", str(pa)], f"{a_name}#{i+1}", a))
            rb.append(loadgen_run(lg_args + ["--port", str(pb)], f"{b_name}#{i+1}", b))
    finally:
        stop_server(a)
        stop_server(b)
    summary = {}
    for name, runs in ((a_name, ra), (b_name, rb)):
        s = {k: med(runs, k) for k in ("rps", "p50_us", "p99_us", "us_per_reply", "srv_cpu_s",
                                        "lg_cpu_s", "wall_s", "machine_busy_s", "other_s", "errors", "mismatches")}
        summary[name] = s
        print(f"MEDIAN {name:6s} rps={s['rps']:.0f} p50_us={s['p50_us']:.1f} p99_us={s['p99_us']:.1f} "
              f"srv_us_per_reply={s['us_per_reply']:.3f} srv_cpu_s={s['srv_cpu_s']:.2f} "
              f"lg_cpu_s={s['lg_cpu_s']:.2f} wall_s={s['wall_s']:.2f} machine_busy_s={s['machine_busy_s']:.2f} other_s={s['other_s']:.2f} errors={s['errors']:.0f} "
              f"mismatches={s['mismatches']:.0f}   all rps: {[int(r['rps']) for r in runs]}")
    # passes where other processes took less than 0.5 core-s during both the A and the B run
    clean = [i for i in range(PASSES) if ra[i]["other_s"] < 0.5 and rb[i]["other_s"] < 0.5]
    if clean and len(clean) < PASSES:
        ca = [ra[i] for i in clean]; cb = [rb[i] for i in clean]
        print(f"CLEAN passes {[i+1 for i in clean]} (other_s < 0.5 in A and B): "
              f"{a_name} rps={med(ca,'rps'):.0f} p99={med(ca,'p99_us'):.1f} us/reply={med(ca,'us_per_reply'):.3f}; "
              f"{b_name} rps={med(cb,'rps'):.0f} p99={med(cb,'p99_us'):.1f} us/reply={med(cb,'us_per_reply'):.3f}; "
              f"ratios rps {med(ca,'rps')/med(cb,'rps'):.3f} p99 {med(ca,'p99_us')/med(cb,'p99_us'):.3f} "
              f"us/reply {med(ca,'us_per_reply')/med(cb,'us_per_reply'):.3f}")
    elif not clean:
        print("CLEAN passes: none (every pass had other load)")
    else:
        print("CLEAN passes: all")
    A, B = summary[a_name], summary[b_name]
    # per-pass ratios too (A pass i vs B pass i), their median
    pr = statistics.median(float(x["rps"]) / float(y["rps"]) for x, y in zip(ra, rb))
    print(f"RATIO {a_name}/{b_name}: rps {A['rps']/B['rps']:.3f} (median of per-pass ratios {pr:.3f}); "
          f"p99 {A['p99_us']/B['p99_us']:.3f}; srv_us_per_reply {A['us_per_reply']/B['us_per_reply']:.3f}")
    return summary


def new_client_check(port, timeout=2.0):
    t0 = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"hello newcomer\n")
            buf = b""
            while b"\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        return f"{(time.monotonic()-t0)*1000:.1f} ms reply={buf.strip()!r}"
    except Exception as e:
        return f"FAILED after {(time.monotonic()-t0)*1000:.1f} ms: {e!r}"


def idle_pass(name, cmd, conns, duration=5, label=None):
    srv, port = start_server(cmd)
    try:
        time.sleep(0.3)
        before = rss_kb(srv.pid)
        lg = subprocess.Popen([LOADGEN, "idle", "--port", str(port), "--conns", str(conns),
                               "--duration", str(duration), "--label", f"{label or name}-idle{conns}"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
        started.append(lg)
        out = []
        held = None
        check = None
        for line in lg.stdout:
            out.append(line)
            if line.startswith("IDLE_READY"):
                time.sleep(0.5)
                held = rss_kb(srv.pid)
                check = new_client_check(port)
                held2 = rss_kb(srv.pid)
        lg.wait()
        time.sleep(0.5)
        after_close = rss_kb(srv.pid)
        text = "".join(out)
        res = [l for l in text.splitlines() if l.startswith(("RESULT", "IDLE_READY", "connected"))] if lg.returncode == 0 else text.splitlines()
        for l in res:
            print("  ", l)
        per = (held - before) * 1024 / conns if held is not None else float("nan")
        print(f"IDLE {name} conns={conns}: VmRSS before={before} kB held={held} kB (after new client {held2 if held else None} kB) "
              f"after-close={after_close} kB -> {per:.0f} B/conn; new client while held: {check}; loadgen rc={lg.returncode}")
        return per, check
    finally:
        stop_server(srv)


print("# loadavg at start:", open("/proc/loadavg").read().strip())
try:
    raw = ab_section("a. raw echo, 100 conns, 64 B",
                     "ours", [OURS, "--raw", "--port", "0", "--threads", "2", "--quiet"],
                     "asio", [ASIO, "0"],
                     ["raw", "--conns", "100", "--threads", "2", "--size", "64", "--duration", "3"])
    line = ab_section("b. line echo, 100 conns",
                      "ours", [OURS, "--port", "0", "--threads", "2", "--quiet"],
                      "seed", [PY, SEED, "0"],
                      ["echo", "--conns", "100", "--threads", "2", "--duration", "3"])
    line1k = ab_section("c. line echo, 1000 conns",
                        "ours", [OURS, "--port", "0", "--threads", "2", "--quiet"],
                        "seed", [PY, SEED, "0"],
                        ["echo", "--conns", "1000", "--threads", "2", "--duration", "3"])
    if os.environ.get("EXTRA") == "1":
        ab_section("extra a2. raw echo, ours --threads 1 vs asio",
                   "ours1t", [OURS, "--raw", "--port", "0", "--threads", "1", "--quiet"],
                   "asio", [ASIO, "0"],
                   ["raw", "--conns", "100", "--threads", "2", "--size", "64", "--duration", "3"])
        ab_section("extra b2. line echo 100 conns, seed unpinned vs seed pinned to one core (GIL effect)",
                   "seed", [PY, SEED, "0"],
                   "seedpin", ["taskset", "-c", "1", PY, SEED, "0"],
                   ["echo", "--conns", "100", "--threads", "2", "--duration", "3"])
    print("\n=== d. idle memory (fresh server per pass)")
    print(f"# ours: {OURS} --port 0 --threads 2 --quiet ; loadgen idle --conns N --duration 5")
    idle = {}
    for n in (5000, 10000):
        for name, cmd in (("ours", [OURS, "--port", "0", "--threads", "2", "--quiet"]),
                          ("asio", [ASIO, "0"])):
            idle[(name, n)] = [idle_pass(name, cmd, n)[0] for _ in range(3 if name == "ours" else 1)]
    # 10000 held + 1 newcomer exceeds the default --max-clients 10000; try once with a higher cap
    idle[("ours-maxclients20000", 10000)] = [idle_pass(
        "ours(--max-clients 20000)", [OURS, "--port", "0", "--threads", "2", "--quiet", "--max-clients", "20000"],
        10000, label="ours-maxclients20000")[0]]

    print("\n=== SUMMARY (medians)")
    o, a = raw["ours"], raw["asio"]
    r1 = o["rps"] / a["rps"]
    r2 = o["us_per_reply"] / a["us_per_reply"]
    print(f"a. raw: ours {o['rps']:.0f} rps vs asio {a['rps']:.0f} rps -> ratio {r1:.3f} (target >= 1.2: {'MET' if r1 >= 1.2 else 'NOT MET'})")
    print(f"   CPU/reply: ours {o['us_per_reply']:.3f} us vs asio {a['us_per_reply']:.3f} us -> ratio {r2:.3f} (target <= 1.1: {'MET' if r2 <= 1.1 else 'NOT MET'})")
    print(f"   loadgen cpu: ours runs {o['lg_cpu_s']:.2f}/{o['wall_s']:.2f} s, asio runs {a['lg_cpu_s']:.2f}/{a['wall_s']:.2f} s")
    o, s = line["ours"], line["seed"]
    r3 = o["rps"] / s["rps"]
    print(f"b. line 100: ours {o['rps']:.0f} rps vs seed {s['rps']:.0f} rps -> ratio {r3:.2f} (target >= 3: {'MET' if r3 >= 3 else 'NOT MET'})")
    o, s = line1k["ours"], line1k["seed"]
    r4 = o["p99_us"] / s["p99_us"]
    print(f"c. line 1000: p99 ours {o['p99_us']:.1f} us vs seed {s['p99_us']:.1f} us -> ratio {r4:.3f} (target <= 0.1: {'MET' if r4 <= 0.1 else 'NOT MET'}); "
          f"rps ours {o['rps']:.0f} vs seed {s['rps']:.0f} -> {o['rps']/s['rps']:.2f}x")
    for (name, n), v in idle.items():
        m = statistics.median(v)
        tgt = f" (target <= 4096: {'MET' if m <= 4096 else 'NOT MET'})" if name.startswith("ours") else " (context)"
        print(f"d. idle {name} {n}: {m:.0f} B/conn  passes {[round(x) if x == x else None for x in v]}{tgt}")
finally:
    cleanup()
PYEOF
