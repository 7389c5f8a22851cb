"""Suite files and TARGET parsing: every shipped suite loads; broken files name file, entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelbench.errors import UserError
from accelbench.suites import load_suite, suite_names
from accelbench.targets import parse_adhoc, parse_value, resolve


def test_every_shipped_suite_loads() -> None:
    names = suite_names()
    assert "smoke" in names
    for name in names:
        suite = load_suite(name)
        assert suite.entries, name


def test_smoke_covers_every_kind() -> None:
    kinds = {entry.workload.kind for entry in load_suite("smoke").entries}
    assert kinds == {"gemm", "conv2d", "rnn_step", "model"}


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "broken.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[workload]\nname=1", "invalid TOML"),
        ('colour = "red"\n[[workload]]\nname="a"\nkind="gemm"\nm=1\nn=1\nk=1', "unknown top-level key `colour`"),
        ('[[workload]]\nname="a"\nm=1', r"workload #1 \(a\): field `kind` is required"),
        ('[[workload]]\nname="a"\nkind="gemm"\nm=0\nn=1\nk=1', r"workload #1 \(a\): parameter `m` must be >= 1"),
        ('[[workload]]\nname="a b"\nkind="gemm"', "workload #1: field `name`"),
        ('[[workload]]\nname="a"\nkind="gemm"\nm=1\nn=1\nk=1\n[[workload]]\nname="a"\nkind="gemm"\nm=1\nn=1\nk=1',
         r"workload #2 \(a\): duplicate name"),
        ('[[workload]]\nname="a"\nkind="gemm"\nm=1\nn=1\nk=1\nbatches=[0]', "field `batches`"),
        ('backends=["cpu-nope"]\n[[workload]]\nname="a"\nkind="gemm"\nm=1\nn=1\nk=1', "unknown backend 'cpu-nope'"),
        ('description="empty"', "at least one"),
    ],
)
def test_broken_suite_file_names_file_entry_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(UserError, match=message) as info:
        load_suite(path)
    assert str(path) in str(info.value)


def test_unknown_suite_lists_the_known_ones() -> None:
    with pytest.raises(UserError, match="smoke"):
        load_suite("no-such-suite")


def test_adhoc_target_parses_typed_values() -> None:
    entry = parse_adhoc("gemm:m=16,n=8,k=4,dtype=float64,trans_b=true")
    assert entry.workload.params["m"] == 16 and entry.workload.params["trans_b"] is True
    assert parse_value("1.5") == 1.5 and parse_value("x") == "x"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("gemm:m=0,n=1,k=1", "parameter `m` must be >= 1"),
        ("gemm:m=1,n=1,k", "expected key=value"),
        ("gemm:m=1,m=2,n=1,k=1", "given twice"),
        ("smok", "did you mean smoke"),
    ],
)
def test_bad_targets_are_user_errors(target: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        resolve(target)


def test_catalog_names_resolve_to_model_workloads() -> None:
    (entry,) = resolve("jet_mlp")
    assert entry.workload.kind == "model" and entry.workload.params["model"] == "jet_mlp"
