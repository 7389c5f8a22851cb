"""What the plugin keeps for one pytest session: the measurements made, and what to do with them.

Measurements are kept as JSON records (what pytest-xdist workers send to the controller). At the
end of the session the controller (or the single process without xdist) stores them as a run
(``--accel-save``) and compares them with a stored run (``--accel-compare``); the comparison's
lines go to the terminal summary and ``--accel-compare-fail`` turns a regression into exit 1.
Importing this module imports nothing heavy: the store and statistics are imported on use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from accelbench.errors import UserError


def is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@dataclass
class SessionState:
    """The accelbench part of a pytest session (one per process; the controller merges workers')."""

    records: list[dict[str, Any]] = field(default_factory=list)
    store: Path | None = None
    save: bool = False
    reference: str | None = None  # the resolved run id to compare with
    fail_threshold: float | None = None  # relative p50 change that fails the session
    fail_spec: str = ""
    lines: list[str] = field(default_factory=list)

    # -- configuration (before any test runs) --------------------------------------------------
    def configure(self, config: pytest.Config) -> None:
        """Validate ``--accel-save/--accel-compare/--accel-compare-fail`` (a mistake is a usage error)."""
        from accelbench.results.store import DEFAULT_STORE

        compare = config.getoption("accel_compare", None)
        fail = config.getoption("accel_compare_fail", None)
        self.store = Path(config.getoption("accel_store", None) or DEFAULT_STORE)
        self.save = bool(config.getoption("accel_save", None))
        if fail and not compare:
            raise pytest.UsageError("--accel-compare-fail needs --accel-compare RUN")
        if fail:
            from accelbench.results.compare import parse_fail_on

            try:
                self.fail_threshold = parse_fail_on(fail)[1]
            except UserError as exc:
                raise pytest.UsageError(str(exc).replace("--fail-on", "--accel-compare-fail")) from None
            self.fail_spec = fail
        if compare and not is_xdist_worker(config):
            from accelbench.pytest_support.reference import resolve_reference

            try:
                self.reference = resolve_reference(self.store, compare)
            except UserError as exc:
                raise pytest.UsageError(f"--accel-compare {compare}: {exc}") from None

    # -- collection ---------------------------------------------------------------------------
    def add(self, record: dict[str, Any]) -> None:
        """One measurement made in this process (its JSON record)."""
        self.records.append(record)

    def add_worker_records(self, records: list[dict[str, Any]]) -> None:
        self.records.extend(records)

    # -- end of session -----------------------------------------------------------------------
    def finish(self, session: pytest.Session) -> None:
        """Workers hand their records to the controller; the controller saves and compares."""
        config = session.config
        if is_xdist_worker(config):
            if self.records:
                config.workeroutput["accelbench_records"] = list(self.records)  # type: ignore[attr-defined]
            return
        if self.save or self.reference:
            from accelbench.pytest_support.reference import compare_and_save

            outcome = compare_and_save(self, config)
            self.lines = outcome.lines
            if outcome.failed:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def summary_lines(self) -> list[str]:
        """The terminal summary: timings that are not trustworthy, then the comparison and save lines."""
        doubtful = [r for r in self.records if (r.get("quality") or {}).get("verdict") not in (None, "ok")]
        lines = []
        if doubtful:
            lines.append(f"accelbench: {len(doubtful)} measurement(s) whose timing is not trustworthy:")
            for r in doubtful:
                quality = r["quality"]
                reason = f": {quality['reason']}" if quality.get("reason") else ""
                lines.append(f"  {quality['verdict']:<10} {r.get('workload')} on {r.get('backend')} "
                             f"b{r.get('batch')}{reason}")
        return lines + self.lines
