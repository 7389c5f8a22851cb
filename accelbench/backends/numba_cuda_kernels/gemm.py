"""Shared-memory and register-tiled GEMM: C[b] = A[b] @ B, float32.

A block of 16 x 16 threads computes a BM x BN (64 x 64) tile of C; each thread owns TM x TN
(4 x 4) accumulators in registers, at rows ``ty + 16 i`` and columns ``tx + 16 j`` (strided, so
a warp's shared-memory reads hit distinct banks and its stores to C are coalesced). K is walked in
slices of 16 (sm_80) or 32 (sm_90) staged through shared memory, A's slice transposed and padded by one column
against bank conflicts on the store. Each shared-memory value read feeds 4 FMAs (the register
blocking). Ragged edges are zero-padded on load and masked on store.

numba cannot issue vector loads from a float32 array, so unlike kernels/sgemm.cu global loads are
one element each (coalesced across the warp).
"""

from __future__ import annotations

from numba import cuda, float32

BM = 64
BN = 64
TM = 4
TN = 4
THREADS = 256  #: 16 x 16
SA_COLS = BM + 1  #: A's transposed slice, padded by one column
#: K slice per architecture (compute capability major.minor as "80", "90"): sm_90's larger shared
#: memory and L1 take twice the slice, halving the barriers per FMA.
BK_FOR_ARCH = {"80": 16, "90": 32}


def make_gemm(bk: int):
    """The tiled GEMM kernel with K slices of ``bk`` (a multiple of 4)."""
    loads = BM * bk // THREADS  # elements of A (and of B) each thread stages per slice

    @cuda.jit
    def gemm_tiled(a, b, c):
        """a (batch, m, k), b (k, n), c (batch, m, n); grid (ceil(n/BN), ceil(m/BM), batch), block (16, 16)."""
        sa = cuda.shared.array((bk, SA_COLS), float32)
        sb = cuda.shared.array((bk, BN), float32)
        acc = cuda.local.array((TM, TN), float32)
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        tid = ty * 16 + tx
        bz = cuda.blockIdx.z
        row0 = cuda.blockIdx.y * BM
        col0 = cuda.blockIdx.x * BN
        m = a.shape[1]
        k = a.shape[2]
        n = b.shape[1]
        for i in range(TM):
            for j in range(TN):
                acc[i, j] = float32(0.0)
        for k0 in range(0, k, bk):
            for load in range(loads):
                idx = tid + load * THREADS
                r = idx // bk  # consecutive threads read consecutive k of one row of A
                kk = idx % bk
                if row0 + r < m and k0 + kk < k:
                    sa[kk, r] = a[bz, row0 + r, k0 + kk]
                else:
                    sa[kk, r] = float32(0.0)
                kk = idx // BN  # and consecutive columns of one row of B
                cc = idx % BN
                if k0 + kk < k and col0 + cc < n:
                    sb[kk, cc] = b[k0 + kk, col0 + cc]
                else:
                    sb[kk, cc] = float32(0.0)
            cuda.syncthreads()
            for kk in range(bk):
                a0 = sa[kk, ty]
                a1 = sa[kk, ty + 16]
                a2 = sa[kk, ty + 32]
                a3 = sa[kk, ty + 48]
                for j in range(TN):
                    bj = sb[kk, tx + 16 * j]
                    acc[0, j] += a0 * bj
                    acc[1, j] += a1 * bj
                    acc[2, j] += a2 * bj
                    acc[3, j] += a3 * bj
            cuda.syncthreads()
        for i in range(TM):
            row = row0 + ty + 16 * i
            if row < m:
                for j in range(TN):
                    col = col0 + tx + 16 * j
                    if col < n:
                        c[bz, row, col] = acc[i, j]

    return gemm_tiled


GEMM_FOR_ARCH = {arch: make_gemm(bk) for arch, bk in BK_FOR_ARCH.items()}
gemm_tiled = GEMM_FOR_ARCH["80"]
gemm_tiled_sm90 = GEMM_FOR_ARCH["90"]


def arch_of_current_device() -> str:
    """The sizing of the current device: "90" from compute capability 9.0 up, else "80"."""
    major, _ = cuda.get_current_device().compute_capability
    return "90" if major >= 9 else "80"


def launch_gemm(a, b, c, arch: str | None = None) -> None:
    """C = A @ B with the kernel sized for ``arch`` ("80" or "90"; default: the current device's)."""
    batch, m, _ = a.shape
    n = b.shape[1]
    grid = ((n + BN - 1) // BN, (m + BM - 1) // BM, batch)
    GEMM_FOR_ARCH[arch or arch_of_current_device()][grid, (16, 16)](a, b, c)
