"""Every catalog network, at a small input size, converts to an hls4ml graph (conversion only, no g++).

``mobilenetv2_trunk``'s ReLU6 exports to ONNX as ``Clip(x, 0, 6)``, which hls4ml 1.3.0's ONNX frontend
lacks: accelbench.fpga.convert rewrites it to a ``Relu6`` node mapped to hls4ml's ``relu6`` activation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from accelbench.fpga.config import resolve_config
from accelbench.fpga.convert import convert
from accelbench.fpga.lowering import lower
from accelbench.kinds import make_workload
from accelbench.models import MODELS

SMALL = {"input_hw": 32, "width": 0.25}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MODELS))
def test_catalog_network_converts_to_an_hls4ml_graph(name: str, tmp_path: Path) -> None:
    params = {key: value for key, value in SMALL.items() if key in MODELS[name].options}
    workload = make_workload("model", {"model": name, **params})
    graph = convert(lower(workload), resolve_config(workload, {}), tmp_path / "hls")
    names = [layer.class_name for layer in graph.get_layers()]
    assert any("Conv" in n or "Dense" in n for n in names), names
    if name == "mobilenetv2_trunk":
        activations = {layer.get_attr("activation") for layer in graph.get_layers() if layer.class_name == "Activation"}
        assert "relu6" in activations
