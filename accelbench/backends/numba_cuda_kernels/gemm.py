"""Shared-memory tiled GEMM: C[b] = A[b] @ B, float32, one TILE x TILE block per output tile."""

from __future__ import annotations

from numba import cuda, float32

TILE = 16


@cuda.jit
def gemm_tiled(a, b, c):
    """a (batch, m, k), b (k, n), c (batch, m, n); grid (ceil(n/TILE), ceil(m/TILE), batch), block (TILE, TILE)."""
    sa = cuda.shared.array((TILE, TILE), float32)
    sb = cuda.shared.array((TILE, TILE), float32)
    tx = cuda.threadIdx.x
    ty = cuda.threadIdx.y
    col = cuda.blockIdx.x * TILE + tx
    row = cuda.blockIdx.y * TILE + ty
    bz = cuda.blockIdx.z
    m = a.shape[1]
    k = a.shape[2]
    n = b.shape[1]
    acc = float32(0.0)
    for t in range((k + TILE - 1) // TILE):
        kk = t * TILE
        if row < m and kk + tx < k:
            sa[ty, tx] = a[bz, row, kk + tx]
        else:
            sa[ty, tx] = float32(0.0)
        if kk + ty < k and col < n:
            sb[ty, tx] = b[kk + ty, col]
        else:
            sb[ty, tx] = float32(0.0)
        cuda.syncthreads()
        for i in range(TILE):
            acc += sa[ty, i] * sb[i, tx]
        cuda.syncthreads()
    if row < m and col < n:
        c[bz, row, col] = acc


def launch_gemm(a, b, c) -> None:
    batch, m, _ = a.shape
    n = b.shape[1]
    grid = ((n + TILE - 1) // TILE, (m + TILE - 1) // TILE, batch)
    gemm_tiled[grid, (TILE, TILE)](a, b, c)
