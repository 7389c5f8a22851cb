"""The GPU latency equations, vectorised over many operations at once (NumPy arrays).

One *operation* is a GEMM-shaped piece of work ``C[M,N] = A[M,K] B[K,N]`` (a GEMM, a convolution
as implicit GEMM, one recurrent step's gate GEMM) on one device and math path, described by
:class:`Ops` (arrays of equal length, SI units). For every operation the model tries the
library-like choices below and keeps the fastest (a library's heuristic picks its best kernel):

* tiles ``tm x tn`` from :data:`TILES` and split-K factors from :data:`SPLITS`;
* ``waves = ceil(tiles x split / (SMs x tiles per SM))``, tiles per SM = 128x128 / (tm x tn)
  capped at 8, so tile and wave quantisation over the SMs are charged in full;
* compute time = waves x (FLOPs of one SM's tiles, with ``K / split + k0`` for the pipeline
  prologue/epilogue) / (peak per SM x efficiency), efficiency = class efficiency x
  ``r(tile) / r(128x128)`` with ``r = ai / (ai + a0)``, ``ai = tm tn / (tm + tn)`` (small and
  skinny tiles reuse less of what they load), capped at 1;
* memory time = DRAM bytes / (bandwidth x ``bw_eff``). Operand traffic with L2 reuse: L2 holds
  panels of A and B for a block of C of side ``S = sqrt(l2_share x L2 / (2 x element bytes))``,
  so A and B stream ``(A x N + B x M) / S`` bytes, at least A + B (each read once) and at most the
  tile-level traffic without L2 (``A x ceil(N/tn) + B x ceil(M/tm)``); plus C once, plus split-K
  partial sums (written and read once in fp32);
* time = max(compute, memory) (+ one launch for a split-K reduction kernel).

The launch overhead is added by the caller once per kernel. All constants come from
:class:`Constants` (fitted.toml). Times in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

#: Output tile shapes (tm, tn) a BLAS library chooses among.
TILES: tuple[tuple[int, int], ...] = (
    (256, 128), (128, 256), (128, 128), (128, 64), (64, 128), (64, 64), (128, 32), (32, 128),
    (64, 32), (32, 64), (32, 32), (128, 16), (16, 128), (128, 8), (8, 128), (64, 8), (8, 64),
)
#: Split-K factors (K cut into this many slices reduced afterwards).
SPLITS: tuple[int, ...] = (1, 4, 16)
#: Output elements one SM holds at once (a 128x128 tile); smaller tiles run several per SM.
SM_TILE_ELEMENTS = 128 * 128
MAX_TILES_PER_SM = 8
#: Bytes of one fp32 split-K partial sum.
PARTIAL_BYTES = 4.0


@dataclass(frozen=True)
class Constants:
    """Fitted constants (fitted.toml), SI units.

    ``launch_s`` kernel launch + scheduling overhead per kernel; ``eff_fp32`` / ``eff_tensor`` /
    ``eff_int8`` the fraction of peak a large tile reaches on CUDA cores / tensor cores / int8 dot
    products; ``a0`` the tile intensity (elements) at which efficiency halves; ``k0`` the K-steps a
    tile loses to prologue and epilogue; ``bw_eff`` the reachable fraction of DRAM bandwidth;
    ``l2_share`` the share of L2 that holds a GEMM's A and B panels;
    ``conv_eff`` implicit-GEMM convolution efficiency relative to GEMM; ``wino_gain`` the FLOP
    reduction of Winograd on 3x3 stride-1 convolutions; ``rnn_step_s`` the per-timestep overhead
    of a recurrent layer (launches, synchronisation); ``l2_speed`` L2 over DRAM bandwidth for
    recurrent weights that stay in L2; ``amd_eff`` the efficiency of AMD's libraries relative to
    NVIDIA's on the same peak.
    """

    launch_s: float = 5e-6
    eff_fp32: float = 0.85
    eff_tensor: float = 0.7
    eff_int8: float = 0.7
    a0: float = 16.0
    k0: float = 32.0
    bw_eff: float = 0.8
    l2_share: float = 0.5
    conv_eff: float = 0.8
    wino_gain: float = 1.8
    rnn_step_s: float = 10e-6
    l2_speed: float = 3.0
    amd_eff: float = 0.8

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def as_array(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in self.names()], dtype=float)

    @classmethod
    def from_array(cls, values: np.ndarray) -> Constants:
        return cls(**{name: float(v) for name, v in zip(cls.names(), values, strict=True)})


#: Efficiency classes: which fitted efficiency applies to an operation's math path.
EFF_CLASSES = ("fp32", "tensor", "int8")


@dataclass(frozen=True)
class Ops:
    """GEMM-shaped operations, one array element each (all arrays the same length).

    ``m, n, k`` the GEMM shape; ``a_bytes, b_bytes, c_bytes`` the operands' DRAM footprint
    (for a convolution A is the input tensor, not its im2col expansion); ``peak_flops_s`` the
    math path's peak; ``eff_class`` an index into :data:`EFF_CLASSES`; ``amd`` 1.0 for AMD
    devices; ``sms``, ``bandwidth_bytes_s``, ``l2_bytes`` device figures; ``kind_eff`` an extra
    efficiency factor (1 for GEMM, ``conv_eff`` applied by the caller for convolutions);
    ``elem_bytes`` the bytes of one input element.
    """

    m: np.ndarray
    n: np.ndarray
    k: np.ndarray
    a_bytes: np.ndarray
    b_bytes: np.ndarray
    c_bytes: np.ndarray
    peak_flops_s: np.ndarray
    eff_class: np.ndarray
    amd: np.ndarray
    sms: np.ndarray
    bandwidth_bytes_s: np.ndarray
    l2_bytes: np.ndarray
    kind_eff: np.ndarray
    elem_bytes: np.ndarray


@dataclass(frozen=True)
class Timing:
    """Per-operation result arrays: ``time_s`` (no launch overhead), and the compute and memory
    times of the chosen kernel (``compute_s``, ``memory_s``) in seconds."""

    time_s: np.ndarray
    compute_s: np.ndarray
    memory_s: np.ndarray


def _tile_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tm = np.array([t[0] for t in TILES for _ in SPLITS], dtype=float)
    tn = np.array([t[1] for t in TILES for _ in SPLITS], dtype=float)
    split = np.array([s for _ in TILES for s in SPLITS], dtype=float)
    return tm, tn, split


_TM, _TN, _SPLIT = _tile_arrays()


def gemm_time(ops: Ops, c: Constants) -> Timing:
    """Best kernel time per operation (no launch overhead); see the module docstring."""
    m, n, k = ops.m[:, None], ops.n[:, None], ops.k[:, None]
    tm, tn, split = _TM[None, :], _TN[None, :], _SPLIT[None, :]
    # Efficiency of one tile shape.
    ai = tm * tn / (tm + tn)
    ref = 64.0 / (64.0 + c.a0)
    class_eff = np.array([c.eff_fp32, c.eff_tensor, c.eff_int8])[ops.eff_class.astype(int)]
    vendor = np.where(ops.amd > 0, c.amd_eff, 1.0)
    eff = np.minimum(1.0, (class_eff * vendor * ops.kind_eff)[:, None] * (ai / (ai + c.a0)) / ref)
    # Waves of tiles over the SMs.
    tiles = np.ceil(m / tm) * np.ceil(n / tn) * split
    per_sm = np.minimum(MAX_TILES_PER_SM, np.maximum(1.0, np.floor(SM_TILE_ELEMENTS / (tm * tn))))
    sms = ops.sms[:, None]
    waves = np.ceil(tiles / (sms * per_sm))
    k_slice = np.ceil(k / split) + c.k0
    peak_sm = (ops.peak_flops_s / ops.sms)[:, None]
    compute = waves * per_sm * 2.0 * tm * tn * k_slice / (peak_sm * eff)
    # DRAM traffic with L2 reuse.
    a, b, cb = ops.a_bytes[:, None], ops.b_bytes[:, None], ops.c_bytes[:, None]
    block = np.sqrt(c.l2_share * ops.l2_bytes / (2.0 * ops.elem_bytes))[:, None]  # side of C held via L2
    no_l2 = a * np.ceil(n / tn) + b * np.ceil(m / tm)
    operands = np.clip((a * n + b * m) / block, a + b, np.maximum(no_l2, a + b))
    partials = np.where(split > 1, 2.0 * split * m * n * PARTIAL_BYTES, 0.0)
    memory = (operands + cb + partials) / (ops.bandwidth_bytes_s[:, None] * c.bw_eff)
    total = np.maximum(compute, memory) + np.where(split > 1, c.launch_s, 0.0)
    # A split only helps when K is long enough to cut.
    total = np.where((split > 1) & (k < split * 64), np.inf, total)
    best = np.argmin(total, axis=1)
    rows = np.arange(len(best))
    return Timing(total[rows, best], compute[rows, best], memory[rows, best])


def stream_time(bytes_moved: np.ndarray, bandwidth_bytes_s: np.ndarray, c: Constants) -> np.ndarray:
    """Seconds for an element-wise kernel that streams ``bytes_moved`` through DRAM (no launch)."""
    return np.asarray(bytes_moved, dtype=float) / (np.asarray(bandwidth_bytes_s, dtype=float) * c.bw_eff)
