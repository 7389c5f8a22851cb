"""The register-blocked GEMM micro-kernel shared by the Numba GEMM, conv2d and RNN kernels.

``micro_kernel(a, a_off, a_rs, a_cs, b, b_off, ldb, kc, c, c_off, ldc, rows, cols, accumulate)``
computes one ``MR x NR`` tile ``C[i, j] (+)= sum_p A[i, p] * B[p, j]`` over a ``kc``-deep slice:

* A is read by strides (element ``(i, p)`` at ``a_off + i * a_rs + p * a_cs``) and broadcast one
  scalar at a time; rows at or beyond ``rows`` re-read row ``rows - 1`` (always in bounds) and are
  not stored, so a ragged last row tile needs no padding;
* B is read as ``NV`` full SIMD vectors per step (row ``p`` at ``b_off + p * ldb``): it must have
  ``NR`` readable columns (packed panels, zero-padded at the right edge);
* C is stored (or, with ``accumulate``, added to) row by row at stride ``ldc``; with
  ``cols < NR`` the stores are masked, so a ragged right edge writes nothing outside C.

Why an ``@intrinsic``: Numba lowers a local accumulator array to heap memory and LLVM then keeps
it there (one load and one store per FMA) or vectorises the wrong loop; here the ``MR x NV``
accumulators are SSA vector values (allocas promoted by mem2reg), so they live in registers, and
each step is ``NV`` vector loads of B, ``MR`` broadcasts of A and ``MR * NV`` ``llvm.fma``
calls. The tile is sized for AVX-512 (32 vector registers of 64 bytes): ``12 x 2`` vectors is 24
accumulators + 2 B vectors + 1 broadcast. ``llvm.fma`` rounds once per multiply-add (no
fast-math flags): the sum over ``p`` runs in order, so results differ from a plain loop only by
the rounding of the separate multiply. The vector width follows the host (``VECTOR_BYTES``:
64 with AVX-512F, else 32), and so does the tile height (``MR``: 12, or 6 with AVX2's 16 registers).
No bounds checks: callers guarantee every access is inside its array.
"""

from __future__ import annotations

import hashlib
import types as types_module
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


def _host_vector_bytes() -> int:
    """64 when Numba's JIT target has AVX-512F (zmm registers), else 32 (AVX2 ymm).

    The target is the host unless ``NUMBA_CPU_NAME``/``NUMBA_CPU_FEATURES`` name another (portable
    caches): then only an explicit ``+avx512f`` feature selects 64.
    """
    import llvmlite.binding as ll
    import numba

    config: Any = numba.config  # attributes set at import time, invisible to mypy
    if config.CPU_FEATURES is not None:
        return 64 if "+avx512f" in str(config.CPU_FEATURES) else 32
    if config.CPU_NAME not in (None, "host"):
        return 32
    return 64 if ll.get_host_cpu_features().get("avx512f", False) else 32


VECTOR_BYTES = _host_vector_bytes()
#: Rows of C per register tile (A scalars broadcast per step): 12 x 2 accumulators fill 24 of
#: AVX-512's 32 vector registers; AVX2 has 16, so 6 x 2 (Haswell's classic 6 x 16 float32 tile).
MR = 12 if VECTOR_BYTES == 64 else 6
NV = 2  # SIMD vectors of C per tile row


def lanes(itemsize: int) -> int:
    """SIMD lanes for an element size in bytes (16 for float32 with AVX-512)."""
    return VECTOR_BYTES // itemsize


def nr_for(itemsize: int) -> int:
    """Columns of C per register tile (NR) for an element size in bytes."""
    return NV * lanes(itemsize)


