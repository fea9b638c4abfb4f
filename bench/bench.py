#!/usr/bin/env python3
# bench.py: runs Shoal's benchmarks beside their baselines and reports them
#
# Driven by tools/bench, which builds the programs first. Every figure is the
# median of --runs repetitions with its min and max; every ratio is taken
# inside one repetition (Shoal and its baseline measured back to back) and
# then summarised the same way. Cyclone DDS, through its own ddsperf (see
# dds.py), is one more baseline in the throughput, rtt, broadcast, memory and
# pair groups. Prints one Markdown table, writes the figures as JSON (and the
# table as Markdown) under bench/results/, and plots throughput against
# message size, and Shoal and raw TCP against DDS, with gnuplot when it is
# installed. Beside it, the groups measured in modules of their own: shoald.py
# (dbus, memory), meshes.py (pair, discovery), groups.py and flood.py; and
# procs.py (helper processes), report.py (the table), plots.py, lan.py (the
# namespace LAN) and dds.py.
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

from dds import Ddsperf, DdsError
import flood
import groups as group_bench
import meshes
import shoald
from plots import dds_plot, throughput_plot
from procs import BenchError, log, run_json
from report import Report, dds_targets, markdown_table, si

SIZES = [64, 1024, 65536, 1048576]
SIZE_NAMES = {64: "64 B", 1024: "1 KiB", 65536: "64 KiB", 1048576: "1 MiB"}


# Calibration: each measurement should last about `seconds`


