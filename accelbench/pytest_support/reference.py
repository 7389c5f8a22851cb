"""``--accel-save`` and ``--accel-compare`` at the end of a pytest session.

The reference run is resolved when the session starts (so ``last`` means the last run stored
before this session, and a mistake stops the session before any test runs). The comparison is
:func:`accelbench.results.compare.compare_runs`, the same as ``accelbench compare``.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accelbench.errors import UserError

if TYPE_CHECKING:
    import pytest

    from accelbench.pytest_support.session import SessionState
    from accelbench.results.compare import Change
    from accelbench.results.record import Measurement


def resolve_reference(store: Path, spec: str) -> str:
    """The stored run ``spec`` names: a baseline name (``accelbench baseline set NAME``), ``last``,
    or a run id (a unique prefix is enough)."""
    from accelbench.results.baselines import resolve_run_or_baseline
    from accelbench.results.store import open_store

    if not spec.strip():
        raise UserError("expects a baseline name, a run id or 'last'")
    with open_store(store, read_only=True) as opened:
        return resolve_run_or_baseline(opened, spec)


@dataclass
class Outcome:
    lines: list[str] = field(default_factory=list)
    failed: bool = False


def _measurements(records: list[dict[str, Any]], run_id: str) -> list[Measurement]:
    from accelbench.results.record import Measurement

    out = []
    for record in records:
        data = dict(record)
        data["run_id"] = run_id
        out.append(Measurement.from_json(data))
    return out


def _environment(rootpath: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The run environment and origin, with the commit of the project under test (pytest's rootdir).

    Git is asked once about rootdir; its answer gives the environment's commit, the origin and,
    when pytest runs from rootdir (the usual case), the environment's project facts too."""
    from accelbench.results.environment import capture, git_commit
    from accelbench.results.origin import git_origin

    facts = git_origin(rootpath) if (rootpath / ".git").exists() else None
    from_root = facts is not None and Path.cwd().resolve() == rootpath.resolve()
    env = capture(facts if from_root else None)
    git = git_commit(rootpath, facts) if facts is not None else {}
    origin: dict[str, Any] = {}
    if facts and git:
        env["git"] = git
        env["commit"] = {"id": git.get("commit"), "dirty": git.get("dirty")}
        origin = dict(facts)
    return env, origin


def _line(c: Change) -> str:
    """One comparison as ``accelbench compare`` words it (verdict, p50 before -> after, why)."""
    text = f"{c.verdict:<10} {c.workload} on {c.backend} b{c.batch}"
    if math.isfinite(c.p50_change):
        p = f", p={c.p_value:.2g}" if c.p_value is not None else ""
        text += f": p50 {c.p50_a_s:.3g} s -> {c.p50_b_s:.3g} s ({c.p50_change:+.1%}{p})"
    reason = getattr(c, "reason", "")
    return f"{text} - {reason}" if reason else text


def compare_and_save(state: SessionState, config: pytest.Config) -> Outcome:
    """Compare the session's records with the reference run, then store them (each when asked)."""
    from accelbench.results.compare import compare_runs
    from accelbench.results.store import open_store

    outcome = Outcome()
    assert state.store is not None  # set by SessionState.configure
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    current = _measurements(state.records, run_id)
    if state.reference:
        if not current:
            outcome.lines.append(f"accelbench: no measurements in this session to compare with {state.reference}")
        else:
            with open_store(state.store, read_only=True) as store:
                changes = compare_runs(store.measurements(state.reference), current)
            outcome.lines.append(f"accelbench: this session vs run {state.reference}")
            outcome.lines += [f"  {_line(c)}" for c in changes]
            if not changes:
                outcome.lines.append("  nothing comparable (no measurement with the same workload, backend, "
                                     "batch, scenario and configuration)")
            threshold = state.fail_threshold
            failing = [c for c in changes if threshold is not None and c.verdict == "regressed"
                       and c.p50_change > threshold]
            if failing:
                outcome.failed = True
                outcome.lines.append(f"accelbench: {len(failing)} regression(s) beyond {state.fail_spec}: "
                                     "session failed")
    if state.save and current:
        args = " ".join(str(a) for a in config.invocation_params.args)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        started = min(m.created_at for m in current)
        environment, origin = _environment(config.rootpath)
        with open_store(state.store) as store:
            store.begin_run(run_id, f"pytest {args}".strip(), environment, started, origin)
            for m in current:
                store.append(m)
            store.finish_run(run_id, now)
        outcome.lines.append(f"accelbench: saved {len(current)} measurement(s) as run {run_id} in {state.store}")
    elif state.save:
        outcome.lines.append("accelbench: no measurements in this session: nothing saved")
    return outcome
