"""NCHW conv2d as an implicit GEMM on the shared register-blocked micro-kernel.

Per image, ``out[k, pixel] = W[k, (c, r, s)] @ X_col[(c, r, s), pixel]``:

* the filters ``W`` (k, c*r*s) are constant: packed once at prepare time into MR-row micro-panels
  ``(k_tiles, c*r*s, MR)`` (:func:`pack_filters`), so each micro-kernel call streams one
  contiguous A panel (KC x MR, in L1);
* ``X_col`` is never materialised: each task packs the ``KC x (block of output pixels)`` slice
  it needs straight from the input into NR-wide panels (``(panels, KC, NR)``, in L2), reading
  zeros for padding taps (bounds checks, no padded copy of the input); for 1x1 stride-1 filters
  with no padding the slice is a plain copy of input rows;
* output tiles are written straight into the NCHW output (row stride ``p * q``), masked at the
  right edge;
* tasks are (image, block of output pixels, block of output channels), spread over Numba's
  threads with ``prange``; small problems run on the calling thread.

Measured against PyTorch's CPU convolution in ``benchmarks/numba_conv_vs_torch.py``.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from accelbench.backends.numba_cpu.gemm import KC, SERIAL_FLOPS
from accelbench.backends.numba_cpu.microkernel import MR, micro_kernel, nr_for, renamed

PIXEL_PANELS = 8  # NR-wide pixel panels per task block: a KC x 8*NR B block (256 KiB float32) in L2


def pack_filters(w: np.ndarray) -> np.ndarray:
    """Filters (k, c, r, s) as MR-row micro-panels (k_tiles, c*r*s, MR), zero-padded past k."""
    k = w.shape[0]
    depth = int(np.prod(w.shape[1:]))
    tiles = -(-k // MR)
    padded = np.zeros((tiles * MR, depth), dtype=w.dtype)
    padded[:k] = w.reshape(k, depth)
    return np.ascontiguousarray(padded.reshape(tiles, MR, depth).transpose(0, 2, 1))


@njit(cache=True, inline="always")
def _pack_pixels(x: np.ndarray, img: int, k0: int, kk: int, pix0: int, panels: int, nr: int, geometry: tuple,
                 out: np.ndarray) -> None:
    """out[panel, p, j] = X_col[k0 + p, pix0 + panel * nr + j] (zero past the last pixel or in padding)."""
    r_taps, s_taps, stride_h, stride_w, pad_h, pad_w, q, pq = geometry
    h, w = x.shape[2], x.shape[3]
    flat = x.reshape(-1)  # x is C-contiguous (the wrapper makes sure)
    direct = r_taps == 1 and s_taps == 1 and stride_h == 1 and stride_w == 1 and pad_h == 0 and pad_w == 0
    h_base = np.empty(nr, dtype=np.intp)
    w_base = np.empty(nr, dtype=np.intp)
    for panel in range(panels):
        base = pix0 + panel * nr
        valid = min(nr, pq - base)
        if not direct:
            for j in range(valid):
                h_base[j] = ((base + j) // q) * stride_h - pad_h
                w_base[j] = ((base + j) % q) * stride_w - pad_w
        for p in range(kk):
            row = k0 + p
            ci = row // (r_taps * s_taps)
            if direct:
                start = (img * x.shape[1] + ci) * h * w + base
                for j in range(valid):
                    out[panel, p, j] = flat[start + j]
            else:
                ri = (row // s_taps) % r_taps
                si = row % s_taps
                for j in range(valid):
                    hi = h_base[j] + ri
                    wi = w_base[j] + si
                    if 0 <= hi < h and 0 <= wi < w:
                        out[panel, p, j] = x[img, ci, hi, wi]
                    else:
                        out[panel, p, j] = 0.0
            for j in range(valid, nr):
                out[panel, p, j] = 0.0


def _conv(x: np.ndarray, wp: np.ndarray, out: np.ndarray, k: int, geometry: tuple, nr: int,
          pixel_blocks: int, channel_blocks: int) -> None:
    """out (n, k, p, q) = conv(x (n, c, h, w), filters packed by :func:`pack_filters`).

    Compiled twice, parallel and serial (see :mod:`.gemm`).
    """
    r_taps, s_taps, stride_h, stride_w, pad_h, pad_w, _, pq = geometry
    direct = r_taps == 1 and s_taps == 1 and stride_h == 1 and stride_w == 1 and pad_h == 0 and pad_w == 0
    channels = x.shape[1]
    depth = wp.shape[1]
    batch = x.shape[0]
    pixel_panels = -(-pq // nr)
    panels_per_block = -(-pixel_panels // pixel_blocks)
    k_tiles = wp.shape[0]
    tiles_per_block = -(-k_tiles // channel_blocks)
    for task in prange(batch * pixel_blocks * channel_blocks):
        img = task // (pixel_blocks * channel_blocks)
        pb = (task // channel_blocks) % pixel_blocks
        cb = task % channel_blocks
        jp0 = pb * panels_per_block
        panels = min(pixel_panels, jp0 + panels_per_block) - jp0
        t0 = cb * tiles_per_block
        t1 = min(k_tiles, t0 + tiles_per_block)
        if panels <= 0 or t1 <= t0:
            continue
        bpack = np.empty((panels, KC, nr), dtype=x.dtype)
        x_flat = x.reshape(-1)
        for k0 in range(0, depth, KC):
            kk = min(KC, depth - k0)
            # 1x1/stride 1/no padding: full pixel panels are read straight from the input rows;
            # only a ragged last panel is packed (B must have NR readable columns).
            first_packed = 0
            if direct:
                first_packed = min(panels, (pq - jp0 * nr) // nr)
            _pack_pixels(x, img, k0, kk, (jp0 + first_packed) * nr, panels - first_packed, nr, geometry,
                         bpack)
            for tile in range(t0, t1):
                rows = min(MR, k - tile * MR)
                a_off = tile * depth * MR + k0 * MR
                c_row = (img * k + tile * MR) * pq
                for jp in range(panels):
                    pix = (jp0 + jp) * nr
                    cols = min(nr, pq - pix)
                    if jp < first_packed:
                        micro_kernel(wp, a_off, 1, MR, x_flat, (img * channels + k0) * pq + pix, pq, kk,
                                     out, c_row + pix, pq, rows, cols, k0 > 0)
                    else:
                        micro_kernel(wp, a_off, 1, MR, bpack, (jp - first_packed) * KC * nr, nr, kk,
                                     out, c_row + pix, pq, rows, cols, k0 > 0)


_conv_parallel = njit(cache=True, parallel=True)(renamed(_conv, "_conv_parallel"))
_conv_serial = njit(cache=True)(renamed(_conv, "_conv_serial"))


def blocks(batch: int, pixel_panels: int, k_tiles: int, threads: int) -> tuple[int, int]:
    """(pixel_blocks, channel_blocks): at most PIXEL_PANELS panels a block; channel blocks added
    until the tasks fill ``threads`` evenly (at least 90 % of the thread-slots busy)."""
    pixel_blocks = -(-pixel_panels // PIXEL_PANELS)
    channel_blocks = 1
    while channel_blocks < k_tiles:
        tasks = batch * pixel_blocks * channel_blocks
        if tasks >= 8 * threads or tasks / (-(-tasks // threads) * threads) >= 0.9:
            break
        channel_blocks += 1
    return pixel_blocks, channel_blocks


def conv2d(x: np.ndarray, wp: np.ndarray, k: int, r: int, s: int, stride: tuple[int, int],
           pad: tuple[int, int], out_hw: tuple[int, int]) -> np.ndarray:
    """NCHW convolution (cross-correlation) of x (n, c, h, w) with filters packed by :func:`pack_filters`."""
    p, q = out_hw
    batch = x.shape[0]
    x = np.ascontiguousarray(x)
    out = np.empty((batch, k, p, q), dtype=x.dtype)
    nr = nr_for(x.dtype.itemsize)
    geometry = (r, s, stride[0], stride[1], pad[0], pad[1], q, p * q)
    serial = 2.0 * batch * k * p * q * wp.shape[1] < SERIAL_FLOPS
    threads = 1 if serial else numba.get_num_threads()
    pixel_blocks, channel_blocks = blocks(batch, -(-p * q // nr), wp.shape[0], threads)
    run = _conv_serial if serial else _conv_parallel
    run(x, wp, out, k, geometry, nr, pixel_blocks, channel_blocks)
    return out
