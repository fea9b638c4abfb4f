# shoald.py: what a program pays to use Shoal through shoald
#
# The D-Bus group: Send through shoald and MessageReceived from it, beside
# an empty GDBus method call and a bare GDBus signal on the same private
# bus. The memory group: shoald's resident set idle and with 16
# connected peers, beside an idle Cyclone DDS participant. bench.py starts
# the bus and shoald (Bench.private_bus, Bench.start_shoald) and reports.
#
# Copyright 2026 The Shoal authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import shutil
import statistics
import tempfile
import time

from dds import DdsError, memory_kib
from procs import BenchError, Helper, log
from report import si


# The D-Bus path

def bench_dbus(bench):
    group = "D-Bus"
    names = ("Send 64 B through shoald", "MessageReceived 64 B from shoald")
    if shutil.which("dbus-daemon") is None:
        for n in names:
            bench.report.add(group, n, note="dbus-daemon is not installed")
        return
    bus, address = bench.private_bus()
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
    echo = shoald = sink = None
    state = tempfile.mkdtemp(prefix="shoal-bench-")
    window = "16"

    def calls(target, count, peer=None):
        argv = [bench.dbus, "calls", "--target", target, "--count", str(count),
                "--window", window, "--size", "64"]
        if peer:
            argv += ["--peer", peer]
        return bench.run(argv, env=env)

    def signals(target, count):
        sub = Helper([bench.dbus, "signals", "--target", target, "--size", "64",
                      "--count", str(count)], env=env, name="signals")
        blast = None
        try:
            sub.read_json(want="ready")
            if target == "shoald":
                blast = Helper([bench.node, "blast", "--connect", f"127.0.0.1:{port}",
                                "--size", "64", "--count", str(count)], name="blast")
            res = sub.read_json(want="signals_per_s", timeout=120)
        finally:
            sub.stop()
            if blast:
                blast.stop()
        bench.raw_results.append(res)
        return res

    empty, send, ratio_send = [], [], []
    bare, received, ratio_sig = [], [], []
    error = None
    if not (os.path.exists(bench.shoald) and os.path.exists(bench.node)):
        error = "shoald or the libshoal engine is not built"
    try:
        echo = Helper([bench.dbus, "echo-service"], env=env, name="echo-service")
        echo.read_json(want="ready")
        n_calls = bench.calibrated(lambda c: calls("echo", c), 0, "calls_per_s")
        n_signals = bench.calibrated(lambda c: signals("echo", c), 0, "signals_per_s")
        if error is None:
            try:
                sink = Helper([bench.node, "sink", "--mode", "count", "--count", "0"], name="sink")
                sink_info = sink.read_json(want="port")
                shoald, port = bench.start_shoald(env, state,
                                                 ["--peer", f"127.0.0.1:{sink_info['port']}"])
                bench.wait_connected(env, 1, [sink_info["id"]])
            except BenchError as e:
                error = str(e)
        for i in range(bench.runs):
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
                bench.stop_proc(p)
        for h in (sink, echo):
            if h:
                h.stop()
        shutil.rmtree(state, ignore_errors=True)
    if error is not None:
        send = received = ratio_send = ratio_sig = []
    bench.report.add(group, names[0], send, "calls/s",
                    baseline=f"empty GDBus method call, {window} in flight", baseline_values=empty,
                    ratio=ratio_send, target=("ratio", ">=", 0.8, "≥ 0.8×"), note=error)
    bench.report.add(group, names[1], received, "signals/s",
                    baseline="bare GDBus signal of the same size", baseline_values=bare,
                    ratio=ratio_sig, target=("ratio", ">=", 0.8, "≥ 0.8×"), note=error)
    log(f"  D-Bus: empty call {si(statistics.median(empty))}/s, bare signal "
        f"{si(statistics.median(bare))}/s"
        + (f", Send {si(statistics.median(send))}/s, MessageReceived "
           f"{si(statistics.median(received))}/s" if send and received else ""))


# Memory

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise BenchError("no VmRSS")


def bench_memory(bench):
    group = "memory"
    names = ("shoald resident, idle", "shoald resident, 16 peers connected",
             "shoald per connected peer")
    targets = (("shoal", "<=", 6 * 1024, "≤ 6 MiB"), None, ("shoal", "<=", 64, "≤ 64 KiB"))
    idle, full, per, anon = [], [], [], []
    dds, dds_ratio, dds_anon, anon_ratio = [], [], [], []
    error = None
    dds_error = bench.dds.unavailable()
    if not (os.path.exists(bench.shoald) and os.path.exists(bench.node)):
        error = "shoald or the libshoal engine is not built"
    settle = 0.5 if bench.args.quick else 1.0
    bus = None
    try:
        if error is None:
            bus, address = bench.private_bus()
            env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
    except BenchError as e:
        error = str(e)
    for i in range(bench.runs):
        if error is None:
            state = tempfile.mkdtemp(prefix="shoal-bench-")
            shoald = peers = None
            try:
                shoald, port = bench.start_shoald(env, state)
                time.sleep(settle)
                a = rss_kib(shoald.pid)
                try:
                    u = memory_kib(shoald.pid)[1]
                except (OSError, DdsError) as e:
                    raise BenchError(f"shoald's anonymous memory: {e}")
                peers = Helper([bench.node, "peers", "--connect", f"127.0.0.1:{port}",
                                "--peers", "16"], name="peers")
                peers.read_json(want="connected")
                bench.wait_connected(env, 16)
                time.sleep(settle)
                b = rss_kib(shoald.pid)
                idle.append(a)
                anon.append(u)
                full.append(b)
                per.append((b - a) / 16)
            except BenchError as e:
                error = str(e)
            finally:
                if peers:
                    peers.stop()
                if shoald:
                    bench.stop_proc(shoald)
                shutil.rmtree(state, ignore_errors=True)
        # The same settling time for an idle DDS participant.
        if dds_error is None:
            try:
                d = bench.dds_run("idle_rss", settle)
                dds.append(d["rss_kib"])
                dds_anon.append(d["anon_kib"])
                if error is None:
                    dds_ratio.append(idle[-1] / d["rss_kib"])
                    anon_ratio.append(anon[-1] / d["anon_kib"])
            except BenchError as e:
                dds_error = str(e)
    if bus:
        bench.stop_proc(bus)
    if error is not None:
        idle = full = per = anon = dds_ratio = anon_ratio = []
    if dds_error is not None:
        dds = dds_ratio = dds_anon = anon_ratio = []
    for n, (name, values, target) in enumerate(zip(names, (idle, full, per), targets)):
        bench.report.add(group, name, values, "KiB", target=target, note=error)
        if n == 0:
            bench.report.add(group, name, idle, "KiB",
                            baseline=bench.dds_label(dds_error, ": one idle participant"),
                            baseline_values=dds, ratio=dds_ratio,
                            target=("ratio", "<=", 1.0, "≤ 1× DDS"), note=error,
                            against="dds")
            # What the process allocated itself, beside the library pages
            # VmRSS counts in full for every process that maps them.
            bench.report.add(group, "shoald anonymous (heap, stacks, data), idle", anon, "KiB",
                            baseline=bench.dds_label(dds_error, ": one idle participant"),
                            baseline_values=dds_anon, ratio=anon_ratio, note=error,
                            against="dds")
    if idle:
        log(f"  memory: idle {si(statistics.median(idle))} KiB"
            + (f" (DDS {si(statistics.median(dds))} KiB)" if dds else "")
            + f", {statistics.median(per):.1f} KiB per peer")
