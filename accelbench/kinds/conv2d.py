"""conv2d: NCHW direct convolution (cross-correlation, as in every framework), zero padding, no bias."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accelbench.errors import UserError
from accelbench.workload import TensorSpec, Workload, check_known, require_dtype, require_int, require_rtol

_KNOWN = (
    "c", "h", "w", "k", "r", "s", "stride", "stride_h", "stride_w", "pad", "pad_h", "pad_w",
    "dtype", "batch", "n", "rtol",
)


@dataclass(frozen=True, eq=False)
class Conv2dWorkload(Workload):
    kind: str = field(init=False, default="conv2d")

    @classmethod
    def from_params(cls, params: dict[str, Any], name: str | None = None) -> Conv2dWorkload:
        check_known("conv2d", params, _KNOWN)
        if "n" in params and "batch" in params:
            raise UserError("conv2d takes `n` or `batch` (the same thing), not both")
        norm: dict[str, Any] = {key: require_int(params, key) for key in ("c", "h", "w", "k")}
        norm["r"] = require_int(params, "r", default=3)
        norm["s"] = require_int(params, "s", default=norm["r"])
        stride = require_int(params, "stride", default=1)
        pad = require_int(params, "pad", minimum=0, default=0)
        norm["stride_h"] = require_int(params, "stride_h", default=stride)
        norm["stride_w"] = require_int(params, "stride_w", default=stride)
        norm["pad_h"] = require_int(params, "pad_h", minimum=0, default=pad)
        norm["pad_w"] = require_int(params, "pad_w", minimum=0, default=pad)
        norm["dtype"] = require_dtype(params)
        batch_key = "n" if "n" in params else "batch"
        if batch_key in params:
            norm["batch"] = require_int(params, batch_key)
        rtol = require_rtol(params)
        if rtol is not None:
            norm["rtol"] = rtol
        p = (norm["h"] + 2 * norm["pad_h"] - norm["r"]) // norm["stride_h"] + 1
        q = (norm["w"] + 2 * norm["pad_w"] - norm["s"]) // norm["stride_w"] + 1
        if p < 1 or q < 1:
            raise UserError(
                f"conv2d filter {norm['r']}x{norm['s']} does not fit the padded input "
                f"{norm['h']}x{norm['w']} (pad {norm['pad_h']},{norm['pad_w']})"
            )
        label = (
            f"conv2d-{norm['c']}x{norm['h']}x{norm['w']}-k{norm['k']}-{norm['r']}x{norm['s']}"
            f"-s{norm['stride_h']}-{norm['dtype']}"
        )
        return cls(name=name or label, params=norm)

    def _p(self, key: str) -> int:
        return int(self.params[key])

    @property
    def out_hw(self) -> tuple[int, int]:
        p = (self._p("h") + 2 * self._p("pad_h") - self._p("r")) // self._p("stride_h") + 1
        q = (self._p("w") + 2 * self._p("pad_w") - self._p("s")) // self._p("stride_w") + 1
        return p, q

    @property
    def inputs(self) -> tuple[TensorSpec, ...]:
        return (TensorSpec("x", (self._p("c"), self._p("h"), self._p("w")), self.dtype),)

    @property
    def weight_specs(self) -> tuple[TensorSpec, ...]:
        shape = (self._p("k"), self._p("c"), self._p("r"), self._p("s"))
        return (TensorSpec("w", shape, self.dtype, role="weight", batched=False),)

    def output_shape(self, batch: int) -> tuple[int, ...]:
        return (batch, self._p("k"), *self.out_hw)

    def flops(self, batch: int) -> int:
        p, q = self.out_hw
        return 2 * batch * self._p("k") * p * q * self._p("c") * self._p("r") * self._p("s")

    def reference(self, inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        (x,) = inputs
        return conv2d_nchw(
            x.astype(np.float64),
            self.weights()["w"].astype(np.float64),
            (self._p("stride_h"), self._p("stride_w")),
            (self._p("pad_h"), self._p("pad_w")),
        )


def conv2d_nchw(
    x: np.ndarray, w: np.ndarray, stride: tuple[int, int], pad: tuple[int, int]
) -> np.ndarray:
    """Direct NCHW convolution with NumPy (im2col through strided views and one tensordot)."""
    (sh, sw), (ph, pw) = stride, pad
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    r, s = w.shape[2], w.shape[3]
    windows = np.lib.stride_tricks.sliding_window_view(xp, (r, s), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw]  # (n, c, p, q, r, s)
    out = np.tensordot(windows, w, axes=((1, 4, 5), (1, 2, 3)))  # (n, p, q, k)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))
