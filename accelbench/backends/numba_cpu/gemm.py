"""Packed, cache-blocked, register-blocked GEMM written with Numba (GotoBLAS/BLIS loop structure).

``C[b] = A[b] @ B`` for a batch of A (any strides: transposed views need no copy) and one
constant B:

* B is packed once (at prepare time, as libraries pre-pack constant weights) into column panels
  ``(n_panels, k, NR)``, zero-padded at the right edge, so the micro-kernel streams a
  ``KC x NR`` slice of it contiguously (it stays in L1 while a block of A passes by);
* each parallel task owns a block of ``mc`` rows of one batch item (and, when rows are too few
  to feed every thread, a block of column panels); per ``KC``-deep slice of K, each B micro-panel
  passes over the block's row tiles while it sits in L1. A is read in place by strides, unless
  the block meets many B panels (``PACK_A_MIN_PANELS``) or its K steps lie a page apart: then
  it is first packed into ``(mc / MR, KC, MR)`` micro-panels (one contiguous stream per
  micro-kernel call instead of ``MR`` rows far apart, which thrash the TLB and alias in L1);
* the micro-kernel (:mod:`.microkernel`) keeps a ``12 x 2``-vector tile of C in registers and
  writes it to C with masked stores at the edges (no padded output, no copy);
* tasks are spread over Numba's threads with ``prange`` (as many tasks as threads when possible);
* with fewer than ``SMALL_N`` columns (matrix-vector products) C is computed as dot products
  over rows of A instead (:func:`gemm` picks the path from the layout :func:`pack` chose).

Measured against OpenBLAS in ``benchmarks/numba_gemm_vs_openblas.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numba import njit, prange

from accelbench.backends.numba_cpu.microkernel import MR, micro_kernel, nr_for, renamed

KC = 256  # depth of a K slice: a KC x NR B micro-panel (32 KiB for float32) stays in L1 (48 KiB)
MC_MAX = 480  # rows of an A block: MC_MAX x KC (480 KiB for float32) stays in L2 (2 MiB)


def pack_b(b: np.ndarray) -> np.ndarray:
    """Pack B (k, n) into contiguous column panels (n_panels, k, NR), zero-padding the last panel."""
    k, n = b.shape
    nr = nr_for(b.dtype.itemsize)
    panels = -(-n // nr)
    padded = np.zeros((k, panels * nr), dtype=b.dtype)
    padded[:, :n] = b
    return np.ascontiguousarray(padded.reshape(k, panels, nr).transpose(1, 0, 2))


@njit(cache=True, inline="always")
def pack_a_block(a: np.ndarray, i0: int, rows: int, k0: int, kk: int, out: np.ndarray) -> None:
    """Copy ``a[i0:i0+rows, k0:k0+kk]`` (2-D, any strides) into MR-row micro-panels ``out[panel, p, r]``.

    Rows past ``rows`` in the last panel are left as they are (the micro-kernel never stores them).
    """
    for panel in range((rows + MR - 1) // MR):
        r0 = panel * MR
        for r in range(min(MR, rows - r0)):
            row = i0 + r0 + r
            for p in range(kk):
                out[panel, p, r] = a[row, k0 + p]


@njit(cache=True, inline="always")
def block_times_panels(ap: np.ndarray, rows: int, bp: np.ndarray, b_base: int, ldb_panel: int, kk: int,
                       c: np.ndarray, c_base: int, ldc: int, jp0: int, jp1: int, n: int, nr: int,
                       accumulate: bool) -> None:
    """C block (+)= packed A block ``ap`` (panels, >= kk, MR) of ``rows`` rows times B panels ``jp0:jp1``.

    ``bp`` holds panel ``jp``'s slice at ``b_base + jp * ldb_panel`` with rows ``nr`` apart;
    ``c_base`` is the element offset of C's (block row 0, column 0) and ``n`` its column count.
    """
    panel_size = ap.shape[1] * MR
    for jp in range(jp0, jp1):
        cols = min(nr, n - jp * nr)
        for panel in range((rows + MR - 1) // MR):
            micro_kernel(ap, panel * panel_size, 1, MR, bp, b_base + jp * ldb_panel, nr, kk,
                         c, c_base + panel * MR * ldc + jp * nr, ldc, min(MR, rows - panel * MR), cols,
                         accumulate)


def _gemm(a: np.ndarray, bp: np.ndarray, c: np.ndarray, mc: int, col_blocks: int, pack_a: bool) -> None:
    """c (batch, m, n) = a (batch, m, k) @ B with B packed (n_panels, k, NR); c contiguous.

    Compiled twice: with ``parallel=True`` (tasks over Numba's threads) and serial (``prange`` is
    ``range``) for problems too small to pay for waking the thread pool.
    """
    batch, m, k = a.shape
    n = c.shape[2]
    panels, _, nr = bp.shape
    sb, sm, sk = a.strides[0] // a.itemsize, a.strides[1] // a.itemsize, a.strides[2] // a.itemsize
    row_blocks = (m + mc - 1) // mc
    panels_per_block = (panels + col_blocks - 1) // col_blocks
    for task in prange(batch * row_blocks * col_blocks):
        bi = task // (row_blocks * col_blocks)
        ib = (task // col_blocks) % row_blocks
        jb = task % col_blocks
        i0 = ib * mc
        rows = min(mc, m - i0)
        jp0 = jb * panels_per_block
        jp1 = min(panels, jp0 + panels_per_block)
        ap = np.empty(((rows + MR - 1) // MR if pack_a else 0, KC, MR), dtype=a.dtype)
        for k0 in range(0, k, KC):
            kk = min(KC, k - k0)
            if pack_a:
                pack_a_block(a[bi], i0, rows, k0, kk, ap)
                block_times_panels(ap, rows, bp, k0 * nr, k * nr, kk,
                                   c, bi * m * n + i0 * n, n, jp0, jp1, n, nr, k0 > 0)
            else:
                for jp in range(jp0, jp1):
                    for r0 in range(i0, i0 + rows, MR):
                        micro_kernel(a, bi * sb + r0 * sm + k0 * sk, sm, sk, bp, jp * k * nr + k0 * nr, nr, kk,
                                     c, bi * m * n + r0 * n + jp * nr, n, min(MR, i0 + rows - r0),
                                     min(nr, n - jp * nr), k0 > 0)


_gemm_parallel = njit(cache=True, parallel=True)(renamed(_gemm, "_gemm_parallel"))
_gemm_serial = njit(cache=True)(renamed(_gemm, "_gemm_serial"))

#: Below this many FLOPs a call runs on the calling thread (waking the pool costs ~10-20 us).
SERIAL_FLOPS = 4e6


def blocking(m: int, panels: int, threads: int, batch: int = 1) -> tuple[int, int]:
    """(mc, col_blocks): rows per task (a multiple of MR, at most MC_MAX) and column blocks.

    Row blocks are cut so there are at least ``threads`` tasks (over the batch too) when ``m``
    allows; when the rows are too few (fewer MR tiles than threads), column panels are split too.
    """
    tiles = -(-m // MR)
    blocks = max(min(-(-threads // batch), tiles), -(-tiles * MR // MC_MAX))
    blocks = -(-blocks // threads) * threads if blocks > threads else blocks
    mc = -(-tiles // blocks) * MR
    row_tasks = batch * -(-m // mc)
    col_blocks = 1 if row_tasks >= threads else min(panels, -(-threads // row_tasks))
    return mc, col_blocks


#: A is packed into micro-panels when the copy is amortised over at least this many column panels
#: of B (n >= 1024 for float32), or when consecutive K steps of A lie more than a page apart
#: (a transposed A with long columns). Otherwise the micro-kernel reads A in place: measured
#: single-threaded side by side, reading in place was 35 % faster at 64^3, 9 % at 256^3 and
#: 3 % at 5124x700x2048; packing 5 % faster at 1024^3 and 20 % at 2048^3.
PACK_A_MIN_PANELS = 32
PACK_A_STRIDE_BYTES = 4096


def gemm_packed(a: np.ndarray, bp: np.ndarray, n: int) -> np.ndarray:
    """C (batch, m, n) = A (batch, m, k) @ B, with B packed by :func:`pack_b` (A may be any strided view)."""
    batch, m, k = a.shape
    c = np.empty((batch, m, n), dtype=a.dtype)
    pack_a = bp.shape[0] >= PACK_A_MIN_PANELS or abs(a.strides[2]) > PACK_A_STRIDE_BYTES
    if 2.0 * batch * m * n * k < SERIAL_FLOPS:
        _gemm_serial(a, bp, c, *blocking(m, bp.shape[0], 1, batch), pack_a)
    else:
        _gemm_parallel(a, bp, c, *blocking(m, bp.shape[0], numba.get_num_threads(), batch), pack_a)
    return c


#: Below this many columns, C is computed as dot products (the register tile would be mostly
#: padding: one column of NR = 32 is 1/32 useful work).
SMALL_N = 8


def _dots(a: np.ndarray, bt: np.ndarray, c: np.ndarray, zero: float) -> None:
    """c (batch, m, n) = a (batch, m, k) @ bt.T for a small n: one dot product per output.

    Matrix-vector products are bound by reading A: each row of A is read once, for all n dot
    products. ``fastmath`` reassociation (on this function only) lets LLVM vectorise the sums
    over k; it changes a float32 sum of k products by rounding only (~k * 6e-8 relative at
    worst, far below the 1e-4 tolerance). Compiled twice, parallel and serial.
    """
    batch, m, k = a.shape
    n = bt.shape[0]
    for t in prange(batch * m):
        bi = t // m
        i = t % m
        for j in range(n):
            acc = zero
            for p in range(k):
                acc += a[bi, i, p] * bt[j, p]
            c[bi, i, j] = acc


_dots_parallel = njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})(renamed(_dots, "_dots_parallel"))
_dots_serial = njit(cache=True, fastmath={"reassoc", "contract"})(renamed(_dots, "_dots_serial"))


@dataclass(frozen=True)
class PackedB:
    """A constant B laid out once for :func:`gemm`: NR-wide panels, or B^T rows when n < SMALL_N."""

    n: int
    panels: np.ndarray | None = None
    rows: np.ndarray | None = None


def pack(b: np.ndarray) -> PackedB:
    """Lay out B (k, n) for :func:`gemm` (at prepare time: B is a constant weight)."""
    n = b.shape[1]
    if n < SMALL_N:
        return PackedB(n, rows=np.ascontiguousarray(b.T))
    return PackedB(n, panels=pack_b(b))


def gemm(a: np.ndarray, packed: PackedB) -> np.ndarray:
    """C (batch, m, n) = A (batch, m, k) @ B for B laid out by :func:`pack` (A may be any strided view)."""
    if packed.panels is not None:
        return gemm_packed(a, packed.panels, packed.n)
    assert packed.rows is not None
    a = np.ascontiguousarray(a)  # the dot products stream rows of A
    batch, m, k = a.shape
    c = np.empty((batch, m, packed.n), dtype=a.dtype)
    run = _dots_serial if 2.0 * batch * m * packed.n * k < SERIAL_FLOPS else _dots_parallel
    run(a, packed.rows, c, c.dtype.type(0))
    return c