def count_for(rate, seconds, lo, hi):
    return int(max(lo, min(hi, rate * seconds)))


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.builddir)
        self.top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.raw = os.path.join(self.build, "bench", "shoal-bench-raw")
        self.tls = os.path.join(self.build, "bench", "shoal-bench-tls")
        self.node = os.path.join(self.build, "bench", "shoal-bench-node")
        self.dbus = os.path.join(self.build, "bench", "shoal-bench-dbus")
        self.shoald = os.path.join(self.build, "src", "daemon", "shoald")
        self.runs = args.runs
        self.seconds = 0.15 if args.quick else 0.5
        self.report = Report()
        self.raw_results = []
        self.plot = {}
        self.dds = Ddsperf()
        # ddsperf reports once a second: whole seconds, after the first
        self.dds_intervals = 1 if args.quick else 2

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

    def tls_tp(self, size, count):
        return self.run([self.tls, "throughput", "--size", str(size), "--count", str(count)])

    def dds_run(self, what, *args, **kwargs):
        """One ddsperf measurement (a Ddsperf method), kept with the others."""
        try:
            res = getattr(self.dds, what)(*args, **kwargs)
        except DdsError as e:
            raise BenchError(f"DDS: {e}")
        self.raw_results.append(res)
        return res

    def dds_label(self, error, what=""):
        return self.dds.label + what + (f" (not measured: {error})" if error else "")

    def calibrated(self, fn, size, rate_key="msgs_per_s"):
        """Runs fn(count) once small to learn the rate, returns a count
        that takes about self.seconds."""
        probe = max(200, min(20000, (4 << 20) // max(size, 1)))
        rate = fn(probe)[rate_key]
        return count_for(rate, self.seconds, 100, 50_000_000)

    def bench_throughput(self):
        group = "throughput"
        node_error = None if os.path.exists(self.node) else "the libshoal engine is not built"
        tls_error = None if os.path.exists(self.tls) else "bench-tls is not built"
        dds_error = self.dds.unavailable()
        # DDS at every size for the plot; --quick only where its targets are.
        dds_sizes = (64, 1048576) if self.args.quick else SIZES
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
            if tls_error is None:
                try:
                    counts["tls"] = self.calibrated(lambda c: self.tls_tp(size, c), size)
                except BenchError as e:
                    tls_error = str(e)
            series = {k: {"msgs": [], "mb": []}
                      for k in ("per-message", "batched", "shoal", "tls", "dds")}
            ratio_pm, ratio_b, ratio_tls, ratio_dds = [], [], [], []
            for i in range(self.runs):
                pm = self.raw_tp("per-message", size, counts["per-message"])
                b = self.raw_tp("batched", size, counts["batched"])
                for k, r in (("per-message", pm), ("batched", b)):
                    series[k]["msgs"].append(r["msgs_per_s"])
                    series[k]["mb"].append(r["mb_per_s"])
                t = None
                if tls_error is None:
                    try:
                        t = self.tls_tp(size, counts["tls"])
                        series["tls"]["msgs"].append(t["msgs_per_s"])
                        series["tls"]["mb"].append(t["mb_per_s"])
                    except BenchError as e:
                        tls_error = str(e)
                        t = None
                d = None
                if size in dds_sizes and dds_error is None:
                    try:
                        d = self.dds_run("throughput", size, self.dds_intervals)
                        series["dds"]["msgs"].append(d["msgs_per_s"])
                        series["dds"]["mb"].append(d["mb_per_s"])
                    except BenchError as e:
                        dds_error = str(e)
                        d = None
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
                    if t is not None:
                        ratio_tls.append(s["msgs_per_s"] / t["msgs_per_s"])
                    if d is not None:
                        ratio_dds.append(s["msgs_per_s"] / d["msgs_per_s"])
            if node_error is not None:
                series["shoal"] = {"msgs": [], "mb": []}
                ratio_pm = ratio_b = ratio_tls = ratio_dds = []
            if tls_error is not None:
                series["tls"] = {"msgs": [], "mb": []}
                ratio_tls = []
            if dds_error is not None:
                series["dds"] = {"msgs": [], "mb": []}
                ratio_dds = []
            # Protocol 2's targets: 64 B against what a naive sender gets
            # from plain TCP, 1 MiB against bulk TLS on the same library.
            target_pm = {64: 2.0, 1024: 2.0}.get(size)
            target_tls = {1048576: 0.8}.get(size)
            self.report.add(group, f"one-way {sn}", series["shoal"]["msgs"], "msgs/s",
                            mb=series["shoal"]["mb"], baseline="raw per-message",
                            baseline_values=series["per-message"]["msgs"],
                            baseline_mb=series["per-message"]["mb"], ratio=ratio_pm,
                            target=("ratio", ">=", target_pm, f"≥ {target_pm:g}×") if target_pm else None,
                            note=node_error)
            self.report.add(group, f"one-way {sn}", series["shoal"]["msgs"], "msgs/s",
                            mb=series["shoal"]["mb"], baseline="raw batched",
                            baseline_values=series["batched"]["msgs"],
                            baseline_mb=series["batched"]["mb"], ratio=ratio_b, note=node_error)
            self.report.add(group, f"one-way {sn}", series["shoal"]["msgs"], "msgs/s",
                            mb=series["shoal"]["mb"],
                            baseline="raw TLS bulk" + (f" (not measured: {tls_error})" if tls_error else ""),
                            baseline_values=series["tls"]["msgs"],
                            baseline_mb=series["tls"]["mb"], ratio=ratio_tls,
                            target=("ratio", ">=", target_tls, f"≥ {target_tls:g}×") if target_tls else None,
                            note=node_error)
            if size in dds_sizes:
                # Shoal's target against DDS: twice its small-message rate.
                target_dds = {64: 2.0}.get(size)
                self.report.add(group, f"one-way {sn}", series["shoal"]["msgs"], "msgs/s",
                                mb=series["shoal"]["mb"],
                                baseline=self.dds_label(dds_error, ", reliable, keep-all"),
                                baseline_values=series["dds"]["msgs"],
                                baseline_mb=series["dds"]["mb"], ratio=ratio_dds,
                                target=("ratio", ">=", target_dds, f"≥ {target_dds:g}× DDS")
                                if target_dds else None, note=node_error, against="dds")
            log(f"  one-way {sn}: raw per-message {si(statistics.median(series['per-message']['msgs']))}, "
                f"raw batched {si(statistics.median(series['batched']['msgs']))}"
                + (f", raw TLS bulk {si(statistics.median(series['tls']['msgs']))}" if series["tls"]["msgs"] else "")
                + (f", DDS {si(statistics.median(series['dds']['msgs']))}" if series["dds"]["msgs"] else "")
                + (f", Shoal {si(statistics.median(series['shoal']['msgs']))}" if ratio_pm else "")
                + " msgs/s")
            self.plot[size] = {k: v["mb"] for k, v in series.items() if v["mb"]}

    def bench_rtt(self):
        group = "latency"
        count = 3000 if self.args.quick else 20000
        warmup = 500 if self.args.quick else 2000
        raw50, raw99, s50, s99, r50, r99 = [], [], [], [], [], []
        d50, d99, rd50, rd99 = [], [], [], []
        error = None if os.path.exists(self.node) else "the libshoal engine is not built"
        dds_error = self.dds.unavailable()
        for i in range(self.runs):
            r = self.run([self.raw, "pingpong", "--size", "64", "--count", str(count),
                          "--warmup", str(warmup)])
            raw50.append(r["p50_us"])
            raw99.append(r["p99_us"])
            d = None
            if dds_error is None:
                try:
                    d = self.dds_run("rtt", 64, self.dds_intervals)
                    d50.append(d["p50_us"])
                    d99.append(d["p99_us"])
                except BenchError as e:
                    dds_error = str(e)
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
                if d is not None:
                    rd50.append(s["p50_us"] / d["p50_us"])
                    rd99.append(s["p99_us"] / d["p99_us"])
        if error is not None:
            s50 = s99 = r50 = r99 = rd50 = rd99 = []
        if dds_error is not None:
            d50 = d99 = rd50 = rd99 = []
        dds_label = self.dds_label(dds_error, " ping ⇄ pong")
        self.report.add(group, "round trip 64 B, p50", s50, "µs", baseline="raw ping-pong",
                        baseline_values=raw50, ratio=r50,
                        target=("ratio", "<=", 1.5, "≤ 1.5×"), note=error)
        self.report.add(group, "round trip 64 B, p50", s50, "µs", baseline=dds_label,
                        baseline_values=d50, ratio=rd50,
                        target=("ratio", "<=", 1.0, "≤ 1× DDS"), note=error, against="dds")
        self.report.add(group, "round trip 64 B, p99", s99, "µs", baseline="raw ping-pong",
                        baseline_values=raw99, ratio=r99, note=error)
        self.report.add(group, "round trip 64 B, p99", s99, "µs", baseline=dds_label,
                        baseline_values=d99, ratio=rd99, note=error, against="dds")
        log(f"  round trip p50: raw {statistics.median(raw50):.1f} µs"
            + (f", DDS {statistics.median(d50):.1f} µs" if d50 else "")
            + (f", Shoal {statistics.median(s50):.1f} µs" if s50 else ""))

    def bench_tls(self):
        """Link set-up: TCP connect, TLS handshake and HELLO both ways, Shoal
        beside raw TLS links made the same way (bench-tls setup)."""
        group = "tls"
        count = 50 if self.args.quick else 200
        warmup = "3"
        raw50, raw99, s50, s99, r50 = [], [], [], [], []
        raw_error = None if os.path.exists(self.tls) else "bench-tls is not built"
        error = None if os.path.exists(self.node) else "the libshoal engine is not built"
        for i in range(self.runs):
            r = None
            if raw_error is None:
                try:
                    r = self.run([self.tls, "setup", "--count", str(count), "--warmup", warmup])
                    raw50.append(r["p50_ms"])
                    raw99.append(r["p99_ms"])
                except BenchError as e:
                    raw_error = str(e)
            if error is None:
                try:
                    s = self.run([self.node, "setup", "--count", str(count), "--warmup", warmup])
                except BenchError as e:
                    error = str(e)
                    continue
                s50.append(s["p50_ms"])
                s99.append(s["p99_ms"])
                if r is not None:
                    r50.append(s["p50_ms"] / r["p50_ms"])
        if error is not None:
            s50 = s99 = r50 = []
        if raw_error is not None:
            raw50 = raw99 = r50 = []
        label = "raw TLS 1.3: connect, handshake, 211 B each way"
        if raw_error is not None:
            label += f" (not measured: {raw_error})"
        self.report.add(group, "link set-up (connect to HELLO), median", s50, "ms", baseline=label,
                        baseline_values=raw50, ratio=r50,
                        target=("shoal", "<=", 5.0, "≤ 5 ms"), note=error)
        self.report.add(group, "link set-up (connect to HELLO), p99", s99, "ms", baseline=label,
                        baseline_values=raw99, note=error)
        log("  link set-up median: "
            + (f"raw TLS {statistics.median(raw50):.2f} ms" if raw50 else "raw TLS not measured")
            + (f", Shoal {statistics.median(s50):.2f} ms" if s50 else ""))

    def bench_broadcast(self):
        group = "broadcast"
        pm_count = self.calibrated(lambda c: self.raw_tp("per-message", 64, c), 64)
        for peers in (4, 8):
            name = f"broadcast 64 B to {peers} peers"
            target = ("ratio", ">=", 4.0, "≥ 4×") if peers == 4 else None
            deliveries, ratios, raw = [], [], []
            # DDS fans out to 4 subscribers: one ddsperf pub, 4 ddsperf sub.
            dds, dds_ratios = [], []
            dds_error = self.dds.unavailable() if peers == 4 else "only to 4"
            error = None if os.path.exists(self.node) else "the libshoal engine is not built"
            try:
                if error is None:
                    probe = self.run([self.node, "broadcast", "--peers", str(peers), "--size", "64",
                                      "--count", "20000"])
                    count = count_for(probe["deliveries_per_s"] / peers, self.seconds, 1000, 10_000_000)
                for i in range(self.runs):
                    pm = self.raw_tp("per-message", 64, pm_count)
                    raw.append(pm["msgs_per_s"])
                    d = None
                    if dds_error is None:
                        try:
                            d = self.dds_run("throughput", 64, self.dds_intervals, subs=peers)
                            dds.append(d["msgs_per_s"])
                        except BenchError as e:
                            dds_error = str(e)
                    if error is None:
                        s = self.run([self.node, "broadcast", "--peers", str(peers), "--size", "64",
                                      "--count", str(count)])
                        deliveries.append(s["deliveries_per_s"])
                        ratios.append(s["deliveries_per_s"] / pm["msgs_per_s"])
                        if d is not None:
                            dds_ratios.append(s["deliveries_per_s"] / d["msgs_per_s"])
            except BenchError as e:
                error = str(e)
                deliveries = ratios = dds_ratios = []
            self.report.add(group, name, deliveries, "deliveries/s",
                            baseline="raw per-message 64 B", baseline_values=raw,
                            baseline_unit="msgs/s",
                            ratio=ratios, target=target, note=error)
            if peers == 4:
                if dds_error is not None:
                    dds = dds_ratios = []
                self.report.add(group, name, deliveries, "deliveries/s",
                                baseline=self.dds_label(dds_error, f": one pub, {peers} subs"),
                                baseline_values=dds, ratio=dds_ratios, note=error, against="dds")
            if deliveries:
                log(f"  broadcast to {peers}: {si(statistics.median(deliveries))} deliveries/s"
                    + (f", DDS {si(statistics.median(dds))}" if dds else ""))

    # shoald on a bus of our own, for shoald.py and flood.py

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

    # What acknowledgements cost, and a flood through shoald

    def bench_acks(self):
        """What acknowledgements cost: 64 B one-way to a sink that acknowledges
        nothing (the sender keeps everything), beside the usual sink."""
        group = "acks"
        name = "64 B one-way, with acknowledgements"
        if not os.path.exists(self.node):
            self.report.add(group, name, note="the libshoal engine is not built")
            return

        def no_acks(count):
            return self.run([self.node, "throughput", "--size", "64", "--count", str(count),
                             "--mode", "no-acks"])

        count = self.calibrated(lambda c: self.node_tp(64, c), 64)
        with_acks, without, ratio = [], [], []
        for i in range(self.runs):
            a = self.node_tp(64, count)
            n = no_acks(count)
            self.raw_results += [a, n]
            with_acks.append(a["msgs_per_s"])
            without.append(n["msgs_per_s"])
            ratio.append(a["msgs_per_s"] / n["msgs_per_s"])
        self.report.add(group, name, with_acks, "msgs/s",
                        baseline="the same to a sink that acknowledges nothing",
                        baseline_values=without, ratio=ratio,
                        target=("ratio", ">=", 0.9, "≥ 0.9× (acks cost ≤ 10 %)"))
        log(f"  64 B one-way: {si(statistics.median(with_acks))} msgs/s with acks, "
            f"{si(statistics.median(without))} without")

    def bench_flood(self):
        group = "flood"
        count = 1_000_000 if self.args.quick else 10_000_000
        names = ("peak resident over idle", "resident over idle, 5 s after", "ListPeers p99",
                 "ListPeers p99 through a new gdbus process each time",
                 "flood rate", "second peer: 200 messages through")
        error = None
        if shutil.which("dbus-daemon") is None or shutil.which("gdbus") is None:
            error = "dbus-daemon or gdbus is not installed"
        elif not (os.path.exists(self.shoald) and os.path.exists(self.node)):
            error = "shoald or the libshoal engine is not built"
        r = {}
        if error is None:
            try:
                # One flood: ten million messages take minutes.
                r = flood.run(self, count)
                self.raw_results.append(dict(r, bench="flood", count=count))
            except BenchError as e:
                error = str(e)
        what = f"{si(count)} empty UNICAST from one peer, one run"
        self.report.add(group, names[0], [r["peak"]] if r else [], "MiB", baseline=what,
                        target=("shoal", "<=", 64, "≤ idle + 64 MiB"), note=error)
        self.report.add(group, names[1], [r["after"]] if r else [], "MiB",
                        target=("shoal", "<=", 16, "≤ idle + 16 MiB"), note=error)
        self.report.add(group, names[2], [r["p99"]] if r else [], "ms",
                        baseline="a client on the bus, ten calls a second",
                        target=("shoal", "<=", 50, "≤ 50 ms"), note=error)
        self.report.add(group, names[3], [r["gdbus_p99"]] if r else [], "ms",
                        baseline="its idle start-up subtracted", note=error)
        self.report.add(group, names[4], [r["rate"]] if r else [], "msgs/s",
                        baseline="every one a MessageReceived to a script on the bus", note=error)
        self.report.add(group, names[5], [r["second"]] if r and r["second"] else [], "s",
                        note=error)
        if r:
            log(f"  flood: {si(r['rate'])} msgs/s, idle {r['idle']:.1f} MiB, peak +{r['peak']:.1f} MiB, "
                f"+{r['after']:.1f} MiB after, ListPeers p50 {r['p50']:.1f} ms p99 {r['p99']:.1f} ms "
                f"(through gdbus: p50 {r['gdbus_p50']:.1f} ms p99 {r['gdbus_p99']:.1f} ms), "
                f"second peer {r['second']:.2f} s")

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

def main():
    ap = argparse.ArgumentParser(description="Shoal's benchmarks against their baselines")
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--quick", action="store_true", help="short runs (about two minutes)")
    ap.add_argument("--runs", type=int, default=5, help="repetitions per figure (at least 5)")
    ap.add_argument("--only",
                    default="throughput,rtt,tls,broadcast,groups,dbus,memory,acks,flood,pair,discovery",
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
              "tls": bench.bench_tls, "broadcast": bench.bench_broadcast,
              "groups": lambda: group_bench.bench_groups(bench),
              "dbus": lambda: shoald.bench_dbus(bench),
              "memory": lambda: shoald.bench_memory(bench), "acks": bench.bench_acks,
              "flood": bench.bench_flood, "pair": lambda: meshes.bench_pair(bench),
              "discovery": lambda: meshes.bench_discovery(bench)}
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
           "rows": bench.report.rows, "measurements": bench.raw_results,
           "dds": {"label": bench.dds.label, "version": bench.dds.version,
                   "domain": bench.dds.domain,
                   "cyclonedds_uri": bench.dds.env()["CYCLONEDDS_URI"],
                   "targets": dds_targets(bench.report)}}
    for name in (f"bench-{stamp}.json", "latest.json"):
        with open(os.path.join(results_dir, name), "w") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
    png = throughput_plot(bench, results_dir)
    dds_png = dds_plot(bench, results_dir)
    with open(os.path.join(results_dir, "latest.md"), "w") as f:
        f.write(f"Measured {doc['date']} on {machine['cpu']} ({machine['cores']} cores, "
                f"Linux {machine['kernel']}); median of {args.runs} runs"
                f"{', --quick' if args.quick else ''}.\n\n{table}\n")

    print(f"Shoal benchmarks on {machine['cpu']} ({machine['cores']} cores), "
          f"median of {args.runs} runs{' (--quick)' if args.quick else ''}:\n")
    print(table)
    print(f"\nJSON: {os.path.join(results_dir, 'latest.json')}"
          + (f"\nplot: {png}" if png else "")
          + (f"\nplot: {dds_png}" if dds_png else "")
          + f"\ntook {doc['seconds']:.0f} s")
    targets = dds_targets(bench.report)
    if targets:
        print(f"\nagainst {bench.dds.label}:")
        for t in targets:
            print(f"  {t['name']}, {t['target']}: {t['state']}"
                  + (f" ({si(t['ratio'])}×)" if "ratio" in t else ""))
    failed = [f"{r['name']} ({r['target']['text']})" for r in bench.report.rows
              if r.get("pass") is False]
    if failed:
        print(f"targets missed: {len(failed)}: " + "; ".join(failed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
