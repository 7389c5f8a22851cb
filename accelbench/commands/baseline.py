"""``accelbench baseline set|list|show|delete``: named runs to compare against (CI's "main")."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from accelbench.commands.common import add_json, add_store, print_json, stderr


def register(sub: Any) -> None:
    parser = sub.add_parser("baseline", help="name a stored run (e.g. main) for run --compare-to / compare --baseline")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    set_parser = actions.add_parser("set", help="point NAME at RUN (default: the last run); moves an existing NAME")
    set_parser.add_argument("name", metavar="NAME")
    set_parser.add_argument("run", nargs="?", metavar="RUN", help="a run id or unique prefix (default: the last run)")
    list_parser = actions.add_parser("list", help="list the baselines")
    show_parser = actions.add_parser("show", help="show a baseline's run and its results")
    show_parser.add_argument("name", metavar="NAME")
    delete_parser = actions.add_parser("delete", help="forget NAME (its run stays stored)")
    delete_parser.add_argument("name", metavar="NAME")
    for each in (set_parser, list_parser, show_parser, delete_parser):
        add_store(each)
        add_json(each)
    parser.set_defaults(func=main)


def _origin(run: dict[str, Any]) -> str:
    commit = (run.get("commit_id") or "-")[:12] + ("+dirty" if run.get("dirty") else "")
    parts = [commit]
    if run.get("branch"):
        parts.append(f"on {run['branch']}")
    if run.get("label"):
        parts.append(f"[{run['label']}]")
    return " ".join(parts)


def main(args: argparse.Namespace) -> int:
    from accelbench.errors import UserError

    if args.action is None:
        raise UserError("baseline needs an action: set, list, show or delete")
    if not args.store.exists():  # set/delete open the store for writing: never create an empty one
        raise UserError(f"no store at {args.store} (run `accelbench run` first, or pass --store)")
    return {"set": _set, "list": _list, "show": _show, "delete": _delete}[args.action](args)


def _set(args: argparse.Namespace) -> int:
    from accelbench.results.baselines import check_name, set_baseline
    from accelbench.results.store import open_store

    check_name(args.name)
    with open_store(args.store) as store:
        baseline, previous = set_baseline(store, args.name, args.run)
        run = store.run_info(baseline.run_id)
    if args.json:
        print_json({**asdict(baseline), "previous_run_id": previous.run_id if previous else None})
        return 0
    moved = f" (was {previous.run_id})" if previous and previous.run_id != baseline.run_id else ""
    stderr(f"baseline {baseline.name} -> run {baseline.run_id} ({_origin(run)}){moved}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from accelbench.results.baselines import list_baselines
    from accelbench.results.store import open_store

    with open_store(args.store, read_only=True) as store:
        found = list_baselines(store)
        runs = {run["run_id"]: run for run in store.runs()}
    if args.json:
        print_json([{**asdict(b), "origin": {k: runs.get(b.run_id, {}).get(k) for k in
                                              ("commit_id", "branch", "dirty", "commit_time", "label")}}
                    for b in found])
        return 0
    if not found:
        print("no baselines (set one with `accelbench baseline set NAME [RUN]`)")
    for b in found:
        run = runs.get(b.run_id)
        where = _origin(run) if run else "run missing from the store"
        print(f"{b.name:<20} {b.run_id}  {where}  set {b.set_at}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from accelbench.results.baselines import baseline_run, get_baseline
    from accelbench.results.store import open_store

    with open_store(args.store, read_only=True) as store:
        baseline = get_baseline(store, args.name)
        assert baseline is not None
        run_id = baseline_run(store, args.name)
        run = store.run_info(run_id)
        records = store.measurements(run_id)
    if args.json:
        print_json({**asdict(baseline), "run": run, "measurements": [m.to_json() for m in records]})
        return 0
    from accelbench.commands.table import measurements_table

    print(f"baseline {baseline.name} -> run {run_id} ({_origin(run)}), set {baseline.set_at}")
    measurements_table(records, title=f"baseline {baseline.name}: run {run_id}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from accelbench.results.baselines import delete_baseline
    from accelbench.results.store import open_store

    with open_store(args.store) as store:
        gone = delete_baseline(store, args.name)
    if args.json:
        print_json(asdict(gone))
    else:
        stderr(f"baseline {gone.name} deleted (run {gone.run_id} is kept)")
    return 0
