"""The life of a stored run: begin, heartbeat, finish — whatever ends it.

:func:`stored_run` wraps the work of ``run`` and ``sweep``:

* it inserts the run (``running``, with this host, PID and a heartbeat);
* a daemon thread refreshes the heartbeat every :data:`~accelbench.results.liveness.HEARTBEAT_S`
  seconds on its own DuckDB cursor, so a run killed by SIGKILL or a power cut is later shown as
  ``abandoned`` (:mod:`accelbench.results.liveness`) with the results it stored;
* SIGTERM and SIGHUP are handled like SIGINT: they raise :class:`Terminated` (a
  ``KeyboardInterrupt``) in the main thread, so the measurement in progress is abandoned, every
  stored result is kept and the run is marked ``interrupted``; the command line then exits with
  128 + the signal number;
* on the way out the run is marked ``finished`` or, on any exception, ``interrupted``.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from accelbench.results.liveness import HEARTBEAT_S
from accelbench.results.store import Store

#: Signals handled like SIGINT (those this platform has).
TERMINATING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class _Signals:
    """SIGTERM/SIGHUP handling state: raise at once, or (while cleaning up) remember for later."""

    def __init__(self) -> None:
        self.deferring = False
        self.pending: int | None = None
        self.raised = False

    def handler(self, signum: int, frame: FrameType | None) -> None:
        if self.raised or self.pending is not None:
            return  # one termination is enough; later signals are ignored while cleaning up
        if self.deferring:
            self.pending = signum
            return
        self.raised = True
        raise Terminated(signum)


@contextmanager
def terminate_like_interrupt() -> Iterator[_Signals]:
    """Within the block, SIGTERM/SIGHUP raise :class:`Terminated` once in the main thread (set
    ``deferring`` on the yielded state to hold a signal back until the block ends). Outside the
    main thread, nothing changes."""
    state = _Signals()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    previous = {sig: signal.signal(sig, state.handler) for sig in TERMINATING}
    try:
        yield state
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    if state.pending is not None:
        raise Terminated(state.pending)


class Heartbeat:
    """A daemon thread writing ``heartbeat_at`` of ``run_id`` every ``interval_s`` seconds."""

    def __init__(self, store: Store, run_id: str, interval_s: float = HEARTBEAT_S) -> None:
        self.store = store
        self.run_id = run_id
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"accelbench-heartbeat-{run_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        cursor = self.store.con.cursor()  # a DuckDB connection of its own: safe from this thread
        try:
            while not self._stop.wait(self.interval_s):
                try:
                    cursor.execute("UPDATE runs SET heartbeat_at = ? WHERE run_id = ?", [now_iso(), self.run_id])
                except Exception:  # a missed beat only makes the run look stale sooner
                    continue
        finally:
            cursor.close()


@contextmanager
def stored_run(
    store: Store,
    run_id: str,
    command: str,
    environment: dict[str, Any],
    origin: dict[str, Any] | None = None,
    heartbeat_s: float = HEARTBEAT_S,
) -> Iterator[None]:
    """Begin ``run_id`` in ``store``, keep its heartbeat, and finish it however the block ends.

    ``origin`` defaults to the commit recorded in ``environment["git"]`` (host and PID are always
    this process's unless ``origin`` says otherwise).
    """
    if origin is None:
        git = environment.get("git") or {}
        origin = {"commit_id": git.get("commit") or None, "dirty": git.get("dirty") if git.get("commit") else None}
    store.begin_run(run_id, command, environment, now_iso(), origin)
    heartbeat = Heartbeat(store, run_id, heartbeat_s)
    status = "interrupted"
    with terminate_like_interrupt() as signals:
        heartbeat.start()
        try:
            yield
            signals.deferring = True  # a signal from here on must not skip finishing the run
            status = "finished"
        finally:
            signals.deferring = True
            heartbeat.stop()
            store.finish_run(run_id, now_iso(), status)
