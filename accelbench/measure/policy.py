"""RunPolicy: every knob of the measurement methodology, validated at the edge.

Terms (see docs/glossary.md): an *iteration* is one call of the workload at a batch size; a
*sample* is one timed block of ``iterations_per_sample`` back-to-back iterations (divided by the
iteration count, a sample is one per-call latency); a *measurement* is the set of samples of one
(workload, backend, batch, scenario).
"""

from __future__ import annotations

from dataclasses import dataclass

from accelbench.errors import UserError

SCENARIOS = ("single-stream", "offline", "server")


@dataclass(frozen=True)
class RunPolicy:
    """How the runner measures. Every duration is in seconds (``_s``).

    * ``warmup_s``: untimed iterations before calibration (JIT, caches, clocks settle); at
      least ``min_warmup_iterations`` run whatever the duration.
    * ``max_timer_overhead``: calibration picks iterations per sample so the timer's own cost
      stays below this fraction of a sample (0.001 = 0.1 %).
    * ``min_sample_s``: a floor on one sample's duration.
    * ``target_rel_noise``: sampling stops once the relative half-width of the 95 % confidence
      interval of the median falls below this, after ``min_samples``...
    * ``budget_s``: ...or once sampling has taken this long, or after ``max_samples``.
    * ``scenario``: ``server`` (Poisson arrivals under a latency bound, see
      :mod:`accelbench.measure.loadgen`; its settings travel in the task's ``server`` config), or
      ``single-stream`` (each query completes before the next: per-query latency
      distribution) or ``offline`` (queries issued back to back, one sync per sample: throughput).
    * ``seed``: seed of the correctness inputs (None: a fresh random seed, recorded).
    * ``check_correctness``: compare the output with the float64 reference before timing.
    * ``contention_threshold``: a sample whose worst thread waited for a CPU longer than this
      fraction of its wall time is contended (dropped and re-taken, see docs/timing-quality.md).
    * ``max_contended_retries``: at most this many contended samples are dropped per
      measurement (and never once the budget is spent); later ones are kept and the record is
      judged ``contended``.
    * ``max_mean_ratio`` / ``max_tail_ratio``: a record is ``noisy`` when its mean is more than
      ``max_mean_ratio`` x its p50 (the tail moves the mean: what a user averaging calls sees is not
      the median) or its p99 more than ``max_tail_ratio`` x its p50. Calibrated on quiet runs of
      4-8 µs ops on the development VM (mean/p50 <= 1.19, p99/p50 <= 3.6 there) so that a quiet
      machine's ordinary tails are not flagged while the issue's record (p50 29 µs, mean 1.77 ms:
      mean/p50 61) is.
    * ``count_contention``: read the per-thread counters around every sample (off only to
      measure the accounting's own cost).
    * ``threads``: intra-op threads of CPU backends (torch, BLAS, Numba); None keeps the
      libraries' default (all cores).
    * ``processes``: repeat the timing in this many fresh worker processes and pool the samples.
    """

    warmup_s: float = 0.05
    min_warmup_iterations: int = 2
    max_timer_overhead: float = 0.001
    min_sample_s: float = 0.0
    target_rel_noise: float = 0.02
    min_samples: int = 10
    max_samples: int = 2000
    budget_s: float = 1.0
    scenario: str = "single-stream"
    seed: int | None = None
    check_correctness: bool = True
    end_to_end: bool = True
    contention_threshold: float = 0.05
    max_contended_retries: int = 100
    max_mean_ratio: float = 1.5
    max_tail_ratio: float = 5.0
    count_contention: bool = True
    threads: int | None = None
    processes: int = 1

    def __post_init__(self) -> None:
        for name in ("warmup_s", "min_sample_s", "budget_s"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value < 0:
                raise UserError(f"`{name}` must be a non-negative number of seconds, got {value!r}")
        if not 0 < self.max_timer_overhead < 1:
            raise UserError(f"`max_timer_overhead` must be in (0, 1), got {self.max_timer_overhead!r}")
        if not 0 < self.target_rel_noise < 1:
            raise UserError(f"`target_rel_noise` must be in (0, 1), got {self.target_rel_noise!r}")
        for name in ("min_samples", "max_samples", "min_warmup_iterations"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise UserError(f"`{name}` must be a positive integer, got {value!r}")
        if self.max_samples < self.min_samples:
            raise UserError(
                f"`max_samples` ({self.max_samples}) must be >= `min_samples` ({self.min_samples})"
            )
        if not isinstance(self.contention_threshold, int | float) or not 0 < self.contention_threshold < 1:
            raise UserError(f"`contention_threshold` must be a fraction in (0, 1), got {self.contention_threshold!r}")
        for name in ("max_mean_ratio", "max_tail_ratio"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 1 < value < float("inf"):
                raise UserError(f"`{name}` must be a finite number > 1, got {value!r}")
        if (not isinstance(self.max_contended_retries, int) or isinstance(self.max_contended_retries, bool)
                or self.max_contended_retries < 0):
            raise UserError("`max_contended_retries` must be a non-negative integer, "
                            f"got {self.max_contended_retries!r}")
        for name in ("processes",) + (("threads",) if self.threads is not None else ()):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise UserError(f"`{name}` must be a positive integer, got {value!r}")
        if self.scenario not in SCENARIOS:
            raise UserError(f"scenario must be one of {', '.join(SCENARIOS)}, got {self.scenario!r}")
