"""A QONNX model (ONNX with ``Quant`` nodes, e.g. exported from Brevitas quantization-aware
training), read once and cleaned with qonnx, for the workload, its reference and its lowerings.

* :class:`QonnxGraph` — the cleaned graph (``qonnx.util.cleanup``), its input/output shapes, its
  quantizers (bit width, signedness, scale; on weights or on activations), FLOPs per item from the
  MatMul/Gemm/Conv shapes;
* the float64 reference: the graph in double precision through ONNX's reference evaluator
  (``onnx.reference``, NumPy), with each ``Quant``/``BipolarQuant`` node computed by qonnx's own
  NumPy function (``qonnx.custom_op.general.intquant.int_quant``, ``binary_quant``). qonnx's
  executor (``qonnx.core.onnx_exec.execute_onnx``) implements the same Quant semantics but casts
  every Quant output to float32 and runs the other nodes through ONNX Runtime in the graph's
  float32: its outputs agree with this reference to float32 rounding (tests/usermodels/test_qonnx.py);
* the ONNX Runtime form: qonnx's ``QuantToQCDQ`` (QuantizeLinear / Clip / DequantizeLinear), for
  bit widths up to 8, with a dynamic batch dimension;
* the tolerance of a lowering: a float32 lowering of a quantized network may move an activation
  across a rounding boundary (ONNX Runtime folds biases into int32, hls4ml rounds them to the
  design precision); one such step changes the output by at most the quantizer's step times the
  L1 gains of the weight layers after it (:meth:`QonnxGraph.step_bound`).

Imports qonnx, onnx and NumPy only when a QONNX model is loaded.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from accelbench.errors import UserError

QONNX_DOMAIN = "qonnx.custom_op.general"
#: QONNX operators the float64 reference computes (qonnx's NumPy functions).
REFERENCE_OPS = ("Quant", "BipolarQuant")
#: Widest quantizer ONNX Runtime's QuantizeLinear/DequantizeLinear represent here (int8/uint8).
QCDQ_MAX_BITS = 8


@dataclass(frozen=True)
class Quantizer:
    """One ``Quant``/``BipolarQuant`` node. ``on_weights``: it quantizes a constant (weights, bias);
    else an activation. ``step``: the largest scale (one integer step, in the tensor's units)."""

    name: str
    op: str
    bits: int
    signed: bool
    narrow: bool
    on_weights: bool
    step: float
    power_of_two: bool
    output: str

    def label(self) -> str:
        return f"{'w' if self.on_weights else 'a'}{self.bits}"


def _quiet(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return fn()


def clean(path: Path) -> Any:
    """The QONNX file cleaned by qonnx (constants folded, shapes inferred, names unique)."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.util.cleanup import cleanup_model

    try:
        return _quiet(lambda: cleanup_model(ModelWrapper(str(path))))
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"{path.name}: qonnx cannot clean this QONNX graph ({type(exc).__name__}: {first})") from None


def _dims(value_info: Any) -> tuple[int, ...]:
    return tuple(int(d.dim_value) for d in value_info.type.tensor_type.shape.dim)


def _batch_free_reshapes(model: Any) -> None:
    """Reshape targets whose first entry is the cleaned graph's batch of 1 copy the batch instead (0)."""
    from onnx import numpy_helper

    inits = {init.name: init for init in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Reshape" and node.input[1] in inits:
            target = numpy_helper.to_array(inits[node.input[1]]).copy()
            if target.ndim == 1 and target.size > 1 and int(target[0]) == 1:
                target[0] = 0
                inits[node.input[1]].CopyFrom(numpy_helper.from_array(target, node.input[1]))


def _to_double(proto: Any) -> Any:
    """A copy of ``proto`` with every float32 tensor, value and cast in float64."""
    from onnx import TensorProto, numpy_helper

    model = copy.deepcopy(proto)
    graph = model.graph
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT:
            init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float64), init.name))
    for info in [*graph.input, *graph.output, *graph.value_info]:
        if info.type.tensor_type.elem_type == TensorProto.FLOAT:
            info.type.tensor_type.elem_type = TensorProto.DOUBLE
    for node in graph.node:
        for attr in node.attribute:
            if node.op_type == "Cast" and attr.name == "to" and attr.i == TensorProto.FLOAT:
                attr.i = TensorProto.DOUBLE
    return model


