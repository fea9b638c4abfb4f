# report.py: the bench's table, one row per figure, Shoal beside a baseline
#
# Copyright 2026 The Shoal authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import statistics


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
            baseline_mb=None, baseline_unit=None, ratio=None, target=None, note=None,
            against=None):
        """A row. shoal/baseline_values/ratio are lists of per-run values;
        target is (on, op, limit, text) with on = "ratio" or "shoal";
        against = "dds" marks the rows whose baseline is Cyclone DDS."""
        row = {"group": group, "name": name}
        if against:
            row["against"] = against
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


def dds_targets(report):
    """Shoal's targets against Cyclone DDS: met, missed or not measured."""
    out = []
    for r in report.rows:
        if r.get("against") != "dds" or "target" not in r:
            continue
        t = {"name": r["name"], "target": r["target"]["text"], "state": "not measured"}
        if "pass" in r:
            t["state"] = "met" if r["pass"] else "missed"
            t["ratio"] = r["ratio"]["median"]
        out.append(t)
    return out
