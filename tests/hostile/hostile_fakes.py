"""Test doubles of the hostile tier."""

from __future__ import annotations

from tests.fakes import FakeBackend


class UnpluggedFake(FakeBackend):
    """A backend that is never available (its device is unplugged), on any host."""

    name = "fake-unplugged"

    def __init__(self) -> None:
        super().__init__(available=False)
