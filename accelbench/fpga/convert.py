"""Convert a lowered module to an hls4ml ModelGraph with an :class:`FpgaConfig` (no files written)."""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path
from typing import Any

from accelbench.fpga.config import FpgaConfig
from accelbench.fpga.lowering import Lowered

HLS_BACKEND = "Vitis"
logger = logging.getLogger(__name__)


def onnx_model(lowered: Lowered, directory: Path) -> Any:
    """Export the module to ONNX and clean it with qonnx into a channels-last graph hls4ml reads.

    The result is saved as ``directory/clean.onnx`` and reused: the build runs this step first in
    its bounded child process (:mod:`accelbench.fpga.compile_worker` ``--stage onnx``), since qonnx's
    channels-last clean-up of a large network can take many minutes.
    """
    import warnings

    import torch
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.channels_last import ConvertToChannelsLastAndClean
    from qonnx.transformation.gemm_to_matmul import GemmToMatMul
    from qonnx.util.cleanup import cleanup_model

    directory.mkdir(parents=True, exist_ok=True)
    cleaned = directory / CLEAN_ONNX
    if cleaned.exists():  # written by the bounded "onnx" stage of the build worker
        register_relu6()
        return ModelWrapper(str(cleaned))
    path = directory / "model.onnx"
    example = tuple(torch.zeros((1, *shape)) for shape in lowered.input_shapes)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(lowered.module, example, str(path), dynamo=False, opset_version=13)
    model = cleanup_model(ModelWrapper(str(path)))
    model = model.transform(ConvertToChannelsLastAndClean())
    model = cleanup_model(model.transform(GemmToMatMul()))  # hls4ml's ONNX frontend reads MatMul, not Gemm
    model = relu6_nodes(model)
    model.save(str(directory / (CLEAN_ONNX + ".part")))
    (directory / (CLEAN_ONNX + ".part")).replace(cleaned)
    return model


#: The cleaned channels-last graph, cached next to the design (the slow qonnx step runs once).
CLEAN_ONNX = "clean.onnx"


RELU6 = "Relu6"


def relu6_nodes(model: Any) -> Any:
    """Turn ``Clip(x, 0, 6)`` (how ReLU6 exports) into a one-input ``Relu6`` node hls4ml can read.

    hls4ml's ONNX frontend has no ``Clip``; its C++ library has ``nnet::relu6`` (a saturating ReLU,
    io_parallel). :func:`register_relu6` maps the node to an ``Activation`` with ``relu6``. Other
    Clip bounds are left alone (hls4ml then names the unsupported operation).
    """
    import numpy as np

    graph = model.graph
    for node in graph.node:
        if node.op_type != "Clip" or len(node.input) < 3:
            continue
        low, high = (model.get_initializer(name) for name in node.input[1:3])
        if low is None or high is None or float(np.asarray(low)) != 0.0 or float(np.asarray(high)) != 6.0:
            continue
        node.op_type = RELU6
        del node.input[1:]
    used = {name for node in graph.node for name in node.input}
    for init in [init for init in graph.initializer if init.name not in used]:
        graph.initializer.remove(init)
    register_relu6()
    return model


def register_relu6() -> None:
    """Register the ``Relu6`` node with hls4ml's ONNX frontend (once per process)."""
    import importlib

    onnx_to_hls = importlib.import_module("hls4ml.converters.onnx_to_hls")

    if RELU6 in onnx_to_hls.get_supported_onnx_layers():
        return

    def parse_relu6(node: Any, input_names: list[str], input_shapes: Any, graph: Any) -> dict[str, Any]:
        return {"name": node.name, "class_name": "Activation", "activation": "relu6", "inputs": input_names[:1],
                "outputs": list(node.output)}

    onnx_to_hls.register_onnx_layer_handler(RELU6, parse_relu6)


def hls_config(lowered: Lowered, cfg: FpgaConfig, onnx: Any = None) -> dict[str, Any]:
    """hls4ml's per-layer configuration with our precision, reuse factor and strategy on every layer."""
    import hls4ml

    chatter = io.StringIO()
    with contextlib.redirect_stdout(chatter):
        if onnx is not None:
            config: dict[str, Any] = hls4ml.utils.config_from_onnx_model(
                onnx, granularity="name", backend=HLS_BACKEND, default_precision=cfg.fixed.hls(),
                default_reuse_factor=cfg.reuse_factor,
            )
        else:
            config = hls4ml.utils.config_from_pytorch_model(
                lowered.module,
                lowered.input_shapes if len(lowered.input_shapes) > 1 else lowered.input_shapes[0],
                granularity="name",
                backend=HLS_BACKEND,
                default_precision=cfg.fixed.hls(),
                default_reuse_factor=cfg.reuse_factor,
            )
    config["Model"]["Strategy"] = cfg.strategy.capitalize()
    for layer in config.get("LayerName", {}).values():
        layer["ReuseFactor"] = cfg.reuse_factor
        layer["Strategy"] = cfg.strategy.capitalize()
        if layer.get("Implementation") == "stable":
            # hls4ml 1.3.0's "stable" softmax returned a uniform 0.2 for every row of the jet tagger
            # (logit gaps ~0.1); "legacy" agrees with float64 within 4e-3. See docs/fpga-model.md.
            layer["Implementation"] = "legacy"
    return config


def convert(lowered: Lowered, cfg: FpgaConfig, output_dir: Path) -> Any:
    """The hls4ml ModelGraph for ``lowered`` (conversion only: cheap, nothing compiled)."""
    import hls4ml

    chatter = io.StringIO()  # hls4ml prints its topology on stdout; stdout belongs to --json
    if lowered.route in ("onnx", "qonnx"):
        if lowered.route == "qonnx":  # the user's quantized graph, every Quant node's bit width kept
            from accelbench.fpga.qonnx_lowering import hls_graph, with_input_type

            graph = hls_graph(lowered.module)
            config = with_input_type(hls_config(lowered, cfg, graph), lowered.module, graph)
        else:
            graph = onnx_model(lowered, output_dir.parent / "onnx")
            config = hls_config(lowered, cfg, graph)
        with contextlib.redirect_stdout(chatter):
            model = hls4ml.converters.convert_from_onnx_model(
                graph, hls_config=config, output_dir=str(output_dir), backend=HLS_BACKEND,
                part=cfg.part, clock_period=cfg.clock_ns, io_type=cfg.io_type,
            )
        logger.debug("hls4ml conversion output:\n%s", chatter.getvalue())
        return model
    with contextlib.redirect_stdout(chatter):
        model = hls4ml.converters.convert_from_pytorch_model(
            lowered.module,
            hls_config=hls_config(lowered, cfg),
            output_dir=str(output_dir),
            backend=HLS_BACKEND,
            part=cfg.part,
            clock_period=cfg.clock_ns,
            io_type=cfg.io_type,
        )
    logger.debug("hls4ml conversion output:\n%s", chatter.getvalue())
    return model
