# groups.py: a message to a group against a broadcast, per delivery
#
# shoal-bench-groups links one node to 8 sinks, 4 of them in a group, and
# another node to 4 sinks; in one process it sends messages to the group
# (4 deliveries each, out of 8 peers) and broadcasts (4 deliveries each),
# alternating, and prints both. The figure is the group's per-delivery rate
# and sender CPU against the broadcast's: a group message should cost no
# more per delivery (the sender filters to the members and encodes once).
# Beside them, once per bench, the instructions a delivery costs each kind,
# at the sender and at the recipients, counted under valgrind: steady where
# the timings are not.
#
# Copyright 2026 The Shoal authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import glob
import os
import shutil
import statistics
import subprocess
import tempfile

from procs import BenchError, log, run_json


MEMBERS = 4  # as in bench-groups.c


def bench_groups(bench):
    group = "groups"
    program = os.path.join(bench.build, "bench", "shoal-bench-groups")
    # A measurement of 100 k messages lasts a third of a second, within the
    # noise of a 2-core machine: each process measures both, in alternating
    # order, after a round that warms both up. The machine drifts by 10 %
    # from one run to the next; each round's ratio compares two neighbouring
    # measurements, and 20 of them give a median that holds from run to run
    # (4 gave medians from 0.95 to 1.13 for the same code).
    count = 50_000 if bench.args.quick else 200_000
    rounds = 4 if bench.args.quick else 20
    rates, baseline, ratios = [], [], []
    cpu, baseline_cpu, cpu_ratios = [], [], []
    error = None if os.path.exists(program) else "shoal-bench-groups is not built"
    if error is None:
        try:
            for _ in range(bench.runs):
                r = run_json([program, "--count", str(count), "--rounds", str(rounds)], timeout=300)
                bench.raw_results.append(dict(r))
                rates.append(r["group_deliveries_per_s"])
                baseline.append(r["broadcast_deliveries_per_s"])
                ratios.append(r["ratio"])
                cpu.append(r["group_cpu_us_per_delivery"])
                baseline_cpu.append(r["broadcast_cpu_us_per_delivery"])
                cpu_ratios.append(r["cpu_ratio"])
        except BenchError as e:
            error = str(e)
            rates = baseline = ratios = cpu = baseline_cpu = cpu_ratios = []
    bench.report.add(group, "to a group: 64 B to 4 members of 8 peers", rates, "deliveries/s",
                     baseline="broadcast 64 B to 4 peers, same run", baseline_values=baseline,
                     ratio=ratios, target=("ratio", ">=", 1.0, "≥ 1× the broadcast's rate"),
                     note=error)
    bench.report.add(group, "to a group: sender CPU per delivery", cpu, "µs",
                     baseline="broadcast to 4 peers, same run", baseline_values=baseline_cpu,
                     ratio=cpu_ratios, target=("ratio", "<=", 1.0, "≤ 1× the broadcast's"),
                     note=error)
    if rates:
        log(f"  to a group: {statistics.median(rates):.0f} deliveries/s, broadcast "
            f"{statistics.median(baseline):.0f}; CPU per delivery ×{statistics.median(cpu_ratios):.2f}")
    bench_group_instructions(bench, program if error is None else None)


# Timings on a 2-core machine shared by 13 processes scatter by ±5 % from
# one run to the next, more than a message to a group and a broadcast
# differ by. Instructions do not: valgrind counts every one each process
# executes, sender and sinks, whatever the scheduler does. Each kind runs
# alone (its own sender and sinks) with two message counts: the difference
# between the two runs is what the extra messages cost, without the start,
# the handshakes and the stop, which both runs pay alike.
def count_instructions(program, kind, count, rounds):
    """Returns (sender, sinks): the instructions each side executed."""
    out = tempfile.mkdtemp(prefix="shoal-bench-cachegrind-")
    try:
        proc = subprocess.Popen(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--trace-children=yes",
                                 f"--cachegrind-out-file={out}/%p.out", program, "--only", kind,
                                 "--count", str(count), "--rounds", str(rounds)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            _, err = proc.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise BenchError(f"valgrind {kind}: no end within 600 s")
        if proc.returncode != 0:
            lines = [l for l in err.splitlines() if l.strip()]
            raise BenchError(f"valgrind {kind}: exit {proc.returncode}: {lines[-1] if lines else ''}")
        sender = sinks = 0
        for path in glob.glob(os.path.join(out, "*.out")):
            with open(path) as f:
                total = next((int(l.split()[1]) for l in f if l.startswith("summary:")), None)
            if total is None:
                raise BenchError(f"valgrind {kind}: no count in {os.path.basename(path)}")
            # valgrind runs the program in the process it was started as:
            # the sender's count bears that pid, the sinks' their own.
            if os.path.basename(path) == f"{proc.pid}.out":
                sender += total
            else:
                sinks += total
        return sender, sinks
    finally:
        shutil.rmtree(out, ignore_errors=True)


def bench_group_instructions(bench, program):
    group = "groups"
    counts = (2_000, 6_000) if bench.args.quick else (5_000, 15_000)
    rounds = 2
    per = {}
    error = None
    if program is None:
        error = "shoal-bench-groups is not built"
    elif shutil.which("valgrind") is None:
        error = "valgrind is not installed (apt-get install valgrind)"
    else:
        try:
            for kind in ("group", "broadcast"):
                low = count_instructions(program, kind, counts[0], rounds)
                high = count_instructions(program, kind, counts[1], rounds)
                deliveries = (counts[1] - counts[0]) * rounds * MEMBERS
                per[kind] = [(high[i] - low[i]) / deliveries for i in range(2)]
        except BenchError as e:
            error = str(e)
            per = {}
    # The target is the sender's, as for its CPU time: it filters the
    # members and encodes once. A member also reads the group's name and
    # hands it on, which a broadcast has none of: printed, not judged.
    for side, what in ((0, "sender"), (1, "recipients"), (None, "sender and recipients")):
        def figure(kind):
            return sum(per[kind]) if side is None else per[kind][side]
        values = [figure("group")] if per else []
        base = [figure("broadcast")] if per else []
        bench.report.add(group, f"to a group: instructions per delivery, {what}", values,
                         "instructions", baseline="broadcast to 4 peers, counted alike",
                         baseline_values=base, ratio=[values[0] / base[0]] if per else [],
                         target=("ratio", "<=", 1.0, "≤ 1× the broadcast's") if side == 0 else None,
                         note=error)
    if per:
        log(f"  to a group: {sum(per['group']):.0f} instructions per delivery, broadcast "
            f"{sum(per['broadcast']):.0f} (sender {per['group'][0]:.0f} against "
            f"{per['broadcast'][0]:.0f}, recipients {per['group'][1]:.0f} against {per['broadcast'][1]:.0f})")
