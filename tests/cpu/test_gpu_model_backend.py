"""gpu-model end to end: model-only records for named GPUs, every figure modeled, with ranges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelbench.backends.registry import get_backend
from accelbench.cli import main
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner
from accelbench.results.rank import rankable
from accelbench.results.record import Measurement


def _measure(kind: str, params: dict, batch: int = 1, gpu: str | None = "T4") -> Measurement:  # type: ignore[type-arg]
    runner = Runner(RunPolicy(budget_s=0.05), run_id="test")
    config = {"model_gpu": gpu} if gpu else {}
    return runner.measure(get_backend("gpu-model"), make_workload(kind, params), batch, config)


@pytest.mark.parametrize(("kind", "params"), [
    ("gemm", {"m": 512, "n": 64, "k": 256}),
    ("conv2d", {"c": 16, "h": 32, "w": 32, "k": 32, "pad": 1}),
    ("rnn_step", {"cell": "lstm", "hidden": 64, "timesteps": 4}),
    ("model", {"model": "jet_mlp"}),
])
def test_every_kind_gives_a_model_only_record_with_modeled_figures_and_ranges(kind: str, params: dict) -> None:  # type: ignore[type-arg]
    m = _measure(kind, params, batch=2)
    assert m.status == "model-only" and not m.valid and not rankable(m)
    assert m.latency is not None and m.latency.n_samples == 0 and m.samples_s == ()
    assert all(m.provenance[f] == "modeled" for f in ("latency", "throughput_items_s", "achieved_flops_s"))
    low, high = m.ranges["latency"]
    assert low < m.latency.p50_s < high
    low_rate, high_rate = m.ranges["throughput_items_s"]
    assert low_rate < (m.throughput_items_s or 0) < high_rate
    assert m.error is None and "gpu-model" in m.methods["latency"]


def test_the_record_names_the_modeled_gpu_and_its_sources() -> None:
    m = _measure("gemm", {"m": 256, "n": 256, "k": 256}, gpu="A100")
    assert m.device["device"] == "NVIDIA A100 SXM4 40GB" and m.device["model_gpu"] == "A100"
    assert m.device["modeled"] is True
    assert "A100 Tensor Core GPU datasheet" in m.device["catalog_sources"]["fp32_tflops"]
    assert m.device["peak"]["flops_s"] == pytest.approx(19.5e12)
    assert "held out: P100" in m.device["model"]
    assert any("nothing ran" in note for note in m.notes)


def test_without_model_gpu_the_default_gpu_is_modeled_and_said_so() -> None:
    m = _measure("gemm", {"m": 64, "n": 64, "k": 64}, gpu=None)
    assert m.device["model_gpu"] == "T4"
    assert any("default GPU T4" in note for note in m.notes)


def test_a_faster_gpu_is_modeled_faster() -> None:
    params = {"m": 4096, "n": 1024, "k": 1024, "dtype": "float16"}
    t4, h100 = _measure("gemm", params, gpu="T4"), _measure("gemm", params, gpu="H100")
    assert t4.latency is not None and h100.latency is not None
    assert h100.latency.p50_s < t4.latency.p50_s


def test_cli_model_gpu_gives_one_modeled_record_per_gpu_with_power_and_ranges(
    store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "gemm:m=64,n=1,k=1216", "--backends", "gpu-model", "--model-gpu", "V100,T4",
                 "--store", str(store_path), "--budget-s", "0.05", "--json"])
    out, _ = capsys.readouterr()
    assert code == 0
    records = json.loads(out)
    assert [r["detail"]["device"]["model_gpu"] for r in records] == ["V100", "T4"]
    for r in records:
        assert r["status"] == "model-only" and r["provenance"]["power_w"] == "modeled"
        assert r["provenance"]["energy_j_per_item"] == "modeled"
        assert set(r["ranges"]) >= {"latency", "throughput_items_s", "power_w", "energy_j_per_item"}
        low, high = r["ranges"]["power_w"]
        assert low <= r["power_w"] <= high <= r["detail"]["device"]["tdp_w"]


def test_cli_unknown_model_gpu_exits_2_and_stores_nothing(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "gemm:m=8,n=8,k=8", "--model-gpu", "T4,Voodoo5", "--store", str(store_path)])
    _, err = capsys.readouterr()
    assert code == 2 and "unknown GPU 'Voodoo5'" in err
    assert not store_path.exists()


def test_deepbench_gemm_suite_models_both_gpus(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "deepbench-gemm", "--backends", "gpu-model", "--model-gpu", "V100,T4",
                 "--store", str(store_path), "--budget-s", "0.05", "--no-power", "--json"])
    out, _ = capsys.readouterr()
    records = json.loads(out)
    assert code == 0 and records
    assert {r["detail"]["device"]["model_gpu"] for r in records} == {"V100", "T4"}
    assert all(r["status"] == "model-only" and r["ranges"]["latency"][0] > 0 for r in records)
    # --no-power: no power figure, so no power range either (a range never stands without its figure)
    assert all(r["power_w"] is None and "power_w" not in r["ranges"] for r in records)


def test_selftest_shows_the_model_beside_a_measurement_on_a_catalog_gpu(
    fake_backends: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from accelbench.commands import selftest
    from tests.fakes import FakeBackend

    suite = tmp_path / "one.toml"
    suite.write_text('description = "one gemm"\n\n[[workload]]\nname = "g"\nkind = "gemm"\nm = 64\nn = 64\nk = 64\n')
    monkeypatch.setattr(selftest, "GPU_BACKENDS", ("fake",))
    monkeypatch.setattr(FakeBackend, "device_info", lambda self: {"device": "Tesla T4"})
    assert main(["selftest", "--gpu", "--suite", str(suite), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    assert row["status"] == "ok" and row["model_gpu"] == "T4"
    assert row["model_error_rel"] == pytest.approx((row["model_p50_s"] - row["p50_s"]) / row["p50_s"])
    low, high = row["model_range_s"]
    assert low < row["model_p50_s"] < high
