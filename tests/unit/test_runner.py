"""The runner's methodology, driven through the hardware-free fake backend in milliseconds."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pytest

from accelbench.backends.base import Availability, BaseBackend, Family, Prepared
from accelbench.errors import UserError
from accelbench.kinds import make_workload
from accelbench.measure.callable import time_callable
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import PowerFields, Runner, compiled_loop
from accelbench.workload import Workload
from tests.fakes import FakeBackend, ModeledFakeBackend

GEMM = make_workload("gemm", {"m": 8, "n": 8, "k": 8})
FAST = RunPolicy(budget_s=0.05, min_samples=5, warmup_s=0.0)


def test_valid_result_has_samples_statistics_and_measured_provenance() -> None:
    m = Runner(FAST, "r").measure(FakeBackend(), GEMM, 2)
    assert m.status == "ok" and m.valid
    assert len(m.samples_s) >= 5
    assert m.latency is not None and m.latency.n_samples == len(m.samples_s)
    assert m.latency.min_s <= m.latency.p50_s <= m.latency.p99_s
    assert m.throughput_items_s == pytest.approx(2 / m.latency.p50_s)
    assert m.achieved_flops_s == pytest.approx(GEMM.flops(2) / m.latency.p50_s)
    assert m.provenance["latency"] == "measured"
    assert m.error is not None and m.error.rel < 1e-6
    assert m.seed is not None and "host perf_counter" in m.methods["latency"]


def test_calibration_batches_fast_calls_so_timer_overhead_stays_small() -> None:
    m = Runner(FAST, "r").measure(FakeBackend(), make_workload("gemm", {"m": 1, "n": 1, "k": 1}), 1)
    assert m.iterations_per_sample > 1


def test_slow_calls_are_timed_one_per_sample_and_never_shorter_than_they_are() -> None:
    m = Runner(FAST, "r").measure(FakeBackend(), GEMM, 1, {"fake_delay_s": 0.002})
    assert m.iterations_per_sample == 1
    # a 2 ms busy-wait cannot take less; on a loaded machine it may take more (no upper bound asserted)
    assert m.latency is not None and m.latency.min_s >= 0.002


def test_wrong_output_is_invalid_with_the_reason_and_never_timed() -> None:
    m = Runner(FAST, "r").measure(FakeBackend(), GEMM, 1, {"fake_error": 0.1})
    assert m.status == "invalid" and not m.valid
    assert "exceeds tolerance" in m.invalid_reason
    assert m.latency is None and m.samples_s == ()
    assert m.error is not None and m.error.rel > 0.01


def test_unavailable_and_unsupported_are_recorded_not_raised() -> None:
    assert Runner(FAST, "r").measure(FakeBackend(available=False), GEMM, 1).status == "unavailable"
    model = make_workload("model", {"model": "jet_mlp"})
    m = Runner(FAST, "r").measure(FakeBackend(supports_models=False), model, 1)
    assert m.status == "unsupported" and "does not lower models" in m.invalid_reason


def test_backend_exception_becomes_an_error_record() -> None:
    m = Runner(FAST, "r").measure(FakeBackend(), GEMM, 1, {"fake_raise": "device lost"})
    assert m.status == "error" and "device lost" in m.invalid_reason


def test_user_error_from_prepare_propagates() -> None:
    class Picky(FakeBackend):
        def prepare(self, workload, config):  # type: ignore[no-untyped-def]
            raise UserError("reuse factor must be >= 1")

    with pytest.raises(UserError):
        Runner(FAST, "r").measure(Picky(), GEMM, 1)


def test_modeled_timing_is_labelled_modeled_and_has_no_distribution() -> None:
    m = Runner(FAST, "r").measure(ModeledFakeBackend(), GEMM, 4, {"fake_modeled_s": 1e-6})
    assert m.status == "ok"
    assert m.provenance["latency"] == "modeled" and m.provenance["throughput_items_s"] == "modeled"
    assert m.provenance["error"] == "simulated"
    assert m.latency is not None and m.latency.n_samples == 0 and m.latency.p50_s == 1e-6
    assert m.samples_s == ()
    assert m.throughput_items_s == pytest.approx(4e6)


def test_device_timer_is_used_when_the_backend_has_one() -> None:
    class Timed(FakeBackend):
        def time(self, prepared: Prepared, device_inputs: object, n: int) -> float:
            return 0.5e-3 * n

    m = Runner(FAST, "r").measure(Timed(), GEMM, 1)
    assert m.latency is not None and m.latency.p50_s == pytest.approx(0.5e-3)
    assert m.methods["latency"].startswith("device timer")


def test_backends_with_transfers_get_end_to_end_latency() -> None:
    class Transfers(FakeBackend):
        has_transfers = True

    m = Runner(FAST, "r").measure(Transfers(), GEMM, 1)
    assert m.end_to_end is not None and m.provenance["end_to_end"] == "measured"


def test_power_hook_figures_and_provenance_land_in_the_record() -> None:
    def hook(backend: object, prepared: object, inputs: object, batch: int) -> PowerFields:
        return PowerFields(10.0, 2.0, 0.01, {"meter": "test"},
                           {"power_w": "modeled", "idle_power_w": "modeled", "energy_j_per_item": "modeled"},
                           {"power_w": "test"})

    m = Runner(FAST, "r", power_hook=hook).measure(FakeBackend(), GEMM, 1)
    assert (m.power_w, m.idle_power_w, m.energy_j_per_item) == (10.0, 2.0, 0.01)
    assert m.provenance["power_w"] == "modeled"


def test_offline_scenario_is_recorded() -> None:
    policy = RunPolicy(budget_s=0.05, min_samples=5, warmup_s=0.0, scenario="offline")
    m = Runner(policy, "r").measure(FakeBackend(), GEMM, 8)
    assert m.scenario == "offline" and "offline" in m.methods["latency"]


def test_availability_probe_is_consulted_first() -> None:
    class Gone(FakeBackend):
        def available(self) -> Availability:
            return Availability(False, "no CUDA device found")

    assert Runner(FAST, "r").measure(Gone(), GEMM, 1).invalid_reason == "no CUDA device found"


def test_percent_of_device_peak_is_recorded_when_the_device_has_a_peak() -> None:
    class Peaked(FakeBackend):
        def device_info(self) -> dict:
            return {"device": "fake gpu", "peak": {"flops_s": 1e12}}

        def time(self, prepared: Prepared, device_inputs: object, n: int) -> float:
            return 1e-6 * n

    m = Runner(FAST, "r").measure(Peaked(), GEMM, 1)
    assert m.device["percent_of_peak"] == pytest.approx(100 * GEMM.flops(1) / 1e-6 / 1e12)


class CountingTimer(FakeBackend):
    """A device-timed fake that records how many queries each ``time`` call covered."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

    def time(self, prepared: Prepared, device_inputs: object, n: int) -> float:
        self.calls.append(n)
        return 1e-6 * n


