"""Test doubles: a hardware-free fake backend (tinygrad's NULL device idea) for the test suite.

They live with the tests, not in the installed package (which exposes only real backends).

It computes the workload's reference in the workload's dtype, so it is numerically valid, and
its behaviour can be bent through ``prepare`` config to exercise every runner path in
milliseconds: ``fake_delay_s`` (busy-wait per call), ``fake_error`` (scale of noise added to the
output, to fail the correctness gate), ``fake_raise`` (raise in run), ``fake_modeled_s`` (declare
modeled timing with this latency). Tests register them with :func:`accelbench.backends.registry.register_backend` (the
``fake_backends`` fixture in tests/conftest.py).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from accelbench.backends.base import Availability, BaseBackend, Estimate, Family, Prepared, Support, Timing
from accelbench.workload import Workload


class FakeBackend(BaseBackend):
    name = "fake"
    family: Family = "cpu"
    #: ``--config`` keys this backend reads (accelbench.config_keys refuses any other key).
    config_keys = ("fake_delay_s", "fake_error", "fake_raise", "fake_modeled_s", "fake_exit_marker",
                   "fake_exit_always")

    def __init__(self, available: bool = True, supports_models: bool = True) -> None:
        self._available = available
        self._supports_models = supports_models

    def available(self) -> Availability:
        return Availability(True) if self._available else Availability(False, "fake device unplugged")

    def supports(self, workload: Workload) -> Support:
        if workload.kind == "model" and not self._supports_models:
            return Support(False, "fake backend does not lower models")
        return Support(True)

    def prepare(self, workload: Workload, config: Mapping[str, Any]) -> Prepared:
        prepared = Prepared(workload, config, notes=["fake"])
        if "fake_modeled_s" in config:
            prepared.provenance["error"] = "simulated"
        return prepared

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        config = prepared.config
        if config.get("fake_raise"):
            raise RuntimeError(str(config["fake_raise"]))
        marker = config.get("fake_exit_marker")
        if marker is not None:  # kill this process (a Dask worker) the first time, or always
            path = Path(str(marker))
            if config.get("fake_exit_always") or not path.exists():
                path.touch()
                os._exit(17)
        delay_s = float(config.get("fake_delay_s", 0.0))
        if delay_s:
            end = time.perf_counter() + delay_s
            while time.perf_counter() < end:
                pass
        out = prepared.workload.reference(device_inputs).astype(prepared.workload.np_dtype)
        noise = float(config.get("fake_error", 0.0))
        if noise:
            out = out + noise * np.max(np.abs(out))
        return out

    def estimate(self, prepared: Prepared, batch: int) -> Estimate | None:
        if "fake_modeled_s" not in prepared.config:
            return None
        value = float(prepared.config["fake_modeled_s"])
        return Estimate(value, None, batch / value, "fake model: constant latency")

    def device_info(self) -> dict[str, Any]:
        return {"device": "fake"}


class FakeBoardBackend(FakeBackend):
    """The fake needing a board next to it (Dask resource PYNQ), for placement tests."""

    name = "fake-board"
    family: Family = "fpga"
    resources = {"PYNQ": 1}  # noqa: RUF012


class ModeledFakeBackend(FakeBackend):
    """The fake with ``timing = "modeled"`` (like the FPGA C simulation)."""

    name = "fake-modeled"
    family: Family = "fpga"
    timing: Timing = "modeled"
