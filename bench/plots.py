# plots.py: the bench's plots, drawn with gnuplot when it is installed
#
# Copyright 2026 The Shoal authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import shutil
import statistics
import subprocess

from procs import log


def throughput_plot(bench, results_dir):
    """One-way throughput against message size, one line a sender; returns
    the PNG's path, or None."""
    if not bench.plot:
        return None
    dat = os.path.join(results_dir, "throughput.dat")
    cols = ("per-message", "batched", "shoal", "tls", "dds")
    with open(dat, "w") as f:
        f.write("# size  " + "  ".join(f"{c}_median {c}_min {c}_max" for c in cols) + "\n")
        for size in sorted(bench.plot):
            fields = [str(size)]
            for c in cols:
                v = bench.plot[size].get(c)
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
set title "One-way throughput over loopback, two processes ({bench.machine()['cpu']})"
set logscale xy
set xrange [40:1600000]
set xlabel "message size (bytes)"
set ylabel "payload MB/s (median, bars: min-max of {bench.runs} runs)"
set xtics ("64 B" 64, "1 KiB" 1024, "64 KiB" 65536, "1 MiB" 1048576)
set key top left
set grid
plot '{dat}' using 1:2:3:4 with yerrorlines lw 2 title "raw per-message (one write per frame)", \\
 '' using 1:5:6:7 with yerrorlines lw 2 title "raw batched (64 KiB writes)", \\
 '' using 1:8:9:10 with yerrorlines lw 2 title "Shoal (libshoal, node to node)", \\
 '' using 1:11:12:13 with yerrorlines lw 2 title "raw TLS bulk (64 KiB writes, TLS 1.3)", \\
 '' using 1:14:15:16 with yerrorlines lw 2 lc rgb "#c00000" title "{bench.dds.label}, reliable, keep-all"
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

# Raw TCP baselines to set beside DDS in the DDS plot, by row name.
RAW_TCP = {"round trip": "raw ping-pong", "one-way": "raw per-message",
           "broadcast": "raw per-message 64 B"}

def dds_comparison(bench):
    """[(measure, Shoal ÷ DDS, raw TCP ÷ DDS or None)] from the table's
    DDS rows; each ratio the median of per-run ratios."""
    rows = bench.report.rows
    out = []
    for r in rows:
        if r.get("against") != "dds" or "ratio" not in r or "values" not in r["baseline"]:
            continue
        dds = r["baseline"]["values"]
        raw_ratio = None
        label = next((v for k, v in RAW_TCP.items() if r["name"].startswith(k)), None)
        raw = next((x for x in rows if x["name"] == r["name"] and label
                    and x.get("baseline", {}).get("label") == label), None)
        if raw and len(raw["baseline"].get("values", [])) == len(dds):
            raw_ratio = statistics.median(a / b for a, b in zip(raw["baseline"]["values"], dds))
        name = r["name"]
        for long, short in (("two fresh processes on loopback, both connected", "pair on loopback"),
                            ("shoald resident, idle", "idle RSS"),
                            ("shoald anonymous (heap, stacks, data), idle", "idle anonymous"),
                            ("broadcast 64 B to 4 peers", "fan-out 64 B to 4")):
            name = name.replace(long, short)
        better = "↓" if r["shoal"]["unit"] in ("µs", "ms", "KiB") else "↑"
        out.append((f"{name} ({better} better)", r["ratio"]["median"], raw_ratio))
    return out

def dds_plot(bench, results_dir):
    """Shoal, DDS and raw TCP side by side: each measure as a multiple of
    DDS's figure, so DDS stands at 1 throughout."""
    bars = dds_comparison(bench)
    if not bars or shutil.which("gnuplot") is None:
        return None
    dat = os.path.join(results_dir, "dds.dat")
    with open(dat, "w") as f:
        f.write("# measure  shoal_over_dds  dds  raw_tcp_over_dds\n")
        for name, shoal, raw in bars:
            name = name.replace('"', "'")
            f.write(f'"{name}" {shoal:.4f} 1 {raw:.4f}\n' if raw is not None
                    else f'"{name}" {shoal:.4f} 1 NaN\n')
    png = os.path.join(results_dir, "dds.png")
    raw_tcp = ""
    if any(raw is not None for _, _, raw in bars):
        raw_tcp = ", '' using 4 title \"raw TCP (one write per message; ping-pong)\""
    script = f"""
set terminal pngcairo size 1000,600 noenhanced font ",10"
set output '{png}'
set title "Shoal and raw TCP as multiples of {bench.dds.label} (median of {bench.runs} per-run ratios)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [0.01:100]
set ylabel "÷ Cyclone DDS (DDS = 1)"
set xtics rotate by -25 left
set bmargin 9
set key top right
set grid ytics
plot '{dat}' using 2:xtic(1) title "Shoal", '' using 3 title "{bench.dds.label}"{raw_tcp}
"""
    out = subprocess.run(["gnuplot"], input=script, text=True, stderr=subprocess.PIPE)
    if out.returncode != 0:
        script = script.replace("pngcairo", "png")
        out = subprocess.run(["gnuplot"], input=script, text=True, stderr=subprocess.PIPE)
    if out.returncode != 0:
        log(f"gnuplot failed: {out.stderr.strip()}")
        return None
    return png
