"""A fake backend that logs when each of its calls ran (for the timing-turn test on Dask)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from accelbench.backends.base import Prepared
from tests.fakes import FakeBackend, ModeledFakeBackend


def _log(prepared: Prepared) -> None:
    path = prepared.config.get("interval_log")
    if path:
        with Path(str(path)).open("a") as handle:  # one short line per call: appends do not interleave
            handle.write(json.dumps({"tag": prepared.config.get("interval_tag"), "pid": os.getpid(),
                                     "t_ns": time.monotonic_ns()}) + "\n")


class IntervalFake(FakeBackend):
    """Host-timed: logs the monotonic clock (system-wide on one host) at every call."""

    name = "fake-interval"

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        _log(prepared)
        return super().run(prepared, device_inputs)


class ModeledIntervalFake(ModeledFakeBackend):
    """Modeled timing (like the FPGA C simulation): needs no timing turn."""

    name = "fake-interval-modeled"

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        _log(prepared)
        return super().run(prepared, device_inputs)
