"""Fused recurrent cell step: per (sample, hidden unit) the gate dot products, non-linearities and update.

Written without device-function calls so that ``numba.cuda.compile_ptx`` can build it without a
driver (compile-only checks on machines with no GPU).
"""

from __future__ import annotations

import math

from numba import cuda, float32

THREADS = 128


@cuda.jit
def vanilla_step(x, h, w_ih, w_hh, b_ih, b_hh, h_out):
    idx = cuda.grid(1)
    hidden = h.shape[1]
    if idx >= h.shape[0] * hidden:
        return
    b = idx // hidden
    j = idx % hidden
    acc = b_ih[j] + b_hh[j]
    for i in range(x.shape[1]):
        acc += w_ih[j, i] * x[b, i]
    for i in range(hidden):
        acc += w_hh[j, i] * h[b, i]
    h_out[b, j] = math.tanh(acc)


@cuda.jit
def lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh, h_out, c_out):
    idx = cuda.grid(1)
    hid = h.shape[1]
    if idx >= h.shape[0] * hid:
        return
    b = idx // hid
    j = idx % hid
    g0 = b_ih[j] + b_hh[j]
    g1 = b_ih[hid + j] + b_hh[hid + j]
    g2 = b_ih[2 * hid + j] + b_hh[2 * hid + j]
    g3 = b_ih[3 * hid + j] + b_hh[3 * hid + j]
    for i in range(x.shape[1]):
        v = x[b, i]
        g0 += w_ih[j, i] * v
        g1 += w_ih[hid + j, i] * v
        g2 += w_ih[2 * hid + j, i] * v
        g3 += w_ih[3 * hid + j, i] * v
    for i in range(hid):
        v = h[b, i]
        g0 += w_hh[j, i] * v
        g1 += w_hh[hid + j, i] * v
        g2 += w_hh[2 * hid + j, i] * v
        g3 += w_hh[3 * hid + j, i] * v
    gate_i = float32(1.0) / (float32(1.0) + math.exp(-g0))
    gate_f = float32(1.0) / (float32(1.0) + math.exp(-g1))
    gate_o = float32(1.0) / (float32(1.0) + math.exp(-g3))
    c_new = gate_f * c[b, j] + gate_i * math.tanh(g2)
    c_out[b, j] = c_new
    h_out[b, j] = gate_o * math.tanh(c_new)


@cuda.jit
def gru_step(x, h, w_ih, w_hh, b_ih, b_hh, h_out):
    idx = cuda.grid(1)
    hid = h.shape[1]
    if idx >= h.shape[0] * hid:
        return
    b = idx // hid
    j = idx % hid
    r_acc = b_ih[j] + b_hh[j]
    z_acc = b_ih[hid + j] + b_hh[hid + j]
    n_x = b_ih[2 * hid + j]
    n_h = b_hh[2 * hid + j]
    for i in range(x.shape[1]):
        v = x[b, i]
        r_acc += w_ih[j, i] * v
        z_acc += w_ih[hid + j, i] * v
        n_x += w_ih[2 * hid + j, i] * v
    for i in range(hid):
        v = h[b, i]
        r_acc += w_hh[j, i] * v
        z_acc += w_hh[hid + j, i] * v
        n_h += w_hh[2 * hid + j, i] * v
    r = float32(1.0) / (float32(1.0) + math.exp(-r_acc))
    z = float32(1.0) / (float32(1.0) + math.exp(-z_acc))
    n = math.tanh(n_x + r * n_h)
    h_out[b, j] = (float32(1.0) - z) * n + z * h[b, j]


def blocks(total: int) -> int:
    return (total + THREADS - 1) // THREADS
