"""The workload contract: what is computed, on which shapes, and the float64 truth.

A :class:`Workload` is a frozen description of one computation (a GEMM, a convolution, one
recurrent cell step, or a whole model). It knows

* its tensors (:class:`TensorSpec`): batched *inputs* (fresh random data for every correctness
  check) and constant *weights* (drawn once from a fixed seed, like a model's parameters, so an
  FPGA design can bake them in as constants);
* its work: :meth:`Workload.flops` and the ideal :meth:`Workload.bytes_moved` (every input and
  weight read once, the output written once) for a batch size;
* its truth: :meth:`Workload.reference` computes the output in float64 from the very values the
  backends see (inputs and weights are rounded to the workload's dtype first).

Concrete kinds live in :mod:`accelbench.kinds`; :func:`accelbench.kinds.make_workload` builds one
from a kind name and parameters and turns every bad parameter into a
:class:`~accelbench.errors.UserError` naming the field. This module imports no kind (kinds import
it), so there is no import circle.

Array conventions every backend follows:

* gemm: ``a`` is ``(batch, m, k)`` (``(batch, k, m)`` when ``trans_a``), weight ``b`` is
  ``(k, n)`` (``(n, k)`` when ``trans_b``); output ``(batch, m, n)`` = ``op(a) @ op(b)``.
* conv2d: ``x`` is NCHW ``(batch, c, h, w)``, weight ``w`` is ``(k, c, r, s)``, no bias, zero
  padding; output ``(batch, k, p, q)``.
* rnn_step: ``x`` is ``(batch, input_size)`` (``(batch, timesteps, input_size)`` when
  ``timesteps > 1``), ``h0`` is ``(batch, hidden)`` (and ``c0`` for lstm); weights ``w_ih``
  ``(gates*hidden, input_size)``, ``w_hh`` ``(gates*hidden, hidden)``, ``b_ih``, ``b_hh``
  ``(gates*hidden,)`` in PyTorch's gate order (lstm i,f,g,o; gru r,z,n); output the last hidden
  state ``(batch, hidden)``.
* model: ``x`` is ``(batch, *input_shape)``; weights live in the torch module; output the module's
  output (logits for classifiers).
"""

from __future__ import annotations

import hashlib
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np

from accelbench.errors import UserError

DTYPES: dict[str, Any] = {"float16": np.float16, "float32": np.float32, "float64": np.float64}

#: Relative tolerance (max abs error over the reference's max magnitude) per dtype.
DEFAULT_RTOL: dict[str, float] = {"float16": 2e-2, "float32": 1e-4, "float64": 1e-9}

#: Bumped whenever input/weight generation or a reference changes meaning: results from different
#: definitions must never be compared silently.
DEFINITION_VERSION = 2

#: Seed of the constant weights (the "trained model"); inputs use a fresh seed per measurement.
WEIGHT_SEED = 20260101

Role = Literal["input", "weight"]


