"""Load and call a design's compiled C-simulation library (what hls4ml's ``ModelGraph.predict`` does with it).

The library is built by :mod:`accelbench.fpga.build`; this module only needs its path, entry point and
input/output sizes (from the build's manifest), so calling it never imports hls4ml nor converts anything.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np


class CSim:
    """A design's compiled C-simulation library, called as hls4ml 1.3's ``ModelGraph._predict`` calls it.

    ``top`` is the project name (entry points ``<top>_float`` / ``<top>_double``, chosen by the
    first input's dtype); ``input_sizes``/``output_sizes`` are the element counts of the design's
    input and output variables. ``predict`` takes and returns what ``ModelGraph.predict`` does: one
    array, or a list with one array per input, of one or several samples.
    """

    def __init__(self, library: str, top: str, input_sizes: list[int], output_sizes: list[int]) -> None:
        self.library = library
        self.top = top
        self.input_sizes = list(input_sizes)
        self.output_sizes = list(output_sizes)
        self.lib = ctypes.cdll.LoadLibrary(library)

    def _top_function(self, xlist: list[np.ndarray]) -> tuple[Any, Any]:
        from numpy import ctypeslib

        for xi in xlist:
            if not isinstance(xi, np.ndarray):
                raise TypeError(f"expected numpy.ndarray, got {type(xi).__name__}")
            if not xi.flags["C_CONTIGUOUS"]:
                raise ValueError("array must be C-contiguous (numpy.ascontiguousarray)")
        dtype = xlist[0].dtype
        ctype: type[ctypes.c_float] | type[ctypes.c_double]
        if dtype == np.float32:
            function, ctype = getattr(self.lib, f"{self.top}_float"), ctypes.c_float
        elif dtype == np.float64:
            function, ctype = getattr(self.lib, f"{self.top}_double"), ctypes.c_double
        else:
            raise TypeError(f"invalid dtype {dtype} for the C simulation: float32 or float64")
        function.restype = None
        function.argtypes = [ctypeslib.ndpointer(ctype, flags="C_CONTIGUOUS")
                             for _ in range(len(xlist) + len(self.output_sizes))]
        return function, ctype

    def _n_samples(self, xlist: list[np.ndarray]) -> int:
        counts = []
        for xi, size in zip(xlist, self.input_sizes, strict=False):
            n, rem = divmod(int(np.prod(xi.shape)), size)
            if rem:
                raise ValueError(f"input size mismatch: {xi.shape} is not a multiple of {size} elements")
            counts.append(n)
        if len(set(counts)) > 1:
            raise ValueError("input size mismatch: the inputs hold different numbers of samples")
        return counts[0]

    def predict(self, x: Any) -> Any:
        n_inputs, n_outputs = len(self.input_sizes), len(self.output_sizes)
        xlist = [x] if n_inputs == 1 else list(x)
        function, ctype = self._top_function(xlist)
        n_samples = self._n_samples(xlist)
        if n_samples == 1 and n_inputs == 1:
            x = [x]
        output = []
        for i in range(n_samples):
            predictions = [np.zeros(size, dtype=ctype) for size in self.output_sizes]
            inp = [np.asarray(x[i])] if n_inputs == 1 else [np.asarray(xj[i]) for xj in x]
            function(*[np.ascontiguousarray(a) for a in inp], *predictions)
            output.append(predictions)
        outputs = [np.asarray([output[s][o] for s in range(n_samples)]) for o in range(n_outputs)]
        if n_samples == 1 and n_outputs == 1:
            return outputs[0][0]
        if n_outputs == 1:
            return outputs[0]
        if n_samples == 1:
            return [out[0] for out in outputs]
        return outputs

