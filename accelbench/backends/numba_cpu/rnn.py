"""Fused recurrent cells (vanilla, LSTM, GRU; PyTorch gate order) on the shared micro-kernel.

The gate GEMMs of a step are fused into one pass over column panels of gate-interleaved
weights:

* at prepare time (:func:`pack_cell`) ``W_ih`` and ``W_hh`` (G*H rows) are transposed and packed
  into NR-wide column panels in which the G gates of ``U = NR // G`` hidden units sit side by
  side (panel ``P`` holds gate ``g`` of unit ``P*U + u`` in column ``g*U + u``); biases follow
  the same order;
* per timestep, each parallel task takes whole panels: the micro-kernel computes the panel's
  ``x_t W_ih`` and ``h W_hh`` columns (one vector-times-matrix kernel per row at batch < 4, the
  12-row tile otherwise) and the task then applies the cell's non-linearities to its own ``U``
  units, so gates never leave the task and every step is one parallel region;
* over a sequence, the input projections ``x_t W_ih`` of all timesteps are one GEMM up front
  (W_ih's packed panels are GEMM B panels), so a step streams only ``W_hh`` (which then stays in
  L2 from step to step);
* float32 cells evaluate tanh (and the sigmoid, as ``0.5 + 0.5 tanh(v / 2)``) by a rational
  approximation accurate to 2.6e-8 absolute, a fifth of a libm call's cost (libm calls were a
  third of an LSTM step); float64 cells call libm;
* the timestep loop runs inside the kernel (the next step needs the whole new hidden state);
  small cells run on the calling thread.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from accelbench.backends.numba_cpu.gemm import gemm_packed
from accelbench.backends.numba_cpu.microkernel import MR, micro_kernel, nr_for, renamed, row_kernel

CELL_CODES = {"vanilla": 0, "lstm": 1, "gru": 2}
GATE_COUNT = {"vanilla": 1, "lstm": 4, "gru": 3}
#: Below this many FLOPs per timestep the cell runs on the calling thread (one parallel region a
#: step costs several microseconds).
SERIAL_STEP_FLOPS = 1e6


def units_per_panel(cell: str, itemsize: int) -> int:
    """Hidden units whose G gates share one NR-wide panel."""
    return nr_for(itemsize) // GATE_COUNT[cell]


def _interleave(matrix: np.ndarray, gates: int, units: int, nr: int) -> np.ndarray:
    """Rows of ``matrix`` (G*H, ...) reordered into panels (panels, NR, ...), zero-filled."""
    hidden = matrix.shape[0] // gates
    panels = -(-hidden // units)
    out = np.zeros((panels, nr, *matrix.shape[1:]), dtype=matrix.dtype)
    for g in range(gates):
        block = matrix[g * hidden:(g + 1) * hidden]
        padded = np.zeros((panels * units, *matrix.shape[1:]), dtype=matrix.dtype)
        padded[:hidden] = block
        out[:, g * units:(g + 1) * units] = padded.reshape(panels, units, *matrix.shape[1:])
    return out


def pack_cell(cell: str, w_ih: np.ndarray, w_hh: np.ndarray, b_ih: np.ndarray, b_hh: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gate-interleaved packed weights (panels, in, NR) for x and h and biases (panels * NR,)."""
    gates, nr = GATE_COUNT[cell], nr_for(w_ih.dtype.itemsize)
    units = nr // gates
    wih = np.ascontiguousarray(_interleave(w_ih, gates, units, nr).transpose(0, 2, 1))
    whh = np.ascontiguousarray(_interleave(w_hh, gates, units, nr).transpose(0, 2, 1))
    return wih, whh, _interleave(b_ih, gates, units, nr).reshape(-1), _interleave(b_hh, gates, units, nr).reshape(-1)


@njit(cache=True, inline="always")
def _tanh_rational(v: float) -> float:
    """tanh by Eigen's rational minimax fit on [-9, 9] (odd degree 13 over even degree 6).

    Max absolute error 2.6e-8 in double arithmetic (below float32's spacing near 1, 6e-8), and
    about 5x cheaper than a libm call; used for float32 cells only.
    """
    x = min(max(v, -9.0), 9.0)
    x2 = x * x
    p = -2.76076847742355e-16
    p = p * x2 + 2.00018790482477e-13
    p = p * x2 - 8.60467152213735e-11
    p = p * x2 + 5.12229709037114e-08
    p = p * x2 + 1.48572235717979e-05
    p = p * x2 + 6.37261928875436e-04
    p = p * x2 + 4.89352455891786e-03
    q = 1.19825839466702e-06
    q = q * x2 + 1.18534705686654e-04
    q = q * x2 + 2.26843463243900e-03
    q = q * x2 + 4.89352518554385e-03
    return x * p / q


@njit(cache=True, inline="always")
def _tanh(v: float, rational: bool) -> float:
    return _tanh_rational(v) if rational else math.tanh(v)


@njit(cache=True, inline="always")
def _sigmoid(v: float, rational: bool) -> float:
    """The logistic function; with ``rational``, as 0.5 + 0.5 tanh(v / 2) (an identity)."""
    return 0.5 + 0.5 * _tanh_rational(0.5 * v) if rational else 1.0 / (1.0 + math.exp(-v))


