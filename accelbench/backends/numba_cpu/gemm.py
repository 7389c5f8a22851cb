"""Cache-blocked, register-tiled GEMM written with Numba.

``C[b] = A[b] @ B`` for a batch of A and one constant B:

* B is packed once (at prepare time, as libraries pre-pack constant weights) into column panels
  ``(n_panels, k, NR)`` so the micro-kernel streams it contiguously;
* A is copied into a contiguous buffer padded to whole MR-row tiles;
* the micro-kernel accumulates an ``MR x NR`` tile of C in a small local array across a KC-deep
  slice of K (the B slice stays in L1), then writes or accumulates it into C;
* C is computed into a buffer padded to whole tiles, so the micro-kernel has no edge cases;
* row tiles (times the batch) are spread over threads with ``prange``.

Measured against OpenBLAS in ``benchmarks/numba_gemm_vs_openblas.py``; see the README.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

MR = 4  # rows of C per micro-tile
NR = 16  # columns of C per micro-tile (one AVX-512 / two AVX2 float32 vectors)
KC = 256  # depth of a K slice: a (KC x NR) panel of B stays in L1


@njit(cache=True)
def pack_b(b: np.ndarray) -> np.ndarray:
    """Pack B (k, n) into panels (n_panels, k, NR), zero-padding the last panel."""
    k, n = b.shape
    panels = (n + NR - 1) // NR
    out = np.zeros((panels, k, NR), dtype=b.dtype)
    for jp in range(panels):
        j0 = jp * NR
        for p in range(k):
            for j in range(min(NR, n - j0)):
                out[jp, p, j] = b[p, j0 + j]
    return out


@njit(cache=True, fastmath=True, inline="always")
def _micro(a: np.ndarray, bp: np.ndarray, c: np.ndarray, i0: int, jp: int, k0: int, k1: int, first: bool) -> None:
    acc = np.zeros((MR, NR), dtype=c.dtype)
    for p in range(k0, k1):
        for r in range(MR):
            av = a[i0 + r, p]
            for j in range(NR):
                acc[r, j] += av * bp[jp, p, j]
    j0 = jp * NR
    if first:
        for r in range(MR):
            for j in range(NR):
                c[i0 + r, j0 + j] = acc[r, j]
    else:
        for r in range(MR):
            for j in range(NR):
                c[i0 + r, j0 + j] += acc[r, j]


@njit(cache=True, parallel=True, fastmath=True)
def _gemm2d(a: np.ndarray, bp: np.ndarray, c: np.ndarray) -> None:
    """c (m_pad, n_pad) = a (m_pad, k) @ B for row-padded, contiguous a."""
    k = a.shape[1]
    panels = bp.shape[0]
    for t in prange(a.shape[0] // MR):
        i0 = t * MR
        for k0 in range(0, k, KC):
            k1 = min(k0 + KC, k)
            for jp in range(panels):
                _micro(a, bp, c, i0, jp, k0, k1, k0 == 0)


def gemm_packed(a: np.ndarray, bp: np.ndarray, n: int) -> np.ndarray:
    """C (batch, m, n) = A (batch, m, k) @ B, with B packed by :func:`pack_b` (A may be a strided view).

    A is copied once into a contiguous buffer padded to whole row tiles (zero rows), so the
    micro-kernel has no edge cases; C is the (batch, m, n) view of a tile-padded buffer.
    """
    batch, m, k = a.shape
    m_pad = -(-m // MR) * MR
    a_pad = np.zeros((batch, m_pad, k), dtype=a.dtype)
    a_pad[:, :m] = a
    c = np.empty((batch, m_pad, bp.shape[0] * NR), dtype=a.dtype)
    for bi in range(batch):
        _gemm2d(a_pad[bi], bp, c[bi])
    return c[:, :m, :n]
