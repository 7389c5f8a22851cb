"""Fused recurrent cell steps (vanilla, LSTM, GRU) written with Numba, PyTorch gate order.

One kernel per cell: for every (sample, hidden unit) it computes that unit's gate pre-activations
(dot products with the input and the previous hidden state), applies the non-linearities and
updates the state in place, without materialising a gates array. The sequence variant loops the
timesteps inside the kernel (each step needs the whole previous hidden state, so the parallel
loop is per step).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always", fastmath=True)
def _dot(w: np.ndarray, row: int, v: np.ndarray) -> float:
    acc = w[row, 0] * 0
    for i in range(v.shape[0]):
        acc += w[row, i] * v[i]
    return acc


@njit(cache=True, inline="always")
def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


@njit(cache=True, parallel=True, fastmath=True)
def vanilla_steps(xs, h0, w_ih, w_hh, b_ih, b_hh):
    """h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) over xs (batch, T, I); returns h_T."""
    batch, steps, _ = xs.shape
    hidden = h0.shape[1]
    h = h0.copy()
    h_new = np.empty_like(h)
    for t in range(steps):
        for u in prange(batch * hidden):
            b = u // hidden
            j = u % hidden
            pre = b_ih[j] + b_hh[j] + _dot(w_ih, j, xs[b, t]) + _dot(w_hh, j, h[b])
            h_new[b, j] = math.tanh(pre)
        h, h_new = h_new, h
    return h


@njit(cache=True, parallel=True, fastmath=True)
def lstm_steps(xs, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """LSTM over xs (batch, T, I) with gates i, f, g, o; returns h_T."""
    batch, steps, _ = xs.shape
    hid = h0.shape[1]
    h = h0.copy()
    c = c0.copy()
    h_new = np.empty_like(h)
    for t in range(steps):
        for u in prange(batch * hid):
            b = u // hid
            j = u % hid
            x = xs[b, t]
            hb = h[b]
            gi = b_ih[j] + b_hh[j] + _dot(w_ih, j, x) + _dot(w_hh, j, hb)
            gf = b_ih[hid + j] + b_hh[hid + j] + _dot(w_ih, hid + j, x) + _dot(w_hh, hid + j, hb)
            gg = b_ih[2 * hid + j] + b_hh[2 * hid + j] + _dot(w_ih, 2 * hid + j, x) + _dot(w_hh, 2 * hid + j, hb)
            go = b_ih[3 * hid + j] + b_hh[3 * hid + j] + _dot(w_ih, 3 * hid + j, x) + _dot(w_hh, 3 * hid + j, hb)
            cj = _sigmoid(gf) * c[b, j] + _sigmoid(gi) * math.tanh(gg)
            c[b, j] = cj  # c[b, j] is read only by this (b, j): safe to update in place
            h_new[b, j] = _sigmoid(go) * math.tanh(cj)
        h, h_new = h_new, h
    return h


@njit(cache=True, parallel=True, fastmath=True)
def gru_steps(xs, h0, w_ih, w_hh, b_ih, b_hh):
    """GRU over xs (batch, T, I) with gates r, z, n (n uses r * (W_hn h + b_hn)); returns h_T."""
    batch, steps, _ = xs.shape
    hid = h0.shape[1]
    h = h0.copy()
    h_new = np.empty_like(h)
    for t in range(steps):
        for u in prange(batch * hid):
            b = u // hid
            j = u % hid
            x = xs[b, t]
            hb = h[b]
            r = _sigmoid(b_ih[j] + b_hh[j] + _dot(w_ih, j, x) + _dot(w_hh, j, hb))
            z = _sigmoid(b_ih[hid + j] + b_hh[hid + j] + _dot(w_ih, hid + j, x) + _dot(w_hh, hid + j, hb))
            n_h = b_hh[2 * hid + j] + _dot(w_hh, 2 * hid + j, hb)
            n = math.tanh(b_ih[2 * hid + j] + _dot(w_ih, 2 * hid + j, x) + r * n_h)
            h_new[b, j] = (1.0 - z) * n + z * hb[j]
        h, h_new = h_new, h
    return h
