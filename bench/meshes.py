# meshes.py: how long nodes take to find each other
#
# The pair group: two fresh bench-node processes on loopback, each told the
# other's address, until both are connected, beside Cyclone DDS matching
# its endpoints the same way. The discovery group: nodes with mDNS on the
# namespace LAN (lan.py), joining a running mesh or starting together.
#
# Copyright 2026 The Shoal authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import socket
import statistics
import time

from lan import LanDiscovery
from procs import BenchError, Helper, log


# Two fresh processes on loopback find each other

def free_ports(n):
    """n ports free on 127.0.0.1 now (the kernel's choice; let go at once)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def shoal_pair(bench):
    """Milliseconds from starting the first of two bench-node processes,
    each told the other's address, until both say the other is connected
    (g_get_monotonic_time() and time.monotonic() read the same clock)."""
    a, b = free_ports(2)
    nodes = []
    try:
        t0 = time.monotonic()
        for name, port, other in (("pair-a", a, b), ("pair-b", b, a)):
            nodes.append(Helper([bench.node, "mesh", "--name", name, "--peers", "1",
                                 "--port", str(port), "--connect", f"127.0.0.1:{other}"],
                                name=f"mesh {name}"))
        ends = [LanDiscovery.wait_event(h, lambda o: o.get("event") == "full")["t_us"]
                for h in nodes]
    finally:
        LanDiscovery.stop_all(nodes)
    res = {"bench": "shoal-pair", "ms": (max(ends) / 1e6 - t0) * 1000}
    bench.raw_results.append(res)
    return res


def bench_pair(bench):
    """What discovery costs where both sides are told where to look: two
    fresh processes on 127.0.0.1, from starting them until each has the
    other, Shoal (static peers: TCP, TLS, HELLO) beside Cyclone DDS
    (unicast SPDP to 127.0.0.1, then every reader and writer matched)."""
    group = "pair"
    shoal, dds, ratio = [], [], []
    error = None if os.path.exists(bench.node) else "the libshoal engine is not built"
    dds_error = bench.dds.unavailable()
    for i in range(bench.runs):
        s = None
        if error is None:
            try:
                s = shoal_pair(bench)["ms"]
                shoal.append(s)
            except BenchError as e:
                error = str(e)
        if dds_error is None:
            try:
                d = bench.dds_run("match")["ms"]
                dds.append(d)
                if s is not None:
                    ratio.append(s / d)
            except BenchError as e:
                dds_error = str(e)
    if error is not None:
        shoal = ratio = []
    if dds_error is not None:
        dds = ratio = []
    bench.report.add(group, "two fresh processes on loopback, both connected", shoal, "ms",
                    baseline=bench.dds_label(dds_error, ": all endpoints matched"),
                    baseline_values=dds, ratio=ratio, note=error, against="dds")
    log("  pair: " + (f"Shoal {statistics.median(shoal):.1f} ms" if shoal else "Shoal not measured")
        + (f", DDS {statistics.median(dds):.1f} ms" if dds else ""))


# Discovery on the namespace LAN

def bench_discovery(bench):
    group = "discovery"
    rows = (("join a running mesh of 8", ("shoal", "<=", 300, "≤ 300 ms")),
            ("8 started together", ("shoal", "<=", 1500, "≤ 1.5 s")),
            ("16 started together", None))
    lan = os.path.join(bench.top, "tools", "lan")
    error = None
    if os.geteuid() != 0:
        error = "needs root for the namespace LAN"
    elif not os.path.exists(lan):
        error = "tools/lan (the namespace LAN harness) is missing"
    elif not os.path.exists(bench.node):
        error = "the libshoal engine is not built"
    results = {}
    if error is None:
        try:
            results = LanDiscovery(bench, lan).run()
        except BenchError as e:
            error = str(e)
    # Joins beside the same joins with the service probed before it is
    # announced, as Shoal did before issue 12 (raw records, no probing).
    for name, target in (("2 started together", ("shoal", "<=", 300, "≤ 300 ms")),
                         ("join a running mesh of 4", ("shoal", "<=", 200, "≤ 200 ms"))):
        shoal, probing = results.get(name, []), results.get(name + ", probing", [])
        ratio = [a / b for a, b in zip(shoal, probing)] if shoal and probing else []
        bench.report.add(group, name, shoal, "ms",
                        baseline="the same, the service probed first (before issue 12)",
                        baseline_values=probing, ratio=ratio, target=target,
                        note=error or "no result")
        if shoal and probing:
            log(f"  {name}: {statistics.median(shoal):.0f} ms, probing "
                f"{statistics.median(probing):.0f} ms, ratio {statistics.median(ratio):.2f}")
    for name, target in rows:
        bench.report.add(group, name, results.get(name, []), "ms", target=target,
                        note=error or "no result")
        if results.get(name):
            log(f"  {name}: {statistics.median(results[name]):.0f} ms")
