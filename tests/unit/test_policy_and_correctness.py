"""RunPolicy validation and the correctness gate."""

from __future__ import annotations

import numpy as np
import pytest

from accelbench.errors import UserError
from accelbench.measure.correctness import compare
from accelbench.measure.policy import RunPolicy


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"budget_s": -1}, "budget_s"),
        ({"min_samples": 0}, "min_samples"),
        ({"min_samples": 10, "max_samples": 5}, "max_samples"),
        ({"scenario": "batch"}, "scenario"),
        ({"target_rel_noise": 0}, "target_rel_noise"),
        ({"max_timer_overhead": 1.5}, "max_timer_overhead"),
    ],
)
def test_policy_rejects_bad_values_naming_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(UserError, match=field):
        RunPolicy(**kwargs)


def test_compare_passes_within_tolerance_and_reports_scale_free_error() -> None:
    ref = np.array([[1.0, -2.0], [4.0, 0.5]])
    metrics, reason = compare(ref + 1e-6, ref, rtol=1e-5)
    assert reason == ""
    assert metrics is not None
    assert metrics.max_abs == pytest.approx(1e-6)
    assert metrics.rel == pytest.approx(1e-6 / 4.0)


def test_compare_fails_beyond_tolerance_with_the_numbers() -> None:
    ref = np.ones((2, 2))
    _, reason = compare(ref * 1.1, ref, rtol=1e-3)
    assert "exceeds tolerance" in reason


def test_compare_rejects_shape_mismatch_and_non_finite_output() -> None:
    ref = np.ones((2, 3))
    assert "shape" in compare(np.ones((3, 2)), ref, 1e-3)[1]
    bad = ref.copy()
    bad[0, 0] = np.nan
    assert "non-finite" in compare(bad, ref, 1e-3)[1]


def test_compare_reports_argmax_agreement_for_classifiers() -> None:
    ref = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    out = ref.copy()
    out[0] = [0.9, 0.1]
    metrics, _ = compare(out, ref, rtol=10.0, classifier=True)
    assert metrics is not None and metrics.argmax_agreement == 0.75
