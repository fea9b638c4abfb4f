#!/usr/bin/env python3
# bench.py: runs Shoal's benchmarks beside their baselines and reports them
#
# Driven by tools/bench, which builds the programs first. Every figure is the
# median of --runs repetitions with its min and max; every ratio is taken
# inside one repetition (Shoal and its baseline measured back to back) and
# then summarised the same way. Prints one Markdown table, writes the figures
# as JSON (and the table as Markdown) under bench/results/, and plots
# throughput against message size with gnuplot when it is installed.
#
# Copyright 2026 The Shoal authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import datetime
import json
import os
import platform
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SIZES = [64, 1024, 65536, 1048576]
SIZE_NAMES = {64: "64 B", 1024: "1 KiB", 65536: "64 KiB", 1048576: "1 MiB"}


class BenchError(Exception):
    """A measurement could not be taken; its rows say why."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# Helpers: processes we start, and lines they print


class Helper:
    """A process that prints JSON lines and exits when its stdin closes.
    Its stderr goes to a log file, quoted when it fails."""

    def __init__(self, argv, env=None, name=None):
        self.name = name or os.path.basename(argv[0])
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, env=env)
        self.buf = b""
        self.lines = []

    def last_error(self):
        self.log.seek(0)
        lines = [l for l in self.log.read().splitlines() if l.strip()]
        return lines[-1] if lines else ""

    def read_json(self, timeout=30.0, want=None):
        """Returns the next JSON line (with key `want`, if given). Reads the
        pipe unbuffered: select() must see every byte not yet parsed."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                line = line.decode(errors="replace").strip()
                if not line.startswith("{"):
                    continue
                obj = json.loads(line)
                self.lines.append(obj)
                if want is None or want in obj:
                    return obj
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError(f"{self.name}: no answer within {timeout:.0f} s")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise BenchError(f"{self.name}: exited with {self.proc.wait()}: {self.last_error()}")
            self.buf += chunk

    def stop(self, timeout=10.0):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                # Our own child, by pid.
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.log):
            try:
                f.close()
            except OSError:
                pass


def run_json(argv, env=None, timeout=120.0):
    """Runs a measuring program to its end and returns its JSON result."""
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{os.path.basename(argv[0])} {argv[1]} took over {timeout:.0f} s")
    if out.returncode != 0:
        err = out.stderr.strip().splitlines()
        raise BenchError(f"{os.path.basename(argv[0])} {argv[1]} failed: "
                         f"{err[-1] if err else 'exit ' + str(out.returncode)}")
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise BenchError(f"{os.path.basename(argv[0])} {argv[1]} printed no result")


# The report: one row per figure, Shoal beside its baseline when it has one


def summarise(values, unit):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "unit": unit, "values": values}


def si(x):
    """Three significant digits with a k/M suffix: 1.23 M, 535 k, 13.9."""
    ax = abs(x)
    for div, suffix in ((1e9, " G"), (1e6, " M"), (1e4, " k")):
        if ax >= div:
            v = x / div
            if suffix == " k":
                v, suffix = x / 1e3, " k"
            return f"{v:.3g}{suffix}" if abs(v) < 1000 else f"{v:,.0f}{suffix}"
    return f"{x:.3g}" if ax < 1000 else f"{x:,.0f}"


class Report:
    def __init__(self):
        self.rows = []

    def add(self, group, name, shoal=None, unit="", mb=None, baseline=None, baseline_values=None,
            baseline_mb=None, baseline_unit=None, ratio=None, target=None, note=None):
        """A row. shoal/baseline_values/ratio are lists of per-run values;
        target is (on, op, limit, text) with on = "ratio" or "shoal"."""
        row = {"group": group, "name": name}
        if shoal:
            row["shoal"] = summarise(shoal, unit)
            if mb:
                row["shoal"]["mb_per_s"] = summarise(mb, "MB/s")
        if baseline:
            row["baseline"] = {"label": baseline}
            if baseline_values:
                row["baseline"].update(summarise(baseline_values, baseline_unit or unit))
                if baseline_mb:
                    row["baseline"]["mb_per_s"] = summarise(baseline_mb, "MB/s")
        if ratio:
            row["ratio"] = summarise(ratio, "×")
        if target:
            on, op, limit, text = target
            row["target"] = {"on": on, "op": op, "limit": limit, "text": text}
            fig = row.get(on)
            if fig:
                row["pass"] = fig["median"] >= limit if op == ">=" else fig["median"] <= limit
        if note and not shoal:
            row["not_measured"] = note
        self.rows.append(row)


