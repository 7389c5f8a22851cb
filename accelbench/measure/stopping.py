"""When to stop sampling: noise target reached, budget spent, or sample cap hit."""

from __future__ import annotations

from collections.abc import Sequence

from accelbench.measure.policy import RunPolicy
from accelbench.results.stats import relative_noise, relative_noise_sorted


def stop_reason(samples_s: Sequence[float], elapsed_s: float, policy: RunPolicy,
                noise_test: bool = True, sorted_samples: Sequence[float] | None = None) -> str | None:
    """Why sampling should stop now, or None to keep going.

    The minimum sample count is honoured before the noise target; the time budget and the sample
    cap end sampling even when the noise target was not reached (the record then says so).
    ``noise_test=False`` skips the noise target for this call (budget and cap still apply).
    ``sorted_samples``, the same samples in ascending order, makes the noise test O(1): the runner
    keeps them sorted as they arrive instead of sorting all of them after every sample.
    """
    n = len(samples_s)
    if n >= policy.max_samples:
        return f"max_samples ({policy.max_samples}) reached"
    if n >= policy.min_samples:
        if noise_test or elapsed_s >= policy.budget_s:
            noise = relative_noise_sorted(sorted_samples) if sorted_samples is not None else relative_noise(samples_s)
            if noise <= policy.target_rel_noise:
                return f"noise {noise:.2%} <= target {policy.target_rel_noise:.2%}"
            if elapsed_s >= policy.budget_s:
                return f"budget {policy.budget_s:g} s spent (noise {noise:.2%} above target)"
    elif elapsed_s >= max(policy.budget_s, 0) * 4:
        # Very slow workloads: do not spend forever collecting the minimum sample count.
        return f"budget x4 spent with only {n} samples (each sample is slow)"
    return None
