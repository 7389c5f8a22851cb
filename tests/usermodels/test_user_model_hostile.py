"""Bad model files and data files: one line naming the problem, exit 2, nothing stored.

(Kept beside the user-model fixture that builds the files; the same promise as tests/hostile/.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from accelbench.cli import main


def _refused(capsys: pytest.CaptureFixture[str], store: Path, *argv: str) -> str:
    code = main(["run", *argv, "--backends", "cpu-numpy", "--budget-s", "0.02", "--no-power", "--store", str(store)])
    _, err = capsys.readouterr()
    assert code == 2
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert not store.exists() or store.stat().st_size < 2**20
    return lines[0]


@pytest.mark.parametrize(("target", "extra", "needle"), [
    ("missing.onnx", (), "does not exist"),
    ("{py}:nope", ("--weights", "{weights}"), "no function 'nope'"),
    ("{py}:no_shape", (), "no input shape"),
    ("{py}:not_a_module", (), "not a torch.nn.Module"),
    ("{py}", (), "name the factory"),
    ("{garbage}", (), "not a readable ONNX file"),
    ("{pt2}", ("--weights", "{weights}"), "--weights applies to a .py factory"),
    ("{fixed_batch}", (), "fixed batch of 2"),
    ("{onnx}", ("--data", "{nan}"), "NaN"),
    ("{onnx}", ("--data", "{wrong_shape}"), "the model expects (n, 8)"),
    ("{onnx}", ("--data", "{no_x}"), "no array named 'x'"),
    ("{onnx}", ("--data", "{data}", "--data-n", "0"), "--data-n expects a positive integer"),
    ("{onnx}", ("--data-n", "5"), "--data-n needs --data"),
    ("{onnx}", ("--data", "{dir}/absent.npz"), "does not exist"),
    ("gemm:m=4,n=4,k=4", ("--data", "{data}"), "--data feeds model workloads"),
    ("{onnx}", ("--min-accuracy", "nan"), "finite non-negative"),
    ("gemm:m=4,n=4,k=4", ("--plugin", "{dir}/none.py"), "not an existing .py file"),
    ("gemm:m=4,n=4,k=4", ("--plugin", "{py}"), "defines no backend"),
])
def test_a_bad_model_or_data_file_is_one_line_and_exit_2(
        trained: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        target: str, extra: tuple[str, ...], needle: str) -> None:
    fill = {key: str(value) for key, value in trained.items()}
    line = _refused(capsys, tmp_path / "s.duckdb", target.format(**fill), *(e.format(**fill) for e in extra))
    assert needle in line