def _source_tag() -> str:
    """A hash of this package's kernel sources (8 hex digits)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


#: Part of every cached driver's name: Numba's cache checks only the jitted function's own file,
#: but the drivers inline this micro-kernel and constants of sibling modules.
SOURCE_TAG = _source_tag()


def renamed(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """A copy of ``fn`` named ``{name}_{SOURCE_TAG}``, so one body can be jitted twice (parallel
    and serial) with ``cache=True``.

    Numba's on-disk cache is keyed by the function's qualified name and bytecode, not by the
    ``parallel`` flag: two dispatchers of one function would read each other's cached code; and
    the tag makes an edit to any kernel module select fresh cache entries.
    """
    name = f"{name}_{SOURCE_TAG}"
    clone = types_module.FunctionType(fn.__code__, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    clone.__qualname__ = name
    clone.__doc__ = fn.__doc__
    return clone


def _const(context: Any, value: int) -> ir.Constant:
    return ir.Constant(context.get_value_type(types.intp), value)


def _codegen(mr: int, splits: int, context: Any, builder: Any, sig: Any, args: Any) -> Any:
    (a_v, a_off, a_rs, a_cs, b_v, b_off, ldb, kc, c_v, c_off, ldc, rows, cols, accumulate) = args
    fty = context.get_value_type(sig.args[0].dtype)
    width = VECTOR_BYTES // context.get_abi_sizeof(fty)
    nr = NV * width
    vty = ir.VectorType(fty, width)
    vptr = vty.as_pointer()
    i32 = ir.IntType(32)
    suffix = f"v{width}f{8 * context.get_abi_sizeof(fty)}"
    fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vty, [vty, vty, vty]), f"llvm.fma.{suffix}")
    mty = ir.VectorType(ir.IntType(1), width)
    mload = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(vty, [vptr, i32, mty, vty]), f"llvm.masked.load.{suffix}.p0")
    mstore = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(ir.VoidType(), [vty, vptr, i32, mty]), f"llvm.masked.store.{suffix}.p0")

    def data(index: int, value: Any, offset: Any) -> Any:
        return builder.gep(context.make_array(sig.args[index])(context, builder, value).data, [offset])

    a_ptr, b_ptr, c_ptr = data(0, a_v, a_off), data(4, b_v, b_off), data(8, c_v, c_off)
    zero = ir.Constant(vty, [ir.Constant(fty, 0.0)] * width)
    undef = ir.Constant(vty, ir.Undefined)
    splat = ir.Constant(ir.VectorType(i32, width), [0] * width)
    # accs[split][r][j]: ``splits`` independent partial sums (steps p = split mod splits) hide the
    # FMA latency when the tile has few rows; they are added at the end.
    accs = [[[cgutils.alloca_once_value(builder, zero) for _ in range(NV)] for _ in range(mr)]
            for _ in range(splits)]
    last = builder.sub(rows, _const(context, 1))
    a_rows = []  # row r reads row min(r, rows - 1): in bounds, never stored when r >= rows
    for r in range(mr):
        clamped = builder.select(builder.icmp_signed("<", _const(context, r), rows), _const(context, r), last)
        a_rows.append(builder.gep(a_ptr, [builder.mul(clamped, a_rs)]))

    def step(p: Any, acc: list[list[Any]]) -> None:
        brow = builder.gep(b_ptr, [builder.mul(p, ldb)])
        bvs = [builder.load(builder.bitcast(builder.gep(brow, [_const(context, j * width)]), vptr), align=4)
               for j in range(NV)]
        a_step = builder.mul(p, a_cs)
        for r in range(mr):
            scalar = builder.load(builder.gep(a_rows[r], [a_step]))
            av = builder.shuffle_vector(builder.insert_element(undef, scalar, ir.Constant(i32, 0)), undef, splat)
            for j in range(NV):
                builder.store(builder.call(fma, [av, bvs[j], builder.load(acc[r][j])]), acc[r][j])

    main = builder.sdiv(kc, _const(context, splits)) if splits > 1 else kc
    with cgutils.for_range(builder, main) as loop:
        for split in range(splits):
            p = builder.add(builder.mul(loop.index, _const(context, splits)), _const(context, split)) \
                if splits > 1 else loop.index
            step(p, accs[split])
    if splits > 1:
        done = builder.mul(main, _const(context, splits))
        with cgutils.for_range(builder, builder.sub(kc, done)) as loop:
            step(builder.add(done, loop.index), accs[0])
        for split in range(1, splits):
            for r in range(mr):
                for j in range(NV):
                    builder.store(builder.fadd(builder.load(accs[0][r][j]), builder.load(accs[split][r][j])),
                                  accs[0][r][j])
    accs0 = accs[0]

    lane_ids = ir.Constant(ir.VectorType(context.get_value_type(types.intp), width), list(range(width)))
    col_vec = builder.shuffle_vector(
        builder.insert_element(ir.Constant(lane_ids.type, ir.Undefined), cols, ir.Constant(i32, 0)),
        ir.Constant(lane_ids.type, ir.Undefined), splat)
    full = builder.icmp_signed(">=", cols, _const(context, nr))
    for r in range(mr):
        with builder.if_then(builder.icmp_signed("<", _const(context, r), rows)):
            crow = builder.gep(c_ptr, [builder.mul(ldc, _const(context, r))])
            for j in range(NV):
                cp = builder.bitcast(builder.gep(crow, [_const(context, j * width)]), vptr)
                acc = builder.load(accs0[r][j])
                with builder.if_else(full) as (then, otherwise):
                    with then:
                        value = builder.select(accumulate, builder.fadd(acc, builder.load(cp, align=4)), acc)
                        builder.store(value, cp, align=4)
                    with otherwise:
                        offsets = builder.add(lane_ids, ir.Constant(lane_ids.type, [j * width] * width))
                        mask = builder.icmp_signed("<", offsets, col_vec)
                        old = builder.call(mload, [cp, ir.Constant(i32, 4), mask, zero])
                        value = builder.select(accumulate, builder.fadd(acc, old), acc)
                        builder.call(mstore, [value, cp, ir.Constant(i32, 4), mask])
    return context.get_dummy_value()


def _make_kernel(mr: int, splits: int = 1) -> Any:
    def kernel(typingctx: Any, a: Any, a_off: Any, a_rs: Any, a_cs: Any, b: Any, b_off: Any, ldb: Any,
               kc: Any, c: Any, c_off: Any, ldc: Any, rows: Any, cols: Any, accumulate: Any) -> Any:
        arrays = (a, b, c)
        if not all(isinstance(x, types.Array) for x in arrays) or len({x.dtype for x in arrays}) != 1:
            return None
        if a.dtype not in (types.float32, types.float64):
            return None
        intp = types.intp
        sig = types.void(a, intp, intp, intp, b, intp, intp, intp, c, intp, intp, intp, intp, types.boolean)
        return sig, lambda context, builder, sg, args: _codegen(mr, splits, context, builder, sg, args)

    kernel.__name__ = kernel.__qualname__ = f"micro_kernel_{mr}x{NV}"
    return intrinsic(kernel)


#: One ``MR x NR`` tile of C (see the module docstring); A, B and C share one float dtype.
#: Typed as Any: mypy cannot see the JIT-level signature.
micro_kernel: Any = _make_kernel(MR)
#: The same for one row of C (``rows`` is 1): vector-times-matrix steps (RNN cells at batch 1)
#: without computing MR - 1 clamped copies of the row; 4 interleaved partial sums over K keep
#: 8 FMAs in flight (the sum's order then differs from a plain loop by rounding only).
row_kernel: Any = _make_kernel(1, splits=4)
