"""Launch configuration of every kernel in kernels/*.cu: one pure function per kernel.

Each function takes the operand arrays (NumPy or CuPy: only ``.shape`` and ``.dtype`` are read),
checks their shapes and dtypes, and returns a :class:`Launch`: the source file, the entry point,
grid and block (threads), dynamic shared memory (bytes) and the argument list in the kernel's
parameter order. gpu-cupy launches exactly that on a GPU; tests/gpu/test_kernels_hip_cpu.py
launches the same on CPU threads with HIP-CPU and checks every result against the float64
reference, so the launch math (a grid that misses the last tile, a shared-memory size too small)
is tested together with the kernels.

No array library is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: CUDA limits every launch here must respect (grid.y/z, threads per block, default dynamic smem).
MAX_GRID_X = 2**31 - 1
MAX_GRID_YZ = 65535
MAX_BLOCK_THREADS = 1024
MAX_DYNAMIC_SHARED_BYTES = 48 * 1024

#: kernels/sgemm.cu: a (16, 16) block computes a BM x BN tile of C, walking K in slices of BK.
GEMM_BLOCK = (16, 16, 1)


@dataclass(frozen=True)
class GemmTile:
    """One size of kernels/sgemm.cu: C tile ``bm`` x ``bn`` per block, K slice ``bk`` (elements)."""

    bm: int
    bn: int
    bk: int

    @property
    def suffix(self) -> str:
        return f"{self.bm}x{self.bn}x{self.bk}"


#: The size per architecture (compute capability major.minor as "80", "90"): see kernels/sgemm.cu.
GEMM_TILES: dict[str, GemmTile] = {"80": GemmTile(128, 128, 8), "90": GemmTile(128, 128, 16)}


def gemm_tile_for(arch: str) -> GemmTile:
    """The sgemm size for compute capability ``arch`` ("80", "86", "90", ...): sm_90's from 9.0 up,
    sm_80's below (the kernel uses nothing newer than sm_70)."""
    if not arch.isdigit() or len(arch) < 2:
        raise ValueError(f"compute capability must be digits like '80' or '90', got {arch!r}")
    return GEMM_TILES["90"] if int(arch[:-1]) >= 9 else GEMM_TILES["80"]
#: kernels/conv2d.cu and kernels/rnn_cell.cu: one thread per output element, 1-D blocks.
CONV_THREADS = 256
CELL_THREADS = 256

CELL_GATES: dict[str, int] = {"vanilla": 1, "lstm": 4, "gru": 3}


@dataclass(frozen=True)
class Launch:
    """One kernel launch: what to run, on how many threads, with which arguments."""

    source: str  #: file name under kernels/
    kernel: str  #: the extern "C" entry point
    grid: tuple[int, int, int]  #: blocks in x, y, z
    block: tuple[int, int, int]  #: threads per block in x, y, z
    shared_mem_bytes: int  #: dynamic shared memory per block, bytes
    args: tuple[Any, ...]  #: device arrays and np.int32 scalars, in parameter order

    def __post_init__(self) -> None:
        gx, gy, gz = self.grid
        if min(self.grid) < 1 or gx > MAX_GRID_X or max(gy, gz) > MAX_GRID_YZ:
            raise ValueError(f"{self.kernel}: grid {self.grid} is outside CUDA's limits")
        if min(self.block) < 1 or int(np.prod(self.block)) > MAX_BLOCK_THREADS:
            raise ValueError(f"{self.kernel}: block {self.block} is outside CUDA's limits")
        if not 0 <= self.shared_mem_bytes <= MAX_DYNAMIC_SHARED_BYTES:
            raise ValueError(f"{self.kernel}: {self.shared_mem_bytes} bytes of dynamic shared memory exceed "
                             f"the default {MAX_DYNAMIC_SHARED_BYTES} per block")

    @property
    def threads(self) -> int:
        """Threads launched in total."""
        return int(np.prod(self.grid)) * int(np.prod(self.block))


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _expect(name: str, array: Any, shape: tuple[int, ...], dtypes: tuple[str, ...]) -> None:
    if tuple(array.shape) != shape:
        raise ValueError(f"{name} has shape {tuple(array.shape)}, expected {shape}")
    if np.dtype(array.dtype).name not in dtypes:
        raise ValueError(f"{name} has dtype {np.dtype(array.dtype).name}, expected {' or '.join(dtypes)}")


