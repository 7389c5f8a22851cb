"""Direct NCHW convolution written with Numba.

Parallel over (image, output channel); for every (input channel, filter tap) the output plane is
updated row by row, so the innermost loop runs over contiguous output columns (vectorised for
stride 1). The input is zero-padded once per call.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True, fastmath=True)
def conv2d_direct(x_pad: np.ndarray, w: np.ndarray, stride_h: int, stride_w: int, p: int, q: int) -> np.ndarray:
    """out (n, k, p, q) from a zero-padded input (n, c, h + 2*pad_h, w + 2*pad_w) and filters (k, c, r, s)."""
    n, c = x_pad.shape[0], x_pad.shape[1]
    k, _, r, s = w.shape
    out = np.zeros((n, k, p, q), dtype=x_pad.dtype)
    for t in prange(n * k):
        ni = t // k
        ki = t % k
        plane = out[ni, ki]
        for ci in range(c):
            for ri in range(r):
                for si in range(s):
                    wv = w[ki, ci, ri, si]
                    for pi in range(p):
                        row = x_pad[ni, ci, pi * stride_h + ri]
                        for qi in range(q):
                            plane[pi, qi] += wv * row[qi * stride_w + si]
    return out
