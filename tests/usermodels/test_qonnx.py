"""A quantized model trained outside accelbench (Brevitas QAT, exported to QONNX) keeps its
quantization: the float64 reference computes its Quant nodes, cpu-onnxruntime runs it as
QuantizeLinear/DequantizeLinear, fpga-hls4ml converts it with every quantizer's bit width, and
backends that need a torch module say ``unsupported`` with the reason."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from accelbench.backends.registry import availability
from accelbench.cli import main

pytest.importorskip("brevitas")
pytest.importorskip("qonnx")

#: (weight bits of layer 1, activation bits after its ReLU, weight bits of layer 2); input quantizer 8 bits.
BITS = (6, 5, 4)
INPUT_BITS = 8


def _blobs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    centres = np.array([[2.0] * 8, [-2.0] * 8, [2.0, -2.0] * 4], dtype=np.float32)
    y = rng.integers(0, 3, size=n)
    return (centres[y] + rng.normal(0.0, 1.0, size=(n, 8))).astype(np.float32), y.astype(np.int64)


@pytest.fixture(scope="session")
def quantized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An 8-16-3 MLP trained with Brevitas (power-of-two scales, 4-8 bits), exported to QONNX, with data."""
    import torch
    from torch import nn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import brevitas.nn as qnn
        from brevitas.export import export_qonnx
        from brevitas.quant import (
            Int8ActPerTensorFixedPoint,
            Int8WeightPerTensorFixedPoint,
            Uint8ActPerTensorFixedPoint,
        )

    out = tmp_path_factory.mktemp("qonnx_model")
    rng = np.random.default_rng(11)
    x_train, y_train = _blobs(rng, 600)
    x_test, y_test = _blobs(rng, 200)
    torch.manual_seed(0)
    w1, a1, w2 = BITS
    net = nn.Sequential(
        qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint, bit_width=INPUT_BITS, return_quant_tensor=True),
        qnn.QuantLinear(8, 16, bias=True, weight_quant=Int8WeightPerTensorFixedPoint, weight_bit_width=w1),
        qnn.QuantReLU(act_quant=Uint8ActPerTensorFixedPoint, bit_width=a1, return_quant_tensor=True),
        qnn.QuantLinear(16, 3, bias=True, weight_quant=Int8WeightPerTensorFixedPoint, weight_bit_width=w2),
    )
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    for _ in range(60):
        opt.zero_grad()
        nn.functional.cross_entropy(net(xt), yt).backward()
        opt.step()
    net.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_qonnx(net, torch.from_numpy(x_test[:1]), str(out / "quantized.onnx"), dynamo=False)
    np.savez(out / "data.npz", x=x_test, y=y_test)
    return {"qonnx": out / "quantized.onnx", "data": out / "data.npz"}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    code = main(["run", *argv, "--budget-s", "0.02", "--no-power", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def _workload(path: Path):  # type: ignore[no-untyped-def]
    from accelbench.targets import resolve

    (entry,) = resolve(str(path))
    return entry.workload


def test_a_qonnx_file_becomes_a_model_workload_with_its_bit_widths(quantized: dict[str, Path]) -> None:
    from accelbench.kinds.qonnx_model import QonnxModelWorkload

    workload = _workload(quantized["qonnx"])
    assert isinstance(workload, QonnxModelWorkload) and workload.kind == "model"
    assert workload.params["format"] == "qonnx"
    w1, a1, w2 = BITS
    assert workload.params["quantizers"].split() == [f"a{INPUT_BITS}", f"w{w1}", f"w{w2}", f"a{a1}"]
    assert workload.input_shape == (8,) and workload.output_shape(4) == (4, 3)
    assert workload.flops(2) == 2 * 2 * (8 * 16 + 16 * 3)


def test_the_float64_reference_agrees_with_qonnx_executor(quantized: dict[str, Path]) -> None:
    """qonnx's own executor (float32 Quant outputs) and the float64 reference compute the same network."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.util.cleanup import cleanup_model

    workload = _workload(quantized["qonnx"])
    x = np.load(quantized["data"])["x"][:1]
    ref = workload.reference((x,))
    assert ref.dtype == np.float64
    model = cleanup_model(ModelWrapper(str(quantized["qonnx"])))
    (theirs,) = execute_onnx(model, {model.graph.input[0].name: x}).values()
    assert np.max(np.abs(ref - theirs)) <= 1e-5 * np.max(np.abs(ref))


def test_a_qonnx_model_with_data_runs_on_cpu_onnxruntime_with_accuracy(
        quantized: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (record,) = _run(capsys, str(quantized["qonnx"]), "--data", str(quantized["data"]), "--backends",
                     "cpu-onnxruntime", "--store", str(tmp_path / "s.duckdb"))
    assert record["status"] == "ok", record["invalid_reason"]
    acc = record["accuracy"]
    assert acc["metric"] == "top1" and acc["n"] == 200 and acc["value"] > 0.9
    assert acc["agreement"]["argmax"] > 0.97
    assert record["provenance"]["accuracy"] == "measured"


def test_backends_that_need_a_torch_module_say_unsupported_with_the_reason(
        quantized: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = _run(capsys, str(quantized["qonnx"]), "--backends", "cpu-numpy,cpu-torch,cpu-numba",
                   "--store", str(tmp_path / "s.duckdb"))
    assert {r["backend"] for r in records} == {"cpu-numpy", "cpu-torch", "cpu-numba"}
    for record in records:
        assert record["status"] == "unsupported"
        assert "QONNX" in record["invalid_reason"] and "cpu-onnxruntime" in record["invalid_reason"]


def test_a_quantizer_wider_than_8_bits_is_unsupported_on_onnxruntime(
        quantized: dict[str, Path], tmp_path: Path) -> None:
    import onnx

    model = onnx.load(str(quantized["qonnx"]))
    for node in model.graph.node:  # widen the first weight quantizer to 12 bits
        if node.op_type == "Quant" and node.input[0].endswith("weight"):
            bits = next(init for init in model.graph.initializer if init.name == node.input[3])
            bits.CopyFrom(onnx.numpy_helper.from_array(np.array(12.0, dtype=np.float32), bits.name))
            break
    wide = tmp_path / "wide.onnx"
    onnx.save(model, str(wide))
    from accelbench.backends.registry import get_backend

    support = get_backend("cpu-onnxruntime").supports(_workload(wide))
    assert not support.ok and "12-bit" in support.reason


@pytest.mark.skipif(not availability("fpga-hls4ml").ok, reason="hls4ml or g++ missing")
def test_hls4ml_keeps_every_quantizer_bit_width(quantized: dict[str, Path], tmp_path: Path) -> None:
    """Each Dense layer's weights carry its weight quantizer's width, its input the activation quantizer's."""
    from accelbench.fpga.config import resolve_config
    from accelbench.fpga.convert import convert
    from accelbench.fpga.layers import precision_bits
    from accelbench.fpga.lowering import lower

    workload = _workload(quantized["qonnx"])
    hls_model = convert(lower(workload), resolve_config(workload, {}), tmp_path / "prj")
    dense = [layer for layer in hls_model.get_layers() if layer.class_name == "Dense"]
    w1, a1, w2 = BITS
    assert [precision_bits(layer.weights["weight"].type.precision) for layer in dense] == [w1, w2]
    assert [precision_bits(layer.get_input_variable().type.precision) for layer in dense] == [INPUT_BITS, a1]


@pytest.mark.skipif(not availability("fpga-hls4ml").ok, reason="hls4ml or g++ missing")
def test_a_qonnx_model_with_data_runs_on_fpga_hls4ml_with_simulated_accuracy(
        quantized: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCELBENCH_CACHE_DIR", str(tmp_path / "cache"))
    (record,) = _run(capsys, str(quantized["qonnx"]), "--data", str(quantized["data"]), "--backends", "fpga-hls4ml",
                     "--store", str(tmp_path / "s.duckdb"))
    assert record["status"] == "ok", record["invalid_reason"]
    assert record["provenance"]["accuracy"] == "simulated"
    acc = record["accuracy"]
    assert acc["metric"] == "top1" and acc["n"] == 200 and acc["value"] > 0.9
    assert acc["agreement"]["argmax"] > 0.97
    # the weight-aware model counts the model's quantized weights: the 4-bit layer's 16x3 weights (|q| <= 7)
    # have at most 2 non-zero CSD digits, so each CSD-mapped product needs exactly one adder
    dense = [layer for layer in record["fpga"]["layers"] if layer["kind"] == "dense"]
    assert [layer["mapping_source"] for layer in dense] == ["weights", "weights"]
    last = dense[-1]["mapping"]
    assert last["zero"] + last["shift"] + last["csd"] + last["full"] == 16 * 3
    assert last["csd_adders"] == last["csd"]


def test_a_qonnx_operator_without_a_reference_is_one_line_and_exit_2(
        quantized: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import onnx

    model = onnx.load(str(quantized["qonnx"]))
    relu = next(node for node in model.graph.node if node.op_type == "Relu")
    relu.op_type, relu.domain = "MultiThreshold", "qonnx.custom_op.general"
    odd = tmp_path / "odd.onnx"
    onnx.save(model, str(odd))
    code = main(["run", str(odd), "--backends", "cpu-onnxruntime", "--no-power", "--store", str(tmp_path / "s.duckdb")])
    _, err = capsys.readouterr()
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, err
    assert "odd.onnx" in lines[0] and "MultiThreshold" in lines[0]
