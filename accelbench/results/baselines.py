"""Named baselines: a name (``main``, ``v1.2``, ``before-refactor``) pointing at a stored run.

CI jobs compare every new run with "the baseline" without knowing its run id:
``accelbench baseline set main``, then ``accelbench run --compare-to main --fail-on p50:5%``,
``accelbench compare --baseline main`` or ``pytest --accel-compare main``. Setting a name again
moves it to the new run (the old run stays stored).

The names live in a small ``baselines`` table of the store, created on first use with
``CREATE TABLE IF NOT EXISTS`` (older stores gain it the first time a baseline is set; a store
opened read-only without it simply has no baselines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from accelbench.errors import UserError
from accelbench.results.store import Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS baselines (
    name VARCHAR PRIMARY KEY,
    run_id VARCHAR NOT NULL,
    set_at VARCHAR NOT NULL
);
"""

#: A baseline name: letters, digits, '.', '_', '-' and '/', starting with a letter or digit.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


@dataclass(frozen=True)
class Baseline:
    """``name`` points at ``run_id`` since ``set_at`` (ISO 8601, UTC)."""

    name: str
    run_id: str
    set_at: str


def check_name(name: str) -> str:
    """``name`` if it is a valid baseline name, else a UserError saying what is allowed."""
    if not NAME_PATTERN.match(name):
        raise UserError(f"baseline name {name!r} is not valid: use 1-64 letters, digits, '.', '_', '-' or '/', "
                        "starting with a letter or digit")
    return name


def _has_table(store: Store) -> bool:
    rows = store.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'baselines'"
    ).fetchall()
    return bool(rows[0][0])


def set_baseline(store: Store, name: str, run: str | None = None) -> tuple[Baseline, Baseline | None]:
    """Point ``name`` at ``run`` (a run id or unique prefix; the last run when None).

    Returns the new baseline and the one it replaced (None if the name is new). The store must
    be open for writing."""
    check_name(name)
    run_id = store.resolve_run(run)
    store.con.execute(_SCHEMA)
    previous = get_baseline(store, name, missing_ok=True)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    store.con.execute("DELETE FROM baselines WHERE name = ?", [name])
    store.con.execute("INSERT INTO baselines VALUES (?, ?, ?)", [name, run_id, now])
    return Baseline(name, run_id, now), previous


def get_baseline(store: Store, name: str, *, missing_ok: bool = False) -> Baseline | None:
    """The baseline called ``name``; a UserError listing the known names when there is none
    (None instead with ``missing_ok``)."""
    if _has_table(store):
        rows = store.con.execute("SELECT name, run_id, set_at FROM baselines WHERE name = ?", [name]).fetchall()
        if rows:
            return Baseline(*(str(v) for v in rows[0]))
    if missing_ok:
        return None
    known = [b.name for b in list_baselines(store)]
    hint = f"known: {', '.join(known)}" if known else "none is set yet: `accelbench baseline set NAME [RUN]`"
    raise UserError(f"no baseline {name!r} in {store.path} ({hint})")


def list_baselines(store: Store) -> list[Baseline]:
    """Every baseline, by name."""
    if not _has_table(store):
        return []
    rows = store.con.execute("SELECT name, run_id, set_at FROM baselines ORDER BY name").fetchall()
    return [Baseline(*(str(v) for v in row)) for row in rows]


def delete_baseline(store: Store, name: str) -> Baseline:
    """Remove the name ``name`` (its run stays stored); a UserError when there is no such baseline."""
    found = get_baseline(store, name)
    assert found is not None
    store.con.execute("DELETE FROM baselines WHERE name = ?", [name])
    return found


def baseline_run(store: Store, name: str) -> str:
    """The run id the baseline ``name`` points at (UserError when the name or its run is gone)."""
    found = get_baseline(store, name)
    assert found is not None
    if not store.con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [found.run_id]).fetchall()[0][0]:
        raise UserError(f"baseline {name!r} points at run {found.run_id}, which is not in {store.path}")
    return found.run_id


def resolve_run_or_baseline(store: Store, spec: str | None) -> str:
    """A baseline name's run, else ``spec`` as a run id / unique prefix (the last run when None or
    ``last``). A name that is both a baseline and a run-id prefix means the baseline."""
    if spec is None or spec == "last":
        return store.resolve_run(None)
    if get_baseline(store, spec, missing_ok=True) is not None:
        return baseline_run(store, spec)
    try:
        return store.resolve_run(spec)
    except UserError as exc:
        known = [b.name for b in list_baselines(store)]
        if not known:
            raise
        raise UserError(f"{exc} (nor a baseline: {', '.join(known)})") from None
