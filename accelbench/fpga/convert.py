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
    """Export the module to ONNX and clean it with qonnx into a channels-last graph hls4ml reads."""
    import warnings

    import torch
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.channels_last import ConvertToChannelsLastAndClean
    from qonnx.transformation.gemm_to_matmul import GemmToMatMul
    from qonnx.util.cleanup import cleanup_model

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "model.onnx"
    example = tuple(torch.zeros((1, *shape)) for shape in lowered.input_shapes)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(lowered.module, example, str(path), dynamo=False, opset_version=13)
    model = cleanup_model(ModelWrapper(str(path)))
    model = model.transform(ConvertToChannelsLastAndClean())
    return cleanup_model(model.transform(GemmToMatMul()))  # hls4ml's ONNX frontend reads MatMul, not Gemm


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
    if lowered.route == "onnx":
        graph = onnx_model(lowered, output_dir.parent / "onnx")
        with contextlib.redirect_stdout(chatter):
            model = hls4ml.converters.convert_from_onnx_model(
                graph, hls_config=hls_config(lowered, cfg, graph), output_dir=str(output_dir), backend=HLS_BACKEND,
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
