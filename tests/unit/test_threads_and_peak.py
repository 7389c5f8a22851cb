"""Thread recording and --threads, --processes pooling, and the CPU peak per dtype."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from accelbench.kinds import make_workload
from accelbench.measure import threads
from accelbench.measure.contention import ContentionSummary
from accelbench.measure.cpu_peak import parse_cpuinfo, peak_for_dtype, table_peak
from accelbench.measure.policy import RunPolicy
from accelbench.measure.processes import pool_timings
from accelbench.measure.runner import Runner, Timing
from tests.fakes import FakeBackend

CPUINFO = """processor\t: 0
model name\t: Test CPU
cpu MHz\t\t: 2600.000
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse2 avx avx2 fma avx512f
processor\t: 1
cpu MHz\t\t: 2600.000
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse2 avx avx2 fma avx512f
processor\t: 2
cpu MHz\t\t: 2400.000
physical id\t: 0
core id\t\t: 1
flags\t\t: fpu sse2 avx avx2 fma avx512f
"""


def test_recording_threads_never_imports_torch_or_numba() -> None:
    code = ("import sys; import numpy; from accelbench.measure.threads import current; r = current(); "
            "print('torch' in sys.modules, 'numba' in sys.modules, 'blas' in r)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert out[:2] == ["False", "False"]


def test_limited_sets_and_restores_torch_threads() -> None:
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    with threads.limited(1):
        assert torch.get_num_threads() == 1 and threads.current()["torch"] == 1
    assert torch.get_num_threads() == before


def test_threads_used_is_the_largest_intra_op_count() -> None:
    assert threads.threads_used({"torch": 2, "blas": 4, "numba_layer": "omp", "blas_library": "openblas"}) == 4
    assert threads.threads_used(None) == 1


def test_policy_threads_limit_what_a_cpu_record_says() -> None:
    pytest.importorskip("threadpoolctl")
    import numpy  # noqa: F401 - the BLAS pool is what a CPU record reports here

    policy = RunPolicy(budget_s=0.02, min_samples=3, warmup_s=0.0, threads=1)
    m = Runner(policy, "t").measure(FakeBackend(), make_workload("gemm", {"m": 4, "n": 4, "k": 4}), 1)
    assert m.threads is not None
    assert all(v == 1 for k, v in m.threads.items() if k in ("torch", "blas", "openmp"))


def test_pooled_processes_concatenate_samples_and_keep_each_median() -> None:
    one = Timing([1.0, 1.0, 1.0], 10, "noise ok", "host perf_counter; x", ContentionSummary("schedstat", 10, 0, 0.0))
    two = Timing([2.0, 2.0], 5, "budget", "host perf_counter; y", ContentionSummary("schedstat", 10, 5, 5.0, retries=2))
    pooled = pool_timings([one, two])
    assert pooled.samples_s == [1.0, 1.0, 1.0, 2.0, 2.0] and pooled.process_medians_s == [1.0, 2.0]
    assert pooled.contention is not None and pooled.contention.run_delay_fraction == pytest.approx(0.5)
    assert pooled.contention.retries == 2 and "2 fresh worker processes" in pooled.method


def test_processes_repeat_the_timing_in_fresh_workers() -> None:
    policy = RunPolicy(budget_s=0.02, min_samples=3, warmup_s=0.0, processes=2)
    m = Runner(policy, "p").measure(FakeBackend(), make_workload("gemm", {"m": 4, "n": 4, "k": 4}), 1)
    assert m.status == "ok", m.invalid_reason
    assert m.quality is not None and m.quality.processes == 2 and m.quality.between_process_rel is not None
    assert "2 fresh worker processes" in m.methods["latency"] and len(m.samples_s) >= 6


def test_cpuinfo_gives_physical_cores_flags_and_clock() -> None:
    info = parse_cpuinfo(CPUINFO)
    assert info["cores"] == 2 and "avx512f" in info["flags"] and info["clock_hz"] == pytest.approx(2.6e9)


def test_table_peak_is_cores_x_lanes_x_fma_x_clock_per_dtype() -> None:
    peak = table_peak(parse_cpuinfo(CPUINFO), 2.6e9, 2)
    assert peak is not None and peak["peak_source"].startswith("computed")
    assert peak["float32"] == pytest.approx(2 * 16 * 2 * 2 * 2.6e9)
    assert peak["float64"] == pytest.approx(peak["float32"] / 2) and peak["float16"] == peak["float32"]
    avx2 = table_peak({"flags": {"avx2", "fma"}}, 3e9, 1)
    assert avx2 is not None and avx2["float32"] == pytest.approx(8 * 2 * 2 * 3e9)
    assert table_peak({"flags": {"fpu"}}, 3e9, 1) is None


def test_peak_for_dtype_never_applies_a_float32_peak_to_float64() -> None:
    assert peak_for_dtype({"flops_s": 1e12}, "float64") is None
    assert peak_for_dtype({"flops_s": 1e12}, "float16") == 1e12
    assert peak_for_dtype({"float64": 5e11, "flops_s": 1e12}, "float64") == 5e11
    assert peak_for_dtype(None, "float32") is None


def test_timing_options_are_an_option_group_that_validates_into_the_policy() -> None:
    import argparse

    from accelbench.commands import run_options, timing_options
    from accelbench.errors import UserError

    assert "accelbench.commands.timing_options" in run_options.groups()
    parser = argparse.ArgumentParser()
    timing_options.add_arguments(parser)
    fields = timing_options.policy_fields(parser.parse_args(["--threads", "2", "--processes", "3"]))
    assert fields == {"threads": 2, "processes": 3, "contention_threshold": 0.05}
    assert RunPolicy(**fields).processes == 3
    for bad in (["--threads", "0"], ["--processes", "x"], ["--contention-threshold", "nan"],
                ["--contention-threshold", "1"]):
        with pytest.raises(UserError):
            timing_options.policy_fields(parser.parse_args(bad))


class DiesInWorkers(FakeBackend):
    """Prepares in the parent, fails in any other process."""

    def __init__(self) -> None:
        super().__init__()
        self.parent_pid = os.getpid()

    def prepare(self, workload, config):  # type: ignore[no-untyped-def]
        if os.getpid() != self.parent_pid:
            raise RuntimeError("device lost in the worker")
        return super().prepare(workload, config)


def test_a_failing_worker_becomes_an_error_record_with_its_reason() -> None:
    policy = RunPolicy(budget_s=0.02, min_samples=3, warmup_s=0.0, processes=2)
    m = Runner(policy, "p").measure(DiesInWorkers(), make_workload("gemm", {"m": 4, "n": 4, "k": 4}), 1)
    assert m.status == "error" and "worker 1 failed" in m.invalid_reason and "device lost" in m.invalid_reason


def test_an_unpicklable_backend_cannot_be_repeated_in_processes() -> None:
    backend = FakeBackend()
    backend.hook = lambda: None  # type: ignore[attr-defined]
    policy = RunPolicy(budget_s=0.02, min_samples=3, warmup_s=0.0, processes=2)
    m = Runner(policy, "p").measure(backend, make_workload("gemm", {"m": 4, "n": 4, "k": 4}), 1)
    assert m.status == "error" and "cannot be sent to a worker process" in m.invalid_reason


def test_limited_holds_torch_to_n_threads_when_numba_launches_its_pool_in_a_fresh_process() -> None:
    # Launching Numba's OpenMP pool resets OpenMP's thread count, which torch shares: `limited`
    # must launch it before it sets torch's count (it did not, so `--threads 1` left torch at 2).
    code = ("import torch, numba; from accelbench.measure import threads; "
            "torch.set_num_threads(2)\n"
            "with threads.limited(1): print(torch.get_num_threads())")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert out == ["1"]
