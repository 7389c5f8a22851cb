"""The DeepBench fit (benchmarks/gpu_model_fit.py) runs in the test suite: it prints the held-out
table, meets the goal docs/gpu-model.md states, and reproduces the shipped fitted.toml."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from accelbench.gpumodel.fitted import load_fitted

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    path = ROOT / "benchmarks" / "gpu_model_fit.py"
    spec = importlib.util.spec_from_file_location("gpu_model_fit", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_model_fit"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fit() -> tuple[ModuleType, object, list, str]:  # type: ignore[type-arg]
    script = _script()
    result, summary, text = script.run()
    print(text)  # the held-out table, visible with pytest -s
    return script, result, summary, text


def test_fit_prints_the_held_out_table_with_every_kind(fit: tuple) -> None:  # type: ignore[type-arg]
    _, result, _, text = fit
    assert "**Held-out devices, pooled**" in text
    for kind in ("gemm", "conv", "rnn"):
        assert f"| P100 | held-out | {kind} |" in text
    assert result.held_out == ("P100",)


def test_held_out_error_meets_the_goal_docs_state(fit: tuple) -> None:  # type: ignore[type-arg]
    script, _, summary, _ = fit
    doc = " ".join((ROOT / "docs" / "gpu-model.md").read_text().split())
    assert "median within 30 %" in doc and "inside the range for 80 %" in doc
    assert (script.GOAL_MEDIAN, script.GOAL_INSIDE) == (0.30, 0.80)
    by_kind = {s.kind: s for s in summary}
    for kind in ("gemm", "conv"):
        assert by_kind[kind].n > 100
        assert by_kind[kind].median_rel <= 0.30, by_kind[kind]
        assert by_kind[kind].inside >= 0.80, by_kind[kind]
    assert script.goal_met(summary)


def test_held_out_device_is_not_seen_by_the_fit(fit: tuple) -> None:  # type: ignore[type-arg]
    _, result, _, _ = fit
    roles = {(s.device, s.role) for s in result.scores}
    assert ("P100", "held-out") in roles and ("P100", "fit") not in roles
    assert result.n_held_out == sum(s.n for s in result.scores if s.role == "held-out")


def test_shipped_fitted_toml_is_what_the_fit_gives(fit: tuple) -> None:  # type: ignore[type-arg]
    _, result, _, _ = fit
    shipped = load_fitted()
    assert shipped.held_out == result.held_out
    for kind, (low, high) in result.ranges.items():
        assert shipped.ranges[kind] == pytest.approx((low, high), rel=0.05), "re-run benchmarks/gpu_model_fit.py --write"
    stored = {(s["device"], s["kind"]): s for s in shipped.scores}
    for score in result.scores:
        assert stored[(score.device, score.kind)]["median_rel"] == pytest.approx(score.median_rel, abs=0.03)


def test_ranges_hold_about_ninety_percent_of_the_fit_rows(fit: tuple) -> None:  # type: ignore[type-arg]
    _, result, _, _ = fit
    fit_rows = [s for s in result.scores if s.role == "fit"]
    inside = sum(s.inside * s.n for s in fit_rows) / sum(s.n for s in fit_rows)
    assert 0.85 <= inside <= 0.95
