"""Turn command-line TARGETs into suite entries.

A TARGET is a suite name (``smoke``) or a path to a suite file, a catalog workload name
(a model such as ``jet_mlp``, or any workload named in a shipped suite such as
``gemm-5124x700x2048``), or an ad-hoc workload ``KIND:key=value,...`` such as
``gemm:m=256,n=256,k=256,dtype=float32``.
"""

from __future__ import annotations

import difflib
from typing import Any

from accelbench.errors import UserError
from accelbench.kinds import make_workload
from accelbench.suites import SuiteEntry, load_suite, suite_names, suite_path


def parse_value(text: str) -> Any:
    """An ad-hoc parameter value: int, float, true/false, else the string itself."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            continue
    return text.strip()


def parse_adhoc(target: str) -> SuiteEntry:
    """``KIND:key=value,...`` -> a suite entry (batch from ``batch=`` if given)."""
    kind, _, rest = target.partition(":")
    params: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UserError(f"ad-hoc workload {target!r}: expected key=value, got {item!r}")
        if key.strip() in params:
            raise UserError(f"ad-hoc workload {target!r}: parameter `{key.strip()}` given twice")
        params[key.strip()] = parse_value(value)
    return SuiteEntry(make_workload(kind.strip(), params))


def catalog() -> dict[str, SuiteEntry]:
    """Named workloads: every model at its default size, then every entry of the shipped suites."""
    from accelbench.models import MODELS

    named: dict[str, SuiteEntry] = {}
    for name in sorted(MODELS):
        named[name] = SuiteEntry(make_workload("model", {"model": name}, name=name))
    for suite in suite_names():
        for entry in load_suite(suite).entries:
            named.setdefault(entry.workload.name, entry)
    return named


def resolve(target: str, weights: str | None = None) -> list[SuiteEntry]:
    """The suite entries a TARGET stands for; a UserError with suggestions when unknown.

    A model file (``file.py:factory``, ``model.onnx``, ``model.pt2``; ``weights`` for a factory's
    state dict) is the user's own network (:mod:`accelbench.kinds.user_model`).
    """
    from accelbench.usermodels.source import looks_like_model

    if looks_like_model(target):
        from accelbench.kinds.qonnx_model import QonnxModelWorkload
        from accelbench.kinds.user_model import UserModelWorkload
        from accelbench.usermodels.onnx_chain import UnsupportedGraph
        from accelbench.usermodels.source import parse_target

        source = parse_target(target, weights)
        user = QonnxModelWorkload if source.format == "qonnx" else UserModelWorkload  # QONNX: the graph, no module
        try:
            return [SuiteEntry(user.from_source(source))]
        except UnsupportedGraph:  # not a chain of layers: the graph as it is, on the ONNX Runtime backends
            from accelbench.kinds.onnx_graph_model import OnnxGraphWorkload

            return [SuiteEntry(OnnxGraphWorkload.from_source(source))]
    if weights:
        raise UserError(f"--weights applies to a model file target, not {target!r}")
    if ":" in target:
        return [parse_adhoc(target)]
    if suite_path(target) is not None:
        return list(load_suite(target).entries)
    named = catalog()
    if target in named:
        return [named[target]]
    options = [*suite_names(), *named]
    close = difflib.get_close_matches(target, options, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else " (see `accelbench list`)"
    shown = target if len(target) <= 80 else target[:77] + "..."
    raise UserError(f"unknown target {shown!r}: not a suite, a catalog workload or KIND:key=value{hint}")
