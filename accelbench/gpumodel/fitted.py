"""Read and write fitted.toml: the constants benchmarks/gpu_model_fit.py fitted, the per-kind
ranges (multipliers of a prediction) and the fit's held-out scores."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from accelbench.gpumodel.equations import Constants
from accelbench.gpumodel.fit import FitResult, Score

FITTED_PATH = Path(__file__).resolve().parent / "fitted.toml"
#: Power of an active GPU as a fraction of TDP at zero utilisation (not fitted: DeepBench has no
#: power data). Power = TDP x (IDLE_FRACTION + (1 - IDLE_FRACTION) x utilisation).
IDLE_FRACTION = 0.3


@dataclass(frozen=True)
class Fitted:
    """What the model runs with: constants, per-kind ranges, and where they came from."""

    constants: Constants
    ranges: dict[str, tuple[float, float]]
    held_out: tuple[str, ...]
    scores: list[dict[str, Any]]
    source: str


@cache
def load_fitted(path: Path = FITTED_PATH) -> Fitted:
    """Parse fitted.toml (cached)."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    constants = Constants(**{name: float(data["constants"][name]) for name in Constants.names()})
    ranges = {kind: (float(v[0]), float(v[1])) for kind, v in data["ranges"].items()}
    return Fitted(constants, ranges, tuple(data["fit"]["held_out"]), list(data.get("score", [])),
                  str(data["fit"]["source"]))


def _score_toml(score: Score) -> str:
    return (f'[[score]]\ndevice = "{score.device}"\nkind = "{score.kind}"\nrole = "{score.role}"\n'
            f"n = {score.n}\nmedian_rel = {score.median_rel:.4f}\nworst_rel = {score.worst_rel:.4f}\n"
            f"inside = {score.inside:.4f}\n")


def render(result: FitResult, source: str) -> str:
    """fitted.toml text for a fit result."""
    lines = [
        "# Written by benchmarks/gpu_model_fit.py --write: do not edit by hand (re-run the script).",
        "# Constants in SI units (seconds, fractions, elements); ranges are multipliers of a prediction",
        "# (5th/95th percentile of measured / predicted over the fit rows, per kind).",
        "",
        "[fit]",
        f'source = "{source}"',
        "held_out = [" + ", ".join(f'"{d}"' for d in result.held_out) + "]",
        f"n_fit_rows = {result.n_fit}",
        f"n_held_out_rows = {result.n_held_out}",
        "",
        "[constants]",
        *(f"{name} = {getattr(result.constants, name):.6g}" for name in Constants.names()),
        "",
        "[ranges]",
        *(f"{kind} = [{low:.4f}, {high:.4f}]" for kind, (low, high) in result.ranges.items()),
        "",
    ]
    return "\n".join(lines) + "\n" + "\n".join(_score_toml(s) for s in result.scores)
