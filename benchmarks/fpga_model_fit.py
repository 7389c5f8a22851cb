"""Fit the FPGA model's tool profiles on published hls4ml synthesis results and report their error.

Fits each profile's ``[fitted]`` constants (hls/profiles/<tool>.toml) from the ``fit`` rows of
hls/calibration/published.csv and hls/calibration/layers.csv only (roles come from the rule in each
file's header: whole sources held out) — among them the LUT-multiplier rule (``lut_mult_rule``:
"narrower" or "both", the lower median fit-row DSP error, ties to "narrower") — and each figure's error band from leave-one-source-out
refits on those fit rows (accelbench.fpga.error_bands.fit_profile: the band is the conformal
5 %/95 % order statistic of out-of-source published / modeled ratios, with their count; a side
resting on fewer than 19 own ratios is widened to the band of the ratios pooled over every fitted
profile, with the pooled count and the widened sides written too), then prints, per tool profile
and per figure (latency cycles, II, DSP, LUT, FF, BRAM18K), the median and worst relative error on ``fit`` and
``held-out`` rows separately and how often the published value lies inside the modeled range; and
the per-layer DSP error of the weight-aware multiplier mapping on real projects.

Run:  .venv/bin/python benchmarks/fpga_model_fit.py              # fit in memory, print the tables
      .venv/bin/python benchmarks/fpga_model_fit.py --write      # also write the [fitted] tables
      .venv/bin/python benchmarks/fpga_model_fit.py --markdown   # the tables as Markdown (docs)
      .venv/bin/python benchmarks/fpga_model_fit.py --summary    # held-out summary per profile (README)
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from typing import Any

from accelbench.fpga import calibration as cal
from accelbench.fpga import error_bands as eb
from accelbench.fpga.profiles import get_profile
from accelbench.locate import data_dir

LABELS = {"latency_cycles_worst": "latency", "interval": "II", "dsp": "DSP", "lut": "LUT", "ff": "FF",
          "bram18k": "BRAM18K"}


def _toml_key(key: str) -> str:
    """A bare TOML key when it reads as a name, else quoted ("-1", "7-series")."""
    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_toml_key(key)} = {_toml_value(item)}" for key, item in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(value)


def write_fitted(tool: str, fitted: dict[str, Any]) -> None:
    """Replace the ``[fitted]`` table of ``hls/profiles/<tool>.toml`` (keys not fitted keep their value)."""
    path = data_dir("hls") / "profiles" / f"{tool}.toml"
    text = path.read_text()
    head, _, tail = text.partition("\n[fitted]\n")
    current: dict[str, str] = {}
    for line in tail.splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            current[key.strip()] = value.strip()
    current.update({key: _toml_value(value) for key, value in fitted.items() if key != "fitted_on"})
    lines = [f"{key} = {value}" for key, value in current.items() if key != "fitted_on"]
    lines.append("fitted_on = [\n" + "".join(f"  {json.dumps(i)},\n" for i in fitted["fitted_on"]) + "]")
    path.write_text(head + "\n[fitted]\n# written by benchmarks/fpga_model_fit.py --write from `fit` rows only; error bands:\n"
                    "# leave-one-source-out conformal 5 %/95 %, widened to the pooled band below 19 own ratios\n"
                    "# (error_ratios own, error_pooled_ratios pooled, error_widened sides; docs/fpga-model.md)\n"
                    + "\n".join(lines) + "\n")


def _pct(value: float) -> str:
    return f"{value:.0%}"


def design_table(markdown: bool) -> list[str]:
    results = cal.evaluate()
    head = "| profile | figure | fit rows | fit median | fit worst | held-out rows | held-out median | held-out worst | held-out in range |"
    lines = [head, "|---|---|---|---|---|---|---|---|---|"] if markdown else [head.replace("|", " ").strip()]
    for tool in sorted({r.profile for r in results}):
        by_role = {role: {s.figure: s for s in cal.summarize([r for r in results if r.profile == tool
                                                               and r.role == role])}
                   for role in ("fit", "held-out")}
        for column, label in LABELS.items():
            fit, held = by_role["fit"].get(column), by_role["held-out"].get(column)
            cells = [tool, label,
                     str(fit.points) if fit else "0", _pct(fit.median) if fit else "-",
                     f"{_pct(fit.worst)} ({fit.worst_id})" if fit else "-",
                     str(held.points) if held else "0", _pct(held.median) if held else "-",
                     f"{_pct(held.worst)} ({held.worst_id})" if held else "-",
                     _pct(held.coverage) if held else "-"]
            lines.append("| " + " | ".join(cells) + " |" if markdown else "  ".join(cells))
    return lines


def summary_table() -> list[str]:
    """One Markdown row per fitted profile: held-out median error (and share inside the range) per figure."""
    results = cal.evaluate()
    lines = ["| tool profile | held-out rows | " + " | ".join(LABELS.values()) + " |",
             "|---|---|" + "---|" * len(LABELS)]
    for tool in cal.FITTED_PROFILES:
        held = [r for r in results if r.profile == tool and r.role == "held-out"]
        summary = {s.figure: s for s in cal.summarize(held)}
        cells = [f"{_pct(summary[c].median)} ({_pct(summary[c].coverage)} in range)" if c in summary else "-"
                 for c in LABELS]
        lines.append(f"| {tool} | {len(held)} | " + " | ".join(cells) + " |")
    return lines


def layer_table(markdown: bool) -> list[str]:
    head = "| profile | role | layers | DSP median error | DSP worst error | reported DSP in range |"
    lines = [head, "|---|---|---|---|---|---|"] if markdown else [head.replace("|", " ").strip()]
    rows = cal.layer_results()
    for tool in sorted({row["profile"] for row, *_ in rows}):
        for role in ("fit", "held-out"):
            picked = [(row, m, lo, hi) for row, m, lo, hi in rows
                      if row["profile"] == tool and row["role"] == role and float(row["dsp"]) > 0]
            if not picked:
                continue
            errors = [abs(m - float(row["dsp"])) / float(row["dsp"]) for row, m, _, _ in picked]
            inside = sum(lo <= float(row["dsp"]) <= hi for row, _, lo, hi in picked) / len(picked)
            cells = [tool, role, str(len(picked)), _pct(statistics.median(errors)), _pct(max(errors)), _pct(inside)]
            lines.append("| " + " | ".join(cells) + " |" if markdown else "  ".join(cells))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the fitted constants into hls/profiles")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables (docs/fpga-model.md)")
    parser.add_argument("--summary", action="store_true",
                        help="print only the held-out summary per tool profile (README), after fitting")
    args = parser.parse_args(argv)
    fits = {tool: eb.fit_profile(tool) for tool in cal.FITTED_PROFILES}
    if args.write:
        for tool, fitted in fits.items():
            write_fitted(tool, fitted)
        from accelbench.fpga import profiles

        profiles._raw.cache_clear()
        get_profile.cache_clear()
    if args.summary:
        sys.stdout.write("\n".join(summary_table()) + "\n")
        return 0
    out = ["Whole designs (hls/calibration/published.csv): relative error |modeled - published| / published;",
           "'in range': the published value lies inside the modeled [low, high].", ""]
    out += design_table(args.markdown)
    out += ["", "Weight-aware multiplier mapping, per layer of real projects with their weights "
            "(hls/calibration/layers.csv; layers with DSP > 0):", ""]
    out += layer_table(args.markdown)
    if not args.write:
        out += ["", "Fitted constants (from fit rows only):"]
        for tool, fitted in fits.items():
            shown = {key: value for key, value in fitted.items() if key != "fitted_on"}
            out.append(f"  {tool}: {json.dumps(shown)} ({len(fitted['fitted_on'])} fit rows)")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
