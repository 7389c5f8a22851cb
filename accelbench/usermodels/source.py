"""Read a user's model file into a torch module and an input shape (without batch).

Targets (see docs/your-model.md):

* ``path/to/file.py:factory`` — a function returning a ``torch.nn.Module``; the input shape comes
  from the module's ``example_input`` (a tensor with a batch dimension) or ``input_shape``
  attribute, or the factory's own attributes of those names;
* ``model.onnx`` — a sequential ONNX graph (converted layer by layer, :mod:`.onnx_chain`); a QONNX
  file (``Quant`` nodes, e.g. from Brevitas) is recognised as such and read as a graph by
  :mod:`accelbench.kinds.qonnx_model` (it keeps its quantization, and has no torch module);
* ``model.pt2`` — a ``torch.export`` program (its example inputs give the shape);

``--weights state_dict.pt`` loads a state dict into a ``.py`` factory's module. Every mistake is a
UserError naming the file and the problem.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accelbench.errors import UserError

if TYPE_CHECKING:
    from torch import nn

SUFFIXES = (".py", ".onnx", ".pt2")


@dataclass(frozen=True)
class ModelSource:
    """Where a user model comes from. ``format`` is py | onnx | qonnx | pt2."""

    path: Path
    format: str
    factory: str = ""
    weights: Path | None = None

    @property
    def name(self) -> str:
        stem = self.path.stem
        return f"{stem}.{self.factory}" if self.factory else stem

    def digest(self) -> str:
        """sha256 over the model file (and the weights file): results of a changed model never compare."""
        h = hashlib.sha256(self.path.read_bytes())
        if self.weights is not None:
            h.update(self.weights.read_bytes())
        return h.hexdigest()[:16]


def looks_like_model(target: str) -> bool:
    """True when ``target`` names a model file (``x.py:f``, ``x.onnx``, ``x.pt2``) rather than a suite."""
    head = target.split(":", 1)[0] if target.count(":") == 1 and ".py:" in target else target
    return head.endswith(SUFFIXES)


def parse_target(target: str, weights: str | None = None) -> ModelSource:
    """``file.py:factory`` / ``model.onnx`` / ``model.pt2`` -> a checked :class:`ModelSource`."""
    text, factory = target, ""
    if ".py:" in target:
        text, _, factory = target.rpartition(":")
        if not factory.isidentifier():
            raise UserError(f"model target {target!r}: {factory!r} is not a Python function name")
    path = Path(text)
    if path.suffix == ".py" and not factory:
        raise UserError(f"model target {target!r}: name the factory function, e.g. {text}:build_model")
    if not path.is_file():
        raise UserError(f"model file {path} does not exist")
    weights_path = Path(weights) if weights else None
    if weights_path is not None and not weights_path.is_file():
        raise UserError(f"--weights file {weights_path} does not exist")
    fmt = {".py": "py", ".onnx": "onnx", ".pt2": "pt2"}[path.suffix]
    if fmt == "onnx" and _is_qonnx(path):
        fmt = "qonnx"
    if weights_path is not None and fmt != "py":
        raise UserError(f"--weights applies to a .py factory; {path.name} carries its own weights")
    return ModelSource(path.resolve(), fmt, factory, weights_path.resolve() if weights_path else None)


def _is_qonnx(path: Path) -> bool:
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:
        raise UserError(f"model file {path} is not a readable ONNX file: {str(exc).splitlines()[0]}") from None
    return any(node.op_type in ("Quant", "BipolarQuant", "Trunc") for node in model.graph.node)


def load(source: ModelSource) -> tuple[nn.Module, tuple[int, ...]]:
    """The module in eval mode (float32) and its input shape without the batch dimension."""
    if source.format == "py":
        return _load_py(source)
    if source.format == "pt2":
        return _load_pt2(source)
    if source.format == "qonnx":  # its graph is the model: accelbench.kinds.qonnx_model, no torch module
        raise UserError(f"{source.path.name} is a QONNX model (Quant nodes): it has no torch module; it runs on "
                        "cpu-onnxruntime and fpga-hls4ml (accelbench.kinds.qonnx_model)")
    from accelbench.usermodels.onnx_chain import load_onnx

    return load_onnx(source.path)


def _load_py(source: ModelSource) -> tuple[nn.Module, tuple[int, ...]]:
    import torch

    module_name = f"accelbench_user_model_{hashlib.sha256(str(source.path).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(module_name, source.path)
    if spec is None or spec.loader is None:
        raise UserError(f"cannot import {source.path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise UserError(f"importing {source.path.name} failed: {type(exc).__name__}: {exc}") from None
    factory = getattr(module, source.factory, None)
    if not callable(factory):
        raise UserError(f"{source.path.name} has no function {source.factory!r}")
    try:
        net = factory()
    except Exception as exc:
        raise UserError(f"{source.path.name}:{source.factory}() failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(net, torch.nn.Module):
        raise UserError(f"{source.path.name}:{source.factory}() returned {type(net).__name__}, not a torch.nn.Module")
    if source.weights is not None:
        try:
            state = torch.load(source.weights, map_location="cpu", weights_only=True)
            net.load_state_dict(state)
        except Exception as exc:
            raise UserError(f"--weights {source.weights.name}: {type(exc).__name__}: {str(exc).splitlines()[0]}") \
                from None
    shape = _input_shape(net, factory, source)
    return net.eval().float(), shape


def _input_shape(net: Any, factory: Any, source: ModelSource) -> tuple[int, ...]:
    for owner in (net, factory):
        example = getattr(owner, "example_input", None)
        if example is not None and hasattr(example, "shape") and len(example.shape) >= 2:
            return tuple(int(d) for d in example.shape[1:])
        shape = getattr(owner, "input_shape", None)
        if shape is not None:
            try:
                dims = tuple(int(d) for d in shape)
            except (TypeError, ValueError):
                raise UserError(f"{source.name}: input_shape must be a tuple of integers, got {shape!r}") from None
            if not dims or min(dims) < 1:
                raise UserError(f"{source.name}: input_shape must be positive integers, got {shape!r}")
            return dims
    raise UserError(f"{source.name}: no input shape: give the module (or factory) an `input_shape` tuple "
                    "without the batch dimension, or an `example_input` tensor")


def _load_pt2(source: ModelSource) -> tuple[nn.Module, tuple[int, ...]]:
    import torch

    try:
        program = torch.export.load(str(source.path))
    except Exception as exc:
        raise UserError(f"{source.path.name} is not a torch.export program: {str(exc).splitlines()[0]}") from None
    args: tuple[Any, ...] = tuple(program.example_inputs[0]) if program.example_inputs else ()
    if len(args) != 1 or not hasattr(args[0], "shape"):
        raise UserError(f"{source.path.name}: expected one example input tensor, found {len(args)}")
    module: nn.Module = program.module()
    shape = tuple(int(d) for d in args[0].shape[1:])
    probe = torch.zeros((int(args[0].shape[0]) + 1, *shape), dtype=args[0].dtype)
    try:
        with torch.no_grad():
            module(probe)
    except Exception:
        fixed = int(args[0].shape[0])
        raise UserError(f"{source.path.name} was exported with a fixed batch of {fixed}: export it with "
                        "dynamic_shapes={'x': {0: torch.export.Dim('batch')}} so any batch size can run") from None
    return module, shape