def _i32(*values: int) -> tuple[np.int32, ...]:
    return tuple(np.int32(v) for v in values)


def sgemm(a: Any, b: Any, c: Any, arch: str) -> Launch:
    """C[i] = A[i] @ B: a (batch, m, k) and b (k, n) both float32 or both float16, c (batch, m, n) float32,
    with the tile sized for compute capability ``arch`` (:func:`gemm_tile_for`)."""
    batch, m, k = a.shape
    n = b.shape[1]
    dtype = np.dtype(a.dtype).name
    _expect("a", a, (batch, m, k), ("float32", "float16"))
    _expect("b", b, (k, n), (dtype,))
    _expect("c", c, (batch, m, n), ("float32",))
    tile = gemm_tile_for(arch)
    kernel = f"sgemm_f16_f32acc_{tile.suffix}" if dtype == "float16" else f"sgemm_f32_{tile.suffix}"
    grid = (ceil_div(n, tile.bn), ceil_div(m, tile.bm), batch)
    return Launch("sgemm.cu", kernel, grid, GEMM_BLOCK, 0, (a, b, c, *_i32(m, n, k)))


def conv2d(x: Any, w: Any, y: Any, stride: tuple[int, int], pad: tuple[int, int]) -> Launch:
    """y = conv(x, w), NCHW, zero padding: x (n, c, h, w), w (k, c, r, s), y (n, k, p, q), all float32.

    Block y of the grid is one (sample, output channel) pair; its filter (c*r*s floats) is staged
    in dynamic shared memory.
    """
    n, c, h, width = x.shape
    k, _, r, s = w.shape
    p = (h + 2 * pad[0] - r) // stride[0] + 1
    q = (width + 2 * pad[1] - s) // stride[1] + 1
    _expect("x", x, (n, c, h, width), ("float32",))
    _expect("w", w, (k, c, r, s), ("float32",))
    _expect("y", y, (n, k, p, q), ("float32",))
    grid = (ceil_div(p * q, CONV_THREADS), n * k, 1)
    shared = c * r * s * np.dtype(np.float32).itemsize
    args = (x, w, y, *_i32(c, h, width, k, r, s, p, q, stride[0], stride[1], pad[0], pad[1]))
    return Launch("conv2d.cu", "conv2d_nchw_f32", grid, (CONV_THREADS, 1, 1), shared, args)


def rnn_cell(cell: str, gi: Any, gh: Any, state: Any, h_out: Any) -> Launch:
    """The fused gate update after the two projections, all float32.

    gi, gh: (batch, gates*hidden) input and recurrent projections with their biases; ``state``
    is the cell state c (lstm, updated in place), the hidden state h (gru) or None (vanilla);
    h_out: (batch, hidden).
    """
    if cell not in CELL_GATES:
        raise ValueError(f"unknown cell {cell!r}; expected one of {', '.join(CELL_GATES)}")
    batch, hidden = h_out.shape
    gates = CELL_GATES[cell]
    _expect("gi", gi, (batch, gates * hidden), ("float32",))
    _expect("gh", gh, (batch, gates * hidden), ("float32",))
    _expect("h_out", h_out, (batch, hidden), ("float32",))
    if cell == "vanilla":
        if state is not None:
            raise ValueError("the vanilla cell takes no state array")
        arrays: tuple[Any, ...] = (gi, gh, h_out)
    else:
        _expect("c" if cell == "lstm" else "h", state, (batch, hidden), ("float32",))
        arrays = (gi, gh, state, h_out)
    grid = (ceil_div(batch * hidden, CELL_THREADS), 1, 1)
    return Launch("rnn_cell.cu", f"{cell}_cell", grid, (CELL_THREADS, 1, 1), 0, (*arrays, *_i32(batch, hidden)))
