# lan.py: discovery on the namespace LAN of tools/lan
#
# Copyright 2026 The Shoal authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import subprocess
import tempfile
import time

from procs import BenchError, Helper


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

    def mesh_cmd(self, host, expect, probe=False):
        """bench-node mesh on host; probe: announce with probing, as Shoal did
        before issue 12 (the baseline of the join figures)."""
        return ([self.lan, "run", f"h{host}", self.bench.node, "mesh", "--name", f"h{host}",
                 "--peers", str(expect)] + (["--mode", "probe"] if probe else []))

    def start(self, host, expect, probe=False):
        h = Helper(self.mesh_cmd(host, expect, probe), env=self.env, name=f"mesh h{host}")
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

    def join(self, members=8, probe=False):
        """Milliseconds from starting a newcomer until it and every member of
        a running mesh of `members` say they are connected to each other."""
        mesh = []
        times = []
        try:
            for i in range(1, members + 1):
                mesh.append(self.start(i, members - 1, probe))
            for h in mesh:
                self.wait_event(h, lambda o: o.get("event") == "full", timeout=30)
            for run in range(self.bench.runs):
                newcomer = self.start(members + 1, members, probe)
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

    def together(self, n, probe=False):
        times = []
        for run in range(self.bench.runs):
            # Cold starts: the previous nodes' goodbyes must have reached every
            # avahi-daemon first. (Restarting a whole mesh within milliseconds
            # of stopping it is another matter, and a known engine problem.)
            time.sleep(1.0)
            nodes = []
            try:
                for i in range(1, n + 1):
                    nodes.append(Helper(self.mesh_cmd(i, n - 1, probe), env=self.env,
                                        name=f"mesh h{i}"))
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
            return {"2 started together": self.together(2),
                    "2 started together, probing": self.together(2, probe=True),
                    "join a running mesh of 4": self.join(4),
                    "join a running mesh of 4, probing": self.join(4, probe=True),
                    "join a running mesh of 8": self.join(),
                    "8 started together": self.together(8),
                    "16 started together": self.together(16)}
        finally:
            self.lan_cmd("down", timeout=60)
