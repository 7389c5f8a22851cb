"""Is a run stored as ``running`` still running? The one place that decides ``abandoned``.

A run killed by SIGKILL, the OOM killer or a power cut cannot mark itself finished or
interrupted: its row stays ``running``. Every run records its host, PID and a heartbeat
(refreshed every :data:`HEARTBEAT_S` seconds while it runs, see
:mod:`accelbench.commands.lifecycle`). A ``running`` run is reported ``abandoned`` when

* it was started on this host and its PID is gone, is a zombie, or now belongs to a process
  created after the run started (the PID was reused); or
* it was started on another host (or its host/PID are unknown) and its last heartbeat is older
  than :data:`STALE_AFTER_S` seconds.

The measurements an abandoned run stored are kept and shown like any other run's.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

#: How often a running run refreshes ``heartbeat_at``, seconds.
HEARTBEAT_S = 30.0
#: A heartbeat older than this (seconds) means the run's process is gone.
STALE_AFTER_S = 10 * HEARTBEAT_S
#: Seconds of slack between a run's start time (whole seconds) and its process's creation time.
_START_SLACK_S = 2.0


def _parse_time(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def pid_alive(pid: int, started_at: datetime | None = None) -> bool:
    """True when process ``pid`` on this host exists, is not a zombie, and (when ``started_at``
    is given) was created no later than ``started_at`` (else the PID was reused)."""
    import psutil

    if pid == os.getpid():
        return True
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        created = process.create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        return True  # it exists; we may not look at it
    return started_at is None or created <= started_at.timestamp() + _START_SLACK_S


def run_state(run: Mapping[str, Any], *, host: str | None = None, now: datetime | None = None) -> str:
    """The status to show for a stored run: its stored status, or ``abandoned`` (see module doc).

    ``run`` is a row of :meth:`accelbench.results.store.Store.runs` (status, started_at, host,
    pid, heartbeat_at); ``host`` and ``now`` default to this host and the current time.
    """
    status = str(run.get("status") or "")
    if status != "running":
        return status
    here = host if host is not None else socket.gethostname()
    started = _parse_time(run.get("started_at"))
    if run.get("host") == here and run.get("pid") is not None:
        return "running" if pid_alive(int(run["pid"]), started) else "abandoned"
    last = _parse_time(run.get("heartbeat_at")) or started
    if last is None:
        return "running"
    age_s = ((now or datetime.now(UTC)) - last).total_seconds()
    return "abandoned" if age_s > STALE_AFTER_S else "running"