def _steps(xs: np.ndarray, h0: np.ndarray, c0: np.ndarray, wih: np.ndarray, whh: np.ndarray,
           bih: np.ndarray, bhh: np.ndarray, cell: int, units: int, gx: np.ndarray, x_done: bool) -> np.ndarray:
    """The cell over xs (batch, T, I) from h0 (batch, H) [, c0]; returns h_T. Compiled twice (parallel, serial).

    ``gx`` (batch * T, panels * NR) holds the input projections ``x_t W_ih`` (row ``b * T + t``):
    already computed when ``x_done``, else computed step by step here.
    """
    batch, steps, in_dim = xs.shape
    hidden = h0.shape[1]
    panels, _, nr = wih.shape
    ldc = panels * nr
    h = h0.copy()
    c = c0.copy()
    h_new = np.empty_like(h)
    gh = np.empty((batch, ldc), dtype=h.dtype)
    rational = h.itemsize == 4  # float32 cells: rational tanh; float64: libm
    sb, st, si = xs.strides[0] // xs.itemsize, xs.strides[1] // xs.itemsize, xs.strides[2] // xs.itemsize
    for t in range(steps):
        for panel in prange(panels):
            col = panel * nr
            if batch < 4:
                for b in range(batch):
                    if not x_done:
                        row_kernel(xs, b * sb + t * st, sb, si, wih, panel * in_dim * nr, nr, in_dim,
                                   gx, (b * steps + t) * ldc + col, ldc, 1, nr, False)
                    row_kernel(h, b * hidden, hidden, 1, whh, panel * hidden * nr, nr, hidden,
                               gh, b * ldc + col, ldc, 1, nr, False)
            else:
                for i0 in range(0, batch, MR):
                    rows = min(MR, batch - i0)
                    if not x_done:
                        micro_kernel(xs, i0 * sb + t * st, sb, si, wih, panel * in_dim * nr, nr, in_dim,
                                     gx, (i0 * steps + t) * ldc + col, steps * ldc, rows, nr, False)
                    micro_kernel(h, i0 * hidden, hidden, 1, whh, panel * hidden * nr, nr, hidden,
                                 gh, i0 * ldc + col, ldc, rows, nr, False)
            for uu in range(min(units, hidden - panel * units)):
                u = panel * units + uu
                for b in range(batch):
                    xrow = b * steps + t
                    if cell == 0:
                        j = col + uu
                        h_new[b, u] = _tanh(gx[xrow, j] + bih[j] + gh[b, j] + bhh[j], rational)
                    elif cell == 1:
                        i = col + uu
                        f, g, o = i + units, i + 2 * units, i + 3 * units
                        gi = _sigmoid(gx[xrow, i] + bih[i] + gh[b, i] + bhh[i], rational)
                        gf = _sigmoid(gx[xrow, f] + bih[f] + gh[b, f] + bhh[f], rational)
                        gg = _tanh(gx[xrow, g] + bih[g] + gh[b, g] + bhh[g], rational)
                        go = _sigmoid(gx[xrow, o] + bih[o] + gh[b, o] + bhh[o], rational)
                        cu = gf * c[b, u] + gi * gg
                        c[b, u] = cu  # read only by this (b, u)
                        h_new[b, u] = go * _tanh(cu, rational)
                    else:
                        r, z = col + uu, col + uu + units
                        n = z + units
                        gr = _sigmoid(gx[xrow, r] + bih[r] + gh[b, r] + bhh[r], rational)
                        gz = _sigmoid(gx[xrow, z] + bih[z] + gh[b, z] + bhh[z], rational)
                        gn = _tanh(gx[xrow, n] + bih[n] + gr * (gh[b, n] + bhh[n]), rational)
                        h_new[b, u] = (1.0 - gz) * gn + gz * h[b, u]
        h, h_new = h_new, h
    return h


_steps_parallel = njit(cache=True, parallel=True)(renamed(_steps, "_steps_parallel"))
_steps_serial = njit(cache=True)(renamed(_steps, "_steps_serial"))


def run_cell(cell: str, xs: np.ndarray, h0: np.ndarray, c0: np.ndarray | None,
             packed: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """h_T of ``cell`` over xs (batch, T, I) from h0 (batch, H) (and c0 for LSTM), weights from :func:`pack_cell`."""
    wih, whh, bih, bhh = packed
    batch, _, in_dim = xs.shape
    hidden = h0.shape[1]
    step_flops = 2.0 * batch * GATE_COUNT[cell] * hidden * (in_dim + hidden)
    run = _steps_serial if step_flops < SERIAL_STEP_FLOPS else _steps_parallel
    units = units_per_panel(cell, xs.dtype.itemsize)
    steps, columns = xs.shape[1], wih.shape[0] * wih.shape[2]
    if steps > 1:  # the input projections of all steps as one GEMM (W_ih is packed as GEMM panels)
        gx = gemm_packed(np.ascontiguousarray(xs).reshape(1, batch * steps, in_dim), wih, columns)[0]
    else:
        gx = np.empty((batch, columns), dtype=xs.dtype)
    return run(xs, np.ascontiguousarray(h0), np.ascontiguousarray(h0 if c0 is None else c0), wih, whh, bih, bhh,
               CELL_CODES[cell], units, gx, steps > 1)
