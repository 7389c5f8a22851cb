"""Connecting to a scheduler that cannot serve: one UserError line, never a hang or a traceback."""

from __future__ import annotations

import socket

import pytest
from distributed import LocalCluster

import accelbench.executors.dask as dask_executor
from accelbench.errors import UserError


def test_a_scheduler_without_workers_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_executor, "WORKERS_TIMEOUT_S", 1.0)
    with (LocalCluster(n_workers=0, processes=True, host="127.0.0.1", dashboard_address=None) as cluster,
          pytest.raises(UserError, match="has no worker")):
        dask_executor.connect(cluster.scheduler_address, None)


def test_an_unreachable_scheduler_is_a_user_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(UserError, match=f"cannot reach the Dask scheduler tcp://127.0.0.1:{port}"):
        dask_executor.connect(f"tcp://127.0.0.1:{port}", None, timeout_s=1.0)