def test_single_stream_with_a_device_timer_times_every_query_on_its_own() -> None:
    backend = CountingTimer()
    m = Runner(FAST, "r").measure(backend, GEMM, 1)
    assert set(backend.calls) == {1} and m.iterations_per_sample >= 1
    assert "each query timed on its own" in m.methods["latency"]


def test_offline_with_a_device_timer_times_back_to_back_blocks() -> None:
    backend = CountingTimer()
    policy = RunPolicy(budget_s=0.05, min_samples=5, warmup_s=0.0, scenario="offline")
    m = Runner(policy, "r").measure(backend, GEMM, 1)
    assert m.iterations_per_sample in backend.calls and "back-to-back" in m.methods["latency"]


def _lower(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    return Prepared(workload, config, call=lambda *xs: workload.reference(xs).astype(workload.np_dtype))


class BoundCallBackend(BaseBackend):
    name = "bound"
    lowerings = {"gemm": _lower}  # noqa: RUF012


def test_a_bound_callable_is_timed_in_a_compiled_loop_without_the_backend_call_path() -> None:
    m = Runner(FAST, "r").measure(BoundCallBackend(), GEMM, 1)
    assert m.status == "ok" and "bound callable in a compiled loop" in m.methods["latency"]


def test_compiled_loop_calls_the_callable_n_times_with_its_arguments() -> None:
    seen: list[tuple[int, int]] = []
    elapsed = compiled_loop(2)(itertools.repeat(None, 7), lambda: 0.0, lambda a, b: seen.append((a, b)), 1, 2)
    assert seen == [(1, 2)] * 7 and elapsed == 0.0
    calls: list[None] = []
    timing = time_callable(lambda: calls.append(None), RunPolicy(budget_s=0.01, min_samples=3, warmup_s=0.0))
    assert len(calls) >= timing.iterations * len(timing.samples_s)
    assert "compiled loop" in timing.method


def test_percent_of_peak_uses_the_peak_of_the_workload_dtype() -> None:
    class PerDtype(FakeBackend):
        def device_info(self) -> dict:
            return {"device": "fake", "peak": {"float32": 1e12, "float64": 5e11, "flops_s": 1e12}}

        def time(self, prepared: Prepared, device_inputs: object, n: int) -> float:
            return 1e-6 * n

    double = make_workload("gemm", {"m": 8, "n": 8, "k": 8, "dtype": "float64"})
    m = Runner(FAST, "r").measure(PerDtype(), double, 1)
    assert m.device["percent_of_peak"] == pytest.approx(100 * double.flops(1) / 1e-6 / 5e11)
    assert m.device["percent_of_peak_dtype"] == "float64"


def test_a_float32_only_peak_gives_no_percent_for_float64() -> None:
    class Fp32Only(FakeBackend):
        family: Family = "gpu"

        def device_info(self) -> dict:
            return {"device": "fake gpu", "peak": {"flops_s": 1e12}}

    double = make_workload("gemm", {"m": 8, "n": 8, "k": 8, "dtype": "float64"})
    assert "percent_of_peak" not in Runner(FAST, "r").measure(Fp32Only(), double, 1).device


def test_cpu_records_carry_the_cpu_peak_per_dtype_and_their_threads() -> None:
    m = Runner(FAST, "r").measure(FakeBackend(), GEMM, 1)
    peak = m.device["peak"]
    assert peak["peak_source"] in ("computed from /proc/cpuinfo (upper bound)", "measured BLAS GEMM (lower bound)")
    assert peak["float64"] > 0 and peak["float32"] > 0 and "percent_of_peak" in m.device
    assert isinstance(m.threads, dict)
