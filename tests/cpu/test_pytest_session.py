"""The plugin's session state: the terminal summary names timings that are not trustworthy."""

from __future__ import annotations

from accelbench.pytest_support.session import SessionState


def _record(workload: str, verdict: str | None, reason: str = "") -> dict:
    quality = {"verdict": verdict, "reason": reason} if verdict else None
    return {"workload": workload, "backend": "cpu-numpy", "batch": 1, "quality": quality}


def test_the_summary_lists_contended_and_noisy_timings_with_their_reason() -> None:
    state = SessionState()
    state.add(_record("gemm-a", "ok"))
    state.add(_record("gemm-b", "contended", "threads waited 48 % of the time for a CPU"))
    state.add_worker_records([_record("gemm-c", "noisy"), _record("gemm-d", None)])
    lines = state.summary_lines()
    assert lines[0] == "accelbench: 2 measurement(s) whose timing is not trustworthy:"
    assert "contended" in lines[1] and "gemm-b" in lines[1] and "48 %" in lines[1]
    assert "noisy" in lines[2] and "gemm-c" in lines[2] and len(lines) == 3


def test_a_clean_session_adds_nothing_to_the_summary() -> None:
    state = SessionState()
    state.add(_record("gemm-a", "ok"))
    assert state.summary_lines() == []