def _custom_ops() -> list[type]:
    """OpRun classes computing QONNX's Quant and BipolarQuant with qonnx's own NumPy functions."""
    from onnx.reference.op_run import OpRun
    from qonnx.custom_op.general.bipolar_quant import binary_quant
    from qonnx.custom_op.general.intquant import int_quant

    def text(value: Any) -> str:
        return value.decode() if isinstance(value, bytes) else str(value)

    class Quant(OpRun):
        op_domain = QONNX_DOMAIN

        def _run(self, x: Any, scale: Any, zeropt: Any, bitwidth: Any, signed: int = 1, narrow: int = 0,
                 rounding_mode: Any = "ROUND") -> tuple[Any]:
            return (np.asarray(int_quant(x, scale, zeropt, bitwidth, signed, narrow, text(rounding_mode))),)

    class BipolarQuant(OpRun):
        op_domain = QONNX_DOMAIN

        def _run(self, x: Any, scale: Any) -> tuple[Any]:
            return (np.asarray(binary_quant(x, scale)),)

    return [Quant, BipolarQuant]


class QonnxGraph:
    """A cleaned QONNX model and what accelbench needs from it (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.model = clean(path)
        graph = self.model.graph
        inits = {init.name for init in graph.initializer}
        inputs = [i for i in graph.input if i.name not in inits]
        if len(inputs) != 1 or len(graph.output) != 1:
            raise UserError(f"{path.name}: expected one graph input and one output, found {len(inputs)} and "
                            f"{len(graph.output)}")
        self.input_name = inputs[0].name
        shape = _dims(inputs[0])[1:]
        if not shape or min(shape) < 1:
            raise UserError(f"{path.name}: input {self.input_name!r} needs fixed dimensions after the batch, "
                            f"got {_dims(inputs[0])}")
        self.input_shape: tuple[int, ...] = shape
        self.output_shape: tuple[int, ...] = _dims(graph.output[0])[1:]
        for node in graph.node:
            if node.domain and node.domain != "ai.onnx" and node.op_type not in REFERENCE_OPS:
                raise UserError(f"{path.name}: QONNX operator {node.op_type} ({node.domain}) is not supported "
                                f"(accelbench computes {', '.join(REFERENCE_OPS)} and standard ONNX operators)")
        _batch_free_reshapes(self.model.model)

    # -- structure ---------------------------------------------------------------------------
    def _constant(self, name: str) -> bool:
        """True when tensor ``name`` is an initializer or computed from initializers only."""
        if self.model.get_initializer(name) is not None:
            return True
        producer = self.model.find_producer(name)
        if producer is None:
            return False
        return all(self._constant(i) for i in producer.input if i)

    @cached_property
    def quantizers(self) -> list[Quantizer]:
        """Every Quant/BipolarQuant node in graph order."""
        found = []
        for node in self.model.graph.node:
            if node.op_type not in REFERENCE_OPS:
                continue
            attrs = {a.name: a.i for a in node.attribute if a.name in ("signed", "narrow")}
            scale = np.abs(np.asarray(self.model.get_initializer(node.input[1]), dtype=np.float64))
            if node.op_type == "Quant":
                bits_value = float(np.asarray(self.model.get_initializer(node.input[3])))
                if bits_value != int(bits_value):
                    raise UserError(f"{self.path.name}: {node.name} has a non-integer bit width {bits_value}")
                bits, signed, narrow = int(bits_value), bool(attrs.get("signed", 1)), bool(attrs.get("narrow", 0))
                step = float(scale.max())
            else:
                bits, signed, narrow, step = 1, True, False, 2.0 * float(scale.max())
            exponents = np.log2(scale[scale > 0]) if np.any(scale > 0) else np.array([0.5])
            found.append(Quantizer(node.name, node.op_type, bits, signed, narrow, self._constant(node.input[0]),
                                   step, bool(np.all(exponents == np.round(exponents))), node.output[0]))
        return found

    def summary(self) -> str:
        """The quantizers' bit widths in graph order, e.g. ``a8 w6 a6 w4``."""
        return " ".join(q.label() for q in self.quantizers)

    @cached_property
    def counts(self) -> tuple[int, int, tuple[int, ...]]:
        """(FLOPs per item, weight count, output shape without batch). A multiply-add is 2 FLOPs."""
        model = self.model
        flops = 0
        for node in model.graph.node:
            if node.op_type not in ("MatMul", "Gemm", "Conv"):
                continue
            out = model.get_tensor_shape(node.output[0]) or []
            a = model.get_tensor_shape(node.input[0]) or []
            w = model.get_tensor_shape(node.input[1]) or []
            per_out = math.prod(int(d) for d in out[1:]) if len(out) > 1 else 0
            if node.op_type == "Conv":
                reduce = math.prod(int(d) for d in w[1:]) if len(w) > 1 else 0
            elif node.op_type == "Gemm":
                trans_a = any(at.name == "transA" and at.i for at in node.attribute)
                reduce = int(a[0] if trans_a else a[-1]) if a else 0
            else:
                reduce = int(a[-1]) if a else 0
            flops += 2 * per_out * reduce
        weights = sum(int(np.asarray(model.get_initializer(i.name)).size) for i in model.graph.initializer
                      if np.asarray(model.get_initializer(i.name)).size > 1)
        return flops, weights, self.output_shape

    # -- reference ---------------------------------------------------------------------------
    @cached_property
    def _evaluator(self) -> Any:
        from onnx.reference import ReferenceEvaluator

        return ReferenceEvaluator(_to_double(self.model.model), new_ops=_custom_ops())

    def reference(self, x: np.ndarray) -> np.ndarray:
        """The graph in float64 on ``x`` (batch first), Quant nodes by qonnx's NumPy function."""
        (out,) = self._evaluator.run([self.model.graph.output[0].name], {self.input_name: x.astype(np.float64)})
        return np.asarray(out, dtype=np.float64)

    def tensors(self, names: list[str]) -> list[np.ndarray]:
        """Values of constant tensors (e.g. quantized weights) in float64."""
        probe = np.zeros((1, *self.input_shape))
        return [np.asarray(v, dtype=np.float64) for v in
                self._evaluator.run(names, {self.input_name: probe})]

    # -- weight layers and the tolerance -----------------------------------------------------
    @cached_property
    def weight_layers(self) -> list[tuple[Any, np.ndarray]]:
        """(node, dequantized weight) of every MatMul/Gemm/Conv with a constant weight, in graph order;
        MatMul weights as (in, out), Gemm as (out, in) after transB, Conv as (out, in/groups, k...)."""
        nodes = [n for n in self.model.graph.node if n.op_type in ("MatMul", "Gemm", "Conv")
                 and len(n.input) > 1 and self._constant(n.input[1])]
        values = self.tensors([n.input[1] for n in nodes]) if nodes else []
        layers = []
        for node, w in zip(nodes, values, strict=True):
            if node.op_type == "Gemm" and not any(a.name == "transB" and a.i for a in node.attribute):
                w = w.T
            layers.append((node, w))
        return layers

    def _gain(self, node: Any, w: np.ndarray) -> float:
        """Largest L1 norm of the output change from a unit change of one input element."""
        if node.op_type == "MatMul":
            return float(np.max(np.sum(np.abs(w), axis=1)))
        if node.op_type == "Gemm":
            return float(np.max(np.sum(np.abs(w), axis=0)))
        per_input_channel = np.sum(np.abs(w), axis=tuple(i for i in range(w.ndim) if i != 1))
        return float(np.max(per_input_channel))

    def _downstream(self, tensor: str) -> list[Any]:
        seen, order, todo = set(), [], [tensor]
        while todo:
            for node in self.model.find_consumers(todo.pop()) or []:
                if node.name not in seen:
                    seen.add(node.name)
                    order.append(node)
                    todo.extend(node.output)
        return order

    def step_bound(self) -> float:
        """Largest change of an output from one activation quantizer moving by one step (absolute)."""
        gains = {node.name: self._gain(node, w) for node, w in self.weight_layers}
        bound = 0.0
        for q in self.quantizers:
            if q.on_weights:
                continue
            gain = math.prod(gains[n.name] for n in self._downstream(q.output) if n.name in gains)
            bound = max(bound, q.step * gain)
        return bound

    # -- ONNX Runtime ------------------------------------------------------------------------
    @cached_property
    def qcdq(self) -> tuple[bytes | None, str]:
        """(serialized QuantizeLinear/DequantizeLinear model with a dynamic batch, "") or (None, why not)."""
        wide = [q for q in self.quantizers if q.bits > QCDQ_MAX_BITS or q.op != "Quant"]
        if wide:
            q = wide[0]
            what = f"{q.bits}-bit" if q.op == "Quant" else q.op
            return None, (f"{q.name} is a {what} quantizer: ONNX Runtime's QuantizeLinear/DequantizeLinear hold "
                          f"at most {QCDQ_MAX_BITS} bits")
        from qonnx.core.modelwrapper import ModelWrapper
        from qonnx.transformation.qonnx_to_qcdq import QuantToQCDQ

        model = _quiet(lambda: ModelWrapper(copy.deepcopy(self.model.model)).transform(QuantToQCDQ()))
        left = [n for n in model.graph.node if n.op_type in REFERENCE_OPS]
        if left:
            return None, f"qonnx's QuantToQCDQ left {left[0].name} ({left[0].op_type}) unconverted"
        proto = model.model
        for info in (proto.graph.input[0], proto.graph.output[0]):
            info.type.tensor_type.shape.dim[0].dim_param = "batch"
        del proto.graph.value_info[:]
        _batch_free_reshapes(proto)
        return proto.SerializeToString(), ""