@dataclass(frozen=True)
class TensorSpec:
    """One tensor of a workload. ``shape`` excludes the batch dimension when ``batched``."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    role: Role = "input"
    batched: bool = True

    def shape_for(self, batch: int) -> tuple[int, ...]:
        """The full shape at ``batch`` (the batch dimension leads)."""
        return (batch, *self.shape) if self.batched else self.shape

    def nbytes(self, batch: int) -> int:
        """Bytes of this tensor at ``batch``."""
        return int(np.prod(self.shape_for(batch))) * np.dtype(DTYPES[self.dtype]).itemsize


def canonical_params(params: Mapping[str, Any]) -> str:
    """A stable JSON text of ``params`` (sorted keys) used for hashing and storage."""
    return json.dumps(dict(params), sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True, eq=False)
class Workload(ABC):
    """Base class of every workload kind; see the module docstring for the conventions."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)

    kind: str = field(init=False, default="")

    @classmethod
    @abstractmethod
    def from_params(cls, params: dict[str, Any], name: str | None = None) -> Workload:
        """Validate and normalise ``params`` (defaults filled in) into a workload."""

    # -- identity ---------------------------------------------------------------------------
    @property
    def dtype(self) -> str:
        return str(self.params.get("dtype", "float32"))

    @property
    def np_dtype(self) -> Any:
        return DTYPES[self.dtype]

    @cached_property
    def params_hash(self) -> str:
        """Hash of kind, parameters and the definition version: equal hash, comparable results."""
        text = f"{self.kind}|{canonical_params(self.params)}|v{DEFINITION_VERSION}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Workload)
            and (self.name, self.kind, self.params_hash) == (other.name, other.kind, other.params_hash)
        )

    def __hash__(self) -> int:
        return hash((self.name, self.kind, self.params_hash))

    def describe(self) -> str:
        """A short human description of the shape, e.g. ``m=256 n=256 k=256 float32``."""
        return " ".join(f"{k}={v}" for k, v in self.params.items())

    # -- shapes -----------------------------------------------------------------------------
    @property
    def default_batch(self) -> int:
        return int(self.params.get("batch", 1))

    @property
    @abstractmethod
    def inputs(self) -> tuple[TensorSpec, ...]:
        """Batched activations, in the order ``run`` receives them."""

    @property
    def weight_specs(self) -> tuple[TensorSpec, ...]:
        """Constant operands (empty for model workloads, whose weights live in the module)."""
        return ()

    @abstractmethod
    def output_shape(self, batch: int) -> tuple[int, ...]:
        """Shape of the output at ``batch``."""

    @property
    def is_classifier(self) -> bool:
        """True when the output is class logits, so argmax agreement is meaningful."""
        return False

    # -- work -------------------------------------------------------------------------------
    @abstractmethod
    def flops(self, batch: int) -> int:
        """Floating-point operations of one call at ``batch`` (a multiply-add counts as 2)."""

    def bytes_moved(self, batch: int) -> int:
        """Ideal bytes: every input and weight read once, the output written once."""
        out = int(np.prod(self.output_shape(batch))) * np.dtype(self.np_dtype).itemsize
        tensors = (*self.inputs, *self.weight_specs)
        return sum(t.nbytes(batch) for t in tensors) + out

    # -- data -------------------------------------------------------------------------------
    def make_inputs(self, seed: int, batch: int) -> tuple[np.ndarray, ...]:
        """Fresh uniform(-1, 1) inputs at ``batch`` in the workload's dtype, from ``seed``."""
        if batch < 1:
            raise UserError(f"batch must be a positive integer, got {batch}")
        rng = np.random.default_rng(seed)
        return tuple(
            rng.uniform(-1.0, 1.0, size=spec.shape_for(batch)).astype(DTYPES[spec.dtype])
            for spec in self.inputs
        )

    @cached_property
    def _weights(self) -> dict[str, np.ndarray]:
        rng = np.random.default_rng([WEIGHT_SEED, int(self.params_hash, 16) % 2**32])
        out: dict[str, np.ndarray] = {}
        for spec in self.weight_specs:
            bound = 1.0 / np.sqrt(max(self._fan_in(spec), 1))
            w = rng.uniform(-bound, bound, size=spec.shape).astype(DTYPES[spec.dtype])
            w.setflags(write=False)
            out[spec.name] = w
        return out

    def weights(self) -> dict[str, np.ndarray]:
        """The constant weights (read-only arrays in the workload's dtype), drawn once."""
        return self._weights

    def _fan_in(self, spec: TensorSpec) -> int:
        """Fan-in used to scale a weight so outputs stay O(1) (like torch's default init)."""
        return int(np.prod(spec.shape[1:])) if len(spec.shape) > 1 else int(spec.shape[0])

    @abstractmethod
    def reference(self, inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        """The float64 output for ``inputs`` (computed from the dtype-rounded values)."""

    def rtol(self) -> float:
        """Relative tolerance a backend's output must meet against :meth:`reference`."""
        return float(self.params.get("rtol", DEFAULT_RTOL[self.dtype]))


def require_int(params: Mapping[str, Any], key: str, *, minimum: int = 1, default: int | None = None) -> int:
    """Read ``params[key]`` as an integer >= ``minimum`` or raise a UserError naming ``key``."""
    if key not in params:
        if default is None:
            raise UserError(f"missing parameter `{key}`")
        return default
    value = params[key]
    if isinstance(value, bool):
        raise UserError(f"parameter `{key}` must be an integer, got {value!r}")
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise UserError(f"parameter `{key}` must be an integer, got {params[key]!r}") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise UserError(f"parameter `{key}` must be an integer, got {params[key]!r}")
    if value < minimum:
        raise UserError(f"parameter `{key}` must be >= {minimum}, got {value}")
    return value


def require_bool(params: Mapping[str, Any], key: str, default: bool = False) -> bool:
    """Read ``params[key]`` as a boolean (true/false/1/0 accepted) or raise a UserError."""
    value = params.get(key, default)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise UserError(f"parameter `{key}` must be true or false, got {value!r}")


def require_dtype(params: Mapping[str, Any], default: str = "float32") -> str:
    value = str(params.get("dtype", default))
    if value not in DTYPES:
        raise UserError(f"parameter `dtype` must be one of {', '.join(DTYPES)}, got {value!r}")
    return value


def require_choice(params: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str | None = None) -> str:
    if key not in params and default is None:
        raise UserError(f"missing parameter `{key}` (one of {', '.join(choices)})")
    value = str(params.get(key, default))
    if value not in choices:
        raise UserError(f"parameter `{key}` must be one of {', '.join(choices)}, got {value!r}")
    return value


def require_rtol(params: Mapping[str, Any]) -> float | None:
    """Read ``params["rtol"]``: a finite number in (0, 1], or a UserError (None when absent).

    A NaN tolerance would let every output pass and a negative one would fail every output: both
    would switch the correctness check off, so neither is accepted.
    """
    if "rtol" not in params:
        return None
    value = params["rtol"]
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UserError(f"parameter `rtol` must be a number in (0, 1], got {value!r}") from None
    if isinstance(value, bool) or not math.isfinite(number) or not 0 < number <= 1:
        raise UserError(f"parameter `rtol` must be a finite number in (0, 1], got {value!r}")
    return number


def check_known(kind: str, params: Mapping[str, Any], known: tuple[str, ...]) -> None:
    """Reject parameters the kind does not know (a typo must not be silently ignored)."""
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise UserError(
            f"unknown parameter `{unknown[0]}` for {kind} (known: {', '.join(known)})"
        )
