"""Contention accounting on injected counters: per-thread waits, fallbacks, pooling (no timing asserted)."""

from __future__ import annotations

import os
import threading

import pytest

from accelbench.measure.contention import (
    Accumulator,
    ContentionSummary,
    Counters,
    RusageSource,
    SchedstatSource,
    combine,
    default_source,
    delta,
)

MS = 1_000_000


def sched(wall_ms: int, waits: dict[int, int], cpus: dict[int, int], invol: int = 0) -> Counters:
    return Counters(wall_ms * MS, "schedstat", {t: w * MS for t, w in waits.items()},
                    {t: c * MS for t, c in cpus.items()}, invol)


def test_worst_thread_wait_over_the_interval_is_the_sample_fraction() -> None:
    before = sched(0, {1: 0, 2: 5}, {1: 0, 2: 0})
    after = sched(10, {1: 1, 2: 9}, {1: 9, 2: 6})
    sample = delta(before, after)
    assert sample.wall_ns == 10 * MS
    assert sample.worst_wait_ns == 4 * MS and sample.fraction == pytest.approx(0.4)
    assert dict(sample.wait_ns) == {1: 1 * MS, 2: 4 * MS}


def test_a_thread_born_in_the_interval_counts_from_zero_and_idle_threads_are_left_out() -> None:
    before = sched(0, {1: 0, 3: 2}, {1: 0, 3: 1})
    after = sched(10, {1: 0, 2: 3, 3: 2}, {1: 10, 2: 5, 3: 1})  # thread 3 slept the whole interval
    sample = delta(before, after)
    assert dict(sample.wait_ns) == {1: 0, 2: 3 * MS}
    assert sample.fraction == pytest.approx(0.3)


def test_rusage_estimates_the_wait_only_when_the_process_was_switched_out() -> None:
    before = Counters(0, "rusage", {}, {0: 0}, 10)
    switched = delta(before, Counters(10 * MS, "rusage", {}, {0: 6 * MS}, 12))
    assert switched.fraction == pytest.approx(0.4) and switched.involuntary == 2
    not_switched = delta(before, Counters(10 * MS, "rusage", {}, {0: 6 * MS}, 10))  # e.g. a sync that slept
    assert not_switched.fraction == 0


def test_no_counters_give_unknown_fractions() -> None:
    sample = delta(Counters(0, "none"), Counters(10 * MS, "none"))
    assert sample.fraction is None and sample.worst_wait_ns is None
    acc = Accumulator("none")
    acc.add(sample)
    summary = acc.summary()
    assert summary.run_delay_fraction is None and summary.run_delay_fraction_mean is None


def test_accumulated_worst_thread_and_mean_over_active_threads() -> None:
    acc = Accumulator("schedstat")
    acc.add(delta(sched(0, {1: 0, 2: 0}, {1: 0, 2: 0}), sched(10, {1: 2, 2: 0}, {1: 8, 2: 10})))
    acc.add(delta(sched(10, {1: 2, 2: 0}, {1: 8, 2: 10}), sched(20, {1: 4, 2: 0}, {1: 16, 2: 20})))
    acc.retries = 3
    s = acc.summary()
    assert s.wall_ns == 20 * MS
    assert s.run_delay_fraction == pytest.approx(4 / 20)
    assert s.run_delay_fraction_mean == pytest.approx(2 / 20)
    assert (s.retries, s.dropped) == (3, 3) and s.cpu_ns == 36 * MS


def test_pooled_processes_keep_the_worst_process_fraction() -> None:
    quiet = ContentionSummary("schedstat", wall_ns=100, worst_wait_ns=1, mean_wait_ns=1, retries=1, dropped=1)
    busy = ContentionSummary("schedstat", wall_ns=100, worst_wait_ns=40, mean_wait_ns=20, retries=2, dropped=2)
    pooled = combine([quiet, busy])
    assert pooled.run_delay_fraction == pytest.approx(0.4)
    assert (pooled.retries, pooled.dropped, pooled.wall_ns) == (3, 3, 200)


@pytest.mark.skipif(not SchedstatSource.available(), reason="this kernel exposes no per-thread schedstat")
def test_schedstat_source_reads_every_thread_of_this_process() -> None:
    source = SchedstatSource()
    try:
        first = source.read()
        second = source.read()
    finally:
        source.close()
    me = threading.get_native_id()
    assert first.source == "schedstat" and me in first.wait_ns and me in first.cpu_ns
    assert second.cpu_ns[me] >= first.cpu_ns[me] and second.wait_ns[me] >= first.wait_ns[me] >= 0
    assert second.wall_ns > first.wall_ns


def test_default_source_names_what_it_reads() -> None:
    source = default_source()
    try:
        reading = source.read()
    finally:
        source.close()
    assert source.name in ("schedstat", "rusage", "none") and reading.source == source.name
    if os.name == "posix":
        assert source.name in ("schedstat", "rusage")


@pytest.mark.skipif(os.name != "posix", reason="getrusage is a Unix call")
def test_rusage_source_reports_process_cpu_time() -> None:
    reading = RusageSource().read()
    assert reading.source == "rusage" and reading.cpu_ns[0] > 0 and reading.involuntary is not None
