"""SchedstatSource on a scripted task directory: the thread list is re-read on a period, and a
thread first seen at a re-listing is a baseline, never an interval (no timing asserted)."""

from __future__ import annotations

from pathlib import Path

from accelbench.measure.contention import SchedstatSource, delta

MS = 1_000_000


def write_thread(task_dir: Path, tid: int, cpu_ms: int, wait_ms: int) -> None:
    (task_dir / str(tid)).mkdir(exist_ok=True)
    (task_dir / str(tid) / "schedstat").write_text(f"{cpu_ms * MS} {wait_ms * MS} 7\n")


def test_a_thread_listed_late_is_left_out_of_its_first_interval_then_counted(tmp_path: Path) -> None:
    write_thread(tmp_path, 1, 0, 0)
    source = SchedstatSource(str(tmp_path))
    source.refresh_ns = 0  # re-list at every reading
    try:
        first = source.read()
        assert first.born == frozenset()  # the first listing is everyone's baseline
        write_thread(tmp_path, 1, 5, 0)
        write_thread(tmp_path, 2, 50, 40)  # waited 40 ms, possibly long before this interval
        second = source.read()
        assert second.born == {2}
        sample = delta(first, second)
        assert dict(sample.wait_ns) == {1: 0} and sample.cpu_ns == 5 * MS
        write_thread(tmp_path, 2, 60, 43)
        third = source.read()
        assert third.born == frozenset()
        assert delta(second, third).wait_ns[2] == 3 * MS
    finally:
        source.close()


def test_between_re_listings_only_the_known_threads_are_read(tmp_path: Path) -> None:
    write_thread(tmp_path, 1, 0, 0)
    source = SchedstatSource(str(tmp_path))
    source.refresh_ns = 10**15  # never re-list after the first reading
    try:
        source.read()
        write_thread(tmp_path, 2, 1, 1)
        assert set(source.read().wait_ns) == {1}
        source.refresh_ns = 0
        assert set(source.read().wait_ns) == {1, 2}
    finally:
        source.close()


def test_a_thread_gone_from_the_list_is_closed_and_no_longer_read(tmp_path: Path) -> None:
    write_thread(tmp_path, 1, 0, 0)
    write_thread(tmp_path, 2, 0, 0)
    source = SchedstatSource(str(tmp_path))
    source.refresh_ns = 0
    try:
        assert set(source.read().wait_ns) == {1, 2}
        (tmp_path / "2" / "schedstat").unlink()
        (tmp_path / "2").rmdir()
        assert set(source.read().wait_ns) == {1}
    finally:
        source.close()