def cell(fig):
    if not fig or "median" not in fig:
        return ""
    out = f"{si(fig['median'])} {fig['unit']} ({si(fig['min'])} – {si(fig['max'])})"
    if "mb_per_s" in fig:
        out += f", {si(fig['mb_per_s']['median'])} MB/s"
    return out.replace(" ×", "×")


def markdown_table(report):
    out = ["| measure | Shoal | baseline | Shoal ÷ baseline | target | met |",
           "| --- | --- | --- | --- | --- | --- |"]
    for r in report.rows:
        base = r.get("baseline")
        base_cell = ""
        if base:
            base_cell = base["label"] + (": " + cell(base) if "median" in base else "")
        shoal_cell = cell(r.get("shoal")) or f"not measured: {r.get('not_measured', '')}"
        mark = ""
        if "pass" in r:
            mark = "yes" if r["pass"] else "**no**"
        out.append(f"| {r['name']} | {shoal_cell} | {base_cell} | {cell(r.get('ratio'))} | "
                   f"{r.get('target', {}).get('text', '')} | {mark} |")
    return "\n".join(out)


# Calibration: each measurement should last about `seconds`


def count_for(rate, seconds, lo, hi):
    return int(max(lo, min(hi, rate * seconds)))


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.builddir)
        self.top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.raw = os.path.join(self.build, "bench", "shoal-bench-raw")
        self.node = os.path.join(self.build, "bench", "shoal-bench-node")
        self.dbus = os.path.join(self.build, "bench", "shoal-bench-dbus")
        self.shoald = os.path.join(self.build, "src", "daemon", "shoald")
        self.runs = args.runs
        self.seconds = 0.15 if args.quick else 0.5
        self.report = Report()
        self.raw_results = []
        self.plot = {}

    def run(self, argv, env=None):
        res = run_json(argv, env=env)
        self.raw_results.append(res)
        return res

    # Raw and node-to-node throughput, round trip, broadcast

    def raw_tp(self, mode, size, count):
        return self.run([self.raw, "throughput", "--mode", mode, "--size", str(size),
                         "--count", str(count)])

    def node_tp(self, size, count):
        return self.run([self.node, "throughput", "--size", str(size), "--count", str(count)])

    def calibrated(self, fn, size, rate_key="msgs_per_s"):
        """Runs fn(count) once small to learn the rate, returns a count
        that takes about self.seconds."""
        probe = max(200, min(20000, (4 << 20) // max(size, 1)))
        rate = fn(probe)[rate_key]
        return count_for(rate, self.seconds, 100, 50_000_000)

    def bench_throughput(self):
        group = "throughput"
        node_error = None if os.path.exists(self.node) else "the libshoal engine is not built"
        for size in SIZES:
            sn = SIZE_NAMES[size]
            counts = {
                "per-message": self.calibrated(lambda c: self.raw_tp("per-message", size, c), size),
                "batched": self.calibrated(lambda c: self.raw_tp("batched", size, c), size),
            }
            if node_error is None:
                try:
                    counts["shoal"] = self.calibrated(lambda c: self.node_tp(size, c), size)
                except BenchError as e:
                    node_error = str(e)
            series = {k: {"msgs": [], "mb": []} for k in ("per-message", "batched", "shoal")}
            ratio_pm, ratio_b = [], []
            for i in range(self.runs):
                pm = self.raw_tp("per-message", size, counts["per-message"])
                b = self.raw_tp("batched", size, counts["batched"])
                for k, r in (("per-message", pm), ("batched", b)):
                    series[k]["msgs"].append(r["msgs_per_s"])
                    series[k]["mb"].append(r["mb_per_s"])
                if node_error is None:
                    try:
                        s = self.node_tp(size, counts["shoal"])
                    except BenchError as e:
                        node_error = str(e)
                        continue
                    series["shoal"]["msgs"].append(s["msgs_per_s"])
                    series["shoal"]["mb"].append(s["mb_per_s"])
                    ratio_pm.append(s["msgs_per_s"] / pm["msgs_per_s"])
                    ratio_b.append(s["msgs_per_s"] / b["msgs_per_s"])
            if node_error is not None:
                series["shoal"] = {"msgs": [], "mb": []}
                ratio_pm = ratio_b = []
            target_pm = {64: 4.0, 1024: 2.0}.get(size)
            target_b = {1048576: 0.8}.get(size)
            self.report.add(group, f"one-way {sn}", series["shoal"]["msgs"], "msgs/s",
                            mb=series["shoal"]["mb"], baseline="raw per-message",
                            baseline_values=series["per-message"]["msgs"],
                            baseline_mb=series["per-message"]["mb"], ratio=ratio_pm,
                            target=("ratio", ">=", target_pm, f"≥ {target_pm:g}×") if target_pm else None,
                            note=node_error)
            self.report.add(group, f"one-way {sn}", series["shoal"]["msgs"], "msgs/s",
                            mb=series["shoal"]["mb"], baseline="raw batched",
                            baseline_values=series["batched"]["msgs"],
                            baseline_mb=series["batched"]["mb"], ratio=ratio_b,
                            target=("ratio", ">=", target_b, f"≥ {target_b:g}×") if target_b else None,
                            note=node_error)
            log(f"  one-way {sn}: raw per-message {si(statistics.median(series['per-message']['msgs']))}, "
                f"raw batched {si(statistics.median(series['batched']['msgs']))}"
                + (f", Shoal {si(statistics.median(series['shoal']['msgs']))}" if ratio_pm else "")
                + " msgs/s")
            self.plot[size] = {k: v["mb"] for k, v in series.items() if v["mb"]}

    def bench_rtt(self):
        group = "latency"
        count = 3000 if self.args.quick else 20000
        warmup = 500 if self.args.quick else 2000
        raw50, raw99, s50, s99, r50, r99 = [], [], [], [], [], []
        error = None if os.path.exists(self.node) else "the libshoal engine is not built"
        for i in range(self.runs):
            r = self.run([self.raw, "pingpong", "--size", "64", "--count", str(count),
                          "--warmup", str(warmup)])
            raw50.append(r["p50_us"])
            raw99.append(r["p99_us"])
            if error is None:
                try:
                    s = self.run([self.node, "rtt", "--size", "64", "--count", str(count),
                                  "--warmup", str(warmup)])
                except BenchError as e:
                    error = str(e)
                    continue
                s50.append(s["p50_us"])
                s99.append(s["p99_us"])
                r50.append(s["p50_us"] / r["p50_us"])
                r99.append(s["p99_us"] / r["p99_us"])
        if error is not None:
            s50 = s99 = r50 = r99 = []
        self.report.add(group, "round trip 64 B, p50", s50, "µs", baseline="raw ping-pong",
                        baseline_values=raw50, ratio=r50,
                        target=("ratio", "<=", 1.5, "≤ 1.5×"), note=error)
        self.report.add(group, "round trip 64 B, p99", s99, "µs", baseline="raw ping-pong",
                        baseline_values=raw99, ratio=r99, note=error)
        log(f"  round trip p50: raw {statistics.median(raw50):.1f} µs"
            + (f", Shoal {statistics.median(s50):.1f} µs" if s50 else ""))

    def bench_broadcast(self):
        group = "broadcast"
        pm_count = self.calibrated(lambda c: self.raw_tp("per-message", 64, c), 64)
        for peers in (4, 8):
            name = f"broadcast 64 B to {peers} peers"
            target = ("ratio", ">=", 4.0, "≥ 4×") if peers == 4 else None
            deliveries, ratios, raw = [], [], []
            error = None if os.path.exists(self.node) else "the libshoal engine is not built"
            try:
                if error is None:
                    probe = self.run([self.node, "broadcast", "--peers", str(peers), "--size", "64",
                                      "--count", "20000"])
                    count = count_for(probe["deliveries_per_s"] / peers, self.seconds, 1000, 10_000_000)
                for i in range(self.runs):
                    pm = self.raw_tp("per-message", 64, pm_count)
                    raw.append(pm["msgs_per_s"])
                    if error is None:
                        s = self.run([self.node, "broadcast", "--peers", str(peers), "--size", "64",
                                      "--count", str(count)])
                        deliveries.append(s["deliveries_per_s"])
                        ratios.append(s["deliveries_per_s"] / pm["msgs_per_s"])
            except BenchError as e:
                error = str(e)
                deliveries = ratios = []
            self.report.add(group, name, deliveries, "deliveries/s",
                            baseline="raw per-message 64 B", baseline_values=raw,
                            baseline_unit="msgs/s",
                            ratio=ratios, target=target, note=error)
            if deliveries:
                log(f"  broadcast to {peers}: {si(statistics.median(deliveries))} deliveries/s")

    # The D-Bus path

    def private_bus(self):
        """Starts a dbus-daemon of our own; returns (Popen, address)."""
        proc = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1",
                                 "--address=unix:tmpdir=" + tempfile.gettempdir()],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready, _, _ = select.select([proc.stdout], [], [], 10)
        line = proc.stdout.readline().strip() if ready else ""
        if not line:
            self.stop_proc(proc)
            raise BenchError("dbus-daemon did not start")
        return proc, line

    def start_shoald(self, env, state_dir, extra=()):
        argv = [self.shoald, "--name", "bench", "--port", "0", "--listen", "127.0.0.1",
                "--state-dir", state_dir,
                "--no-avahi", "--bus", "session", *extra]
        log_file = tempfile.TemporaryFile(mode="w+")
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=log_file, env=env)
        log_file.close()  # the child keeps its own descriptor
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise BenchError(f"shoald exited with {proc.returncode}")
            out = subprocess.run(["gdbus", "call", "--session", "--dest", "org.shoal.Shoal1",
                                  "--object-path", "/org/shoal/Shoal1", "--method",
                                  "org.freedesktop.DBus.Properties.Get", "org.shoal.Shoal1", "Port"],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if out.returncode == 0 and "uint16" in out.stdout:
                # "(<uint16 40123>,)"
                port = int(out.stdout.split("uint16")[1].split(">")[0])
                if port:
                    return proc, port
            time.sleep(0.05)
        self.stop_proc(proc)
        raise BenchError("shoald did not appear on the bus within 10 s")

    @staticmethod
    def stop_proc(proc, timeout=10):
        """Stops a process we started, by its pid."""
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        for f in (proc.stdout, proc.stderr):
            if f:
                f.close()

    @staticmethod
    def connected_peers(env):
        """The ids shoald lists as connected."""
        out = subprocess.run(["gdbus", "call", "--session", "--dest", "org.shoal.Shoal1",
                              "--object-path", "/org/shoal/Shoal1", "--method",
                              "org.shoal.Shoal1.ListPeers"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ids = []
        # One dictionary per peer: {'id': <'…'>, …, 'connected': <true>, …}
        for peer in out.stdout.split("{")[1:]:
            if "'connected': <true>" in peer and "'id': <'" in peer:
                ids.append(peer.split("'id': <'")[1][:32])
        return ids

    def wait_connected(self, env, n, ids=(), timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            got = self.connected_peers(env)
            if len(got) >= n and all(i in got for i in ids):
                return got
            if time.monotonic() > deadline:
                raise BenchError(f"shoald lists {len(got)} connected peers, not {n}")
            time.sleep(0.05)

    def bench_dbus(self):
        group = "D-Bus"
        names = ("Send 64 B through shoald", "MessageReceived 64 B from shoald")
        if shutil.which("dbus-daemon") is None:
            for n in names:
                self.report.add(group, n, note="dbus-daemon is not installed")
            return
        bus, address = self.private_bus()
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
        echo = shoald = sink = None
        state = tempfile.mkdtemp(prefix="shoal-bench-")
        window = "16"

        def calls(target, count, peer=None):
            argv = [self.dbus, "calls", "--target", target, "--count", str(count),
                    "--window", window, "--size", "64"]
            if peer:
                argv += ["--peer", peer]
            return self.run(argv, env=env)

        def signals(target, count):
            sub = Helper([self.dbus, "signals", "--target", target, "--size", "64",
                          "--count", str(count)], env=env, name="signals")
            blast = None
            try:
                sub.read_json(want="ready")
                if target == "shoald":
                    blast = Helper([self.node, "blast", "--connect", f"127.0.0.1:{port}",
                                    "--size", "64", "--count", str(count)], name="blast")
                res = sub.read_json(want="signals_per_s", timeout=120)
            finally:
                sub.stop()
                if blast:
                    blast.stop()
            self.raw_results.append(res)
            return res

        empty, send, ratio_send = [], [], []
        bare, received, ratio_sig = [], [], []
        error = None
        if not (os.path.exists(self.shoald) and os.path.exists(self.node)):
            error = "shoald or the libshoal engine is not built"
        try:
            echo = Helper([self.dbus, "echo-service"], env=env, name="echo-service")
            echo.read_json(want="ready")
            n_calls = self.calibrated(lambda c: calls("echo", c), 0, "calls_per_s")
            n_signals = self.calibrated(lambda c: signals("echo", c), 0, "signals_per_s")
            if error is None:
                try:
                    sink = Helper([self.node, "sink", "--mode", "count", "--count", "0"], name="sink")
                    sink_info = sink.read_json(want="port")
                    shoald, port = self.start_shoald(env, state,
                                                     ["--peer", f"127.0.0.1:{sink_info['port']}"])
                    self.wait_connected(env, 1, [sink_info["id"]])
                except BenchError as e:
                    error = str(e)
            for i in range(self.runs):
                e = calls("echo", n_calls)
                empty.append(e["calls_per_s"])
                b = signals("echo", n_signals)
                bare.append(b["signals_per_s"])
                if error is not None:
                    continue
                try:
                    s = calls("shoald", n_calls, sink_info["id"])
                    r = signals("shoald", n_signals)
                except BenchError as ex:
                    error = str(ex)
                    continue
                send.append(s["calls_per_s"])
                ratio_send.append(s["calls_per_s"] / e["calls_per_s"])
                received.append(r["signals_per_s"])
                ratio_sig.append(r["signals_per_s"] / b["signals_per_s"])
        finally:
            for p in (shoald, bus):
                if p:
                    self.stop_proc(p)
            for h in (sink, echo):
                if h:
                    h.stop()
            shutil.rmtree(state, ignore_errors=True)
        if error is not None:
            send = received = ratio_send = ratio_sig = []
        self.report.add(group, names[0], send, "calls/s",
                        baseline=f"empty GDBus method call, {window} in flight", baseline_values=empty,
                        ratio=ratio_send, target=("ratio", ">=", 0.8, "≥ 0.8×"), note=error)
        self.report.add(group, names[1], received, "signals/s",
                        baseline="bare GDBus signal of the same size", baseline_values=bare,
                        ratio=ratio_sig, target=("ratio", ">=", 0.8, "≥ 0.8×"), note=error)
        log(f"  D-Bus: empty call {si(statistics.median(empty))}/s, bare signal "
            f"{si(statistics.median(bare))}/s"
            + (f", Send {si(statistics.median(send))}/s, MessageReceived "
               f"{si(statistics.median(received))}/s" if send and received else ""))

    # Memory

    @staticmethod
    def rss_kib(pid):
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise BenchError("no VmRSS")

    def bench_memory(self):
        group = "memory"
        names = ("shoald resident, idle", "shoald resident, 16 peers connected",
                 "shoald per connected peer")
        targets = (("shoal", "<=", 6 * 1024, "≤ 6 MiB"), None, ("shoal", "<=", 64, "≤ 64 KiB"))
        idle, full, per = [], [], []
        error = None
        if not (os.path.exists(self.shoald) and os.path.exists(self.node)):
            error = "shoald or the libshoal engine is not built"
        settle = 0.5 if self.args.quick else 1.0
        bus = None
        try:
            if error is None:
                bus, address = self.private_bus()
                env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
            for i in range(self.runs if error is None else 0):
                state = tempfile.mkdtemp(prefix="shoal-bench-")
                shoald = peers = None
                try:
                    shoald, port = self.start_shoald(env, state)
                    time.sleep(settle)
                    a = self.rss_kib(shoald.pid)
                    peers = Helper([self.node, "peers", "--connect", f"127.0.0.1:{port}",
                                    "--peers", "16"], name="peers")
                    peers.read_json(want="connected")
                    self.wait_connected(env, 16)
                    time.sleep(settle)
                    b = self.rss_kib(shoald.pid)
                    idle.append(a)
                    full.append(b)
                    per.append((b - a) / 16)
                finally:
                    if peers:
                        peers.stop()
                    if shoald:
                        self.stop_proc(shoald)
                    shutil.rmtree(state, ignore_errors=True)
        except BenchError as e:
            error = str(e)
            idle = full = per = []
        finally:
            if bus:
                self.stop_proc(bus)
        for name, values, target in zip(names, (idle, full, per), targets):
            self.report.add(group, name, values, "KiB", target=target, note=error)
        if idle:
            log(f"  memory: idle {si(statistics.median(idle))} KiB, "
                f"{statistics.median(per):.1f} KiB per peer")

    # Discovery on the namespace LAN

    def bench_discovery(self):
        group = "discovery"
        rows = (("join a running mesh of 8", ("shoal", "<=", 300, "≤ 300 ms")),
                ("8 started together", ("shoal", "<=", 1500, "≤ 1.5 s")),
                ("16 started together", None))
        lan = os.path.join(self.top, "tools", "lan")
        error = None
        if os.geteuid() != 0:
            error = "needs root for the namespace LAN"
        elif not os.path.exists(lan):
            error = "tools/lan (the namespace LAN harness) is missing"
        elif not os.path.exists(self.node):
            error = "the libshoal engine is not built"
        results = {}
        if error is None:
            try:
                results = LanDiscovery(self, lan).run()
            except BenchError as e:
                error = str(e)
        for name, target in rows:
            self.report.add(group, name, results.get(name, []), "ms", target=target,
                            note=error or "no result")
            if results.get(name):
                log(f"  {name}: {statistics.median(results[name]):.0f} ms")

    # Output

    def machine(self):
        cpu = "unknown CPU"
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        cpu = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release()}

    def write_plot(self, results_dir):
        if not self.plot:
            return None
        dat = os.path.join(results_dir, "throughput.dat")
        cols = ("per-message", "batched", "shoal")
        with open(dat, "w") as f:
            f.write("# size  " + "  ".join(f"{c}_median {c}_min {c}_max" for c in cols) + "\n")
            for size in sorted(self.plot):
                fields = [str(size)]
                for c in cols:
                    v = self.plot[size].get(c)
                    fields += [f"{statistics.median(v):.3f}", f"{min(v):.3f}", f"{max(v):.3f}"] \
                        if v else ["NaN", "NaN", "NaN"]
                f.write(" ".join(fields) + "\n")
        if shutil.which("gnuplot") is None:
            log("gnuplot is not installed: no plot (tools/bench installs it when run as root)")
            return None
        png = os.path.join(results_dir, "throughput.png")
        script = f"""
set terminal pngcairo size 900,560 noenhanced font ",11"
set output '{png}'
set title "One-way throughput over loopback, two processes ({self.machine()['cpu']})"
set logscale xy
set xrange [40:1600000]
set xlabel "message size (bytes)"
set ylabel "payload MB/s (median, bars: min-max of {self.runs} runs)"
set xtics ("64 B" 64, "1 KiB" 1024, "64 KiB" 65536, "1 MiB" 1048576)
set key top left
set grid
plot '{dat}' using 1:2:3:4 with yerrorlines lw 2 title "raw per-message (one write per frame)", \\
     '' using 1:5:6:7 with yerrorlines lw 2 title "raw batched (64 KiB writes)", \\
     '' using 1:8:9:10 with yerrorlines lw 2 title "Shoal (libshoal, node to node)"
"""
        out = subprocess.run(["gnuplot"], input=script, text=True, stderr=subprocess.PIPE)
        if out.returncode != 0:
            # pngcairo may be missing from a minimal gnuplot: fall back to png
            script = script.replace("pngcairo", "png")
            out = subprocess.run(["gnuplot"], input=script, text=True, stderr=subprocess.PIPE)
        if out.returncode != 0:
            log(f"gnuplot failed: {out.stderr.strip()}")
            return None
        return png


# Discovery on the namespace LAN (tools/lan): nodes with mDNS discovery in
# separate network namespaces, each logging on the shared monotonic clock
# when it started and when it saw each peer connected.


class LanDiscovery:
    HOSTS = 16

    def __init__(self, bench, lan):
        self.bench = bench
        self.lan = lan
        # A LAN of our own, beside any other a developer may have up.
        self.env = dict(os.environ, LAN_ROOT=os.path.join(tempfile.gettempdir(), "shoal-bench-lan"),
                        LAN_PREFIX="sbn", SHOAL_BUILDDIR=bench.build)

    def lan_cmd(self, *args, timeout=180):
        out = subprocess.run([self.lan, *args], env=self.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, timeout=timeout)
        if out.returncode != 0:
            raise BenchError(f"tools/lan {args[0]} failed: {out.stderr.strip()[-300:]}")

    def start(self, host, expect):
        h = Helper([self.lan, "run", f"h{host}", self.bench.node, "mesh", "--name", f"h{host}",
                    "--peers", str(expect)], env=self.env, name=f"mesh h{host}")
        h.info = h.read_json(want="id", timeout=20)
        return h

    @staticmethod
    def wait_event(helper, pred, timeout=20):
        for obj in helper.lines:
            if pred(obj):
                return obj
        deadline = time.monotonic() + timeout
        while True:
            try:
                obj = helper.read_json(timeout=max(0.01, deadline - time.monotonic()))
            except BenchError as e:
                seen = sum(1 for o in helper.lines if o.get("event") == "connected")
                raise BenchError(f"{e} ({seen} peers connected; {helper.last_error()})")
            if pred(obj):
                return obj

    @staticmethod
    def stop_all(helpers):
        for h in helpers:
            try:
                h.proc.stdin.close()
            except OSError:
                pass
        for h in helpers:
            h.stop()

    def join(self):
        mesh = []
        times = []
        try:
            for i in range(1, 9):
                mesh.append(self.start(i, 7))
            for h in mesh:
                self.wait_event(h, lambda o: o.get("event") == "full", timeout=30)
            for run in range(self.bench.runs):
                newcomer = self.start(9, 8)
                try:
                    nid, t0 = newcomer.info["id"], newcomer.info["t_us"]
                    ends = [self.wait_event(newcomer, lambda o: o.get("event") == "full")["t_us"]]
                    for h in mesh:
                        ends.append(self.wait_event(h, lambda o: o.get("peer") == nid)["t_us"])
                    times.append((max(ends) - t0) / 1000)
                finally:
                    self.stop_all([newcomer])
                # Let the mesh see it leave before the next one comes.
                time.sleep(0.3)
        finally:
            self.stop_all(mesh)
        return times

    def together(self, n):
        times = []
        for run in range(self.bench.runs):
            # Cold starts: the previous nodes' goodbyes must have reached every
            # avahi-daemon first. (Restarting a whole mesh within milliseconds
            # of stopping it is another matter, and a known engine problem.)
            time.sleep(1.0)
            nodes = []
            try:
                for i in range(1, n + 1):
                    nodes.append(Helper([self.lan, "run", f"h{i}", self.bench.node, "mesh",
                                         "--name", f"h{i}", "--peers", str(n - 1)],
                                        env=self.env, name=f"mesh h{i}"))
                starts = [self.wait_event(h, lambda o: o.get("event") == "start")["t_us"]
                          for h in nodes]
                fulls = [self.wait_event(h, lambda o: o.get("event") == "full", timeout=30)["t_us"]
                         for h in nodes]
                times.append((max(fulls) - max(starts)) / 1000)
            finally:
                self.stop_all(nodes)
        return times

    def run(self):
        self.lan_cmd("down", timeout=60)  # whatever an interrupted run left
        self.lan_cmd("up", str(self.HOSTS))
        try:
            return {"join a running mesh of 8": self.join(),
                    "8 started together": self.together(8),
                    "16 started together": self.together(16)}
        finally:
            self.lan_cmd("down", timeout=60)


def main():
    ap = argparse.ArgumentParser(description="Shoal's benchmarks against their baselines")
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--quick", action="store_true", help="short runs (about two minutes)")
    ap.add_argument("--runs", type=int, default=5, help="repetitions per figure (at least 5)")
    ap.add_argument("--only", default="throughput,rtt,broadcast,dbus,memory,discovery",
                    help="comma-separated groups to run")
    ap.add_argument("--results", default=None, help="directory for JSON, table and plot")
    args = ap.parse_args()
    if args.runs < 5:
        ap.error("--runs must be at least 5: every figure is a median of five or more")

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    bench = Bench(args)
    results_dir = args.results or os.path.join(bench.top, "bench", "results")
    os.makedirs(results_dir, exist_ok=True)
    started = time.monotonic()
    groups = {"throughput": bench.bench_throughput, "rtt": bench.bench_rtt,
              "broadcast": bench.bench_broadcast, "dbus": bench.bench_dbus,
              "memory": bench.bench_memory, "discovery": bench.bench_discovery}
    for name in args.only.split(","):
        if name not in groups:
            ap.error(f"unknown group {name}")
        log(f"{name} …")
        t0 = time.monotonic()
        try:
            groups[name]()
        except BenchError as e:
            log(f"  {name} failed: {e}")
            bench.report.add(name, name, note=str(e))
        log(f"  ({time.monotonic() - t0:.0f} s)")

    machine = bench.machine()
    table = markdown_table(bench.report)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    doc = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": machine,
           "quick": args.quick, "runs": args.runs, "seconds": round(time.monotonic() - started, 1),
           "rows": bench.report.rows, "measurements": bench.raw_results}
    for name in (f"bench-{stamp}.json", "latest.json"):
        with open(os.path.join(results_dir, name), "w") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
    png = bench.write_plot(results_dir)
    with open(os.path.join(results_dir, "latest.md"), "w") as f:
        f.write(f"Measured {doc['date']} on {machine['cpu']} ({machine['cores']} cores, "
                f"Linux {machine['kernel']}); median of {args.runs} runs"
                f"{', --quick' if args.quick else ''}.\n\n{table}\n")

    print(f"Shoal benchmarks on {machine['cpu']} ({machine['cores']} cores), "
          f"median of {args.runs} runs{' (--quick)' if args.quick else ''}:\n")
    print(table)
    print(f"\nJSON: {os.path.join(results_dir, 'latest.json')}"
          + (f"\nplot: {png}" if png else "")
          + f"\ntook {doc['seconds']:.0f} s")
    failed = [r["name"] for r in bench.report.rows if r.get("pass") is False]
    if failed:
        print(f"targets missed: {len(failed)}: " + "; ".join(failed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
