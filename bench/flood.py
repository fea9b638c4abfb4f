# flood.py: shoald under a flood of empty messages from one peer
#
# One peer sends shoald empty UNICAST messages as fast as shoald takes
# them, while a script on shoald's bus receives every MessageReceived (as a
# script watching messages would), a second peer sends 64 B messages, and
# ListPeers is called ten times a second: by a client that stays on the bus
# (shoal-bench-dbus probe), and by a new `gdbus call` each time. Measures
# shoald's resident memory at its peak and a few seconds after the flood,
# ListPeers' latency both ways, and how long the second peer's messages took
# to come through.
#
# Copyright 2026 The Shoal authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import shutil
import statistics
import subprocess
import tempfile
import time

from procs import BenchError, Helper

SECOND_PEER_MESSAGES = 200


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise BenchError("no VmRSS")


def list_peers(env):
    """ListPeers through gdbus: (seconds, the reply's text)."""
    t0 = time.monotonic()
    out = subprocess.run(["gdbus", "call", "--session", "--dest", "org.shoal.Shoal1",
                          "--object-path", "/org/shoal/Shoal1", "--method",
                          "org.shoal.Shoal1.ListPeers"],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         timeout=30)
    return time.monotonic() - t0, out.stdout


def received_from(reply, peer_id):
    """messages-received of @peer_id in a ListPeers reply, 0 if absent."""
    for peer in reply.split("{")[1:]:
        if f"'id': <'{peer_id}'>" in peer and "'messages-received': <uint64 " in peer:
            return int(peer.split("'messages-received': <uint64 ")[1].split(">")[0])
    return 0


def arrived(watcher):
    """Whether the watcher has seen all the second peer's messages."""
    try:
        watcher.read_json(want="signals_per_s", timeout=0.01)
        return True
    except BenchError:
        return False


def gdbus_startup(env):
    """What a gdbus call costs with nothing to do: subtracted from ListPeers'."""
    t0 = time.monotonic()
    subprocess.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                    "--object-path", "/org/freedesktop/DBus", "--method",
                    "org.freedesktop.DBus.GetId"], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=30)
    return time.monotonic() - t0


def run(bench, count):
    """Returns a dict of lists, one value per measure, for one flood."""
    bus, address = bench.private_bus()
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
    state = tempfile.mkdtemp(prefix="shoal-bench-flood-")
    shoald = watcher = flood = second = probe = None
    try:
        shoald, port = bench.start_shoald(env, state)
        time.sleep(1)
        idle = rss_kib(shoald.pid)
        startup = statistics.median(gdbus_startup(env) for _ in range(5))

        # The script on the bus: takes every MessageReceived until the end,
        # and says when the second peer's 64 B ones are all in.
        watcher = Helper([bench.dbus, "signals", "--target", "shoald", "--size", "64",
                          "--count", str(SECOND_PEER_MESSAGES), "--stay"], env=env, name="signals")
        watcher.read_json(want="ready")
        flood = Helper([bench.node, "blast", "--connect", f"127.0.0.1:{port}", "--size", "0",
                        "--count", str(count)], name="flood")
        flood.read_json(want="connected", timeout=20)
        flood_id = bench.wait_connected(env, 1)[0]
        # A script already on the bus: what it waits is shoald's doing. A new
        # gdbus process each time also waits for its own start-up, which on
        # a machine the flood keeps busy is slower than the idle start-up
        # subtracted from it.
        probe = Helper([bench.dbus, "probe"], env=env, name="probe")
        probe.read_json(want="ready")

        peak = idle
        latencies = []
        second_sent = second_done = None
        started = time.monotonic()
        # A script takes some 20,000 signals a second: the flood goes no faster.
        deadline = started + max(120, count / 10000)
        received = 0
        while received < count:
            if time.monotonic() > deadline:
                raise BenchError(f"the flood did not get through in {deadline - started:.0f} s "
                                 f"({received} of {count})")
            peak = max(peak, rss_kib(shoald.pid))
            seconds, reply = list_peers(env)
            latencies.append(max(0.0, seconds - startup))
            received = max(received, received_from(reply, flood_id))
            if second is None and time.monotonic() - started > 2:
                second = Helper([bench.node, "blast", "--connect", f"127.0.0.1:{port}",
                                 "--size", "64", "--count", str(SECOND_PEER_MESSAGES)],
                                name="second peer")
                second.read_json(want="connected", timeout=20)
                second_sent = time.monotonic()
            if second is not None and second_done is None and arrived(watcher):
                second_done = time.monotonic()
            time.sleep(0.1)
        flooded = time.monotonic() - started
        probed = probe.finish(want="p99_ms")
        if second_done is None:
            watcher.read_json(want="signals_per_s", timeout=60)
            second_done = time.monotonic()
        time.sleep(5)
        after = rss_kib(shoald.pid)
        latencies.sort()
        return {
            "rate": count / flooded,
            "peak": (peak - idle) / 1024,
            "after": (after - idle) / 1024,
            "idle": idle / 1024,
            "p50": probed["p50_ms"],
            "p99": probed["p99_ms"],
            "probes": probed["count"],
            "gdbus_p50": statistics.median(latencies) * 1000,
            "gdbus_p99": latencies[min(len(latencies) - 1, int(0.99 * (len(latencies) - 1) + 0.5))] * 1000,
            "second": (second_done - second_sent) if second_sent else None,
        }
    finally:
        for h in (probe, second, flood, watcher):
            if h:
                h.stop()
        for p in (shoald, bus):
            if p:
                bench.stop_proc(p)
        shutil.rmtree(state, ignore_errors=True)
