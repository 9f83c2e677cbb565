"""What a package needs from a package above it, handed down when the application starts (web.init_app).

The packages depend on one another in one direction only (tests/layers.py): the access policy sits below the
organisation tree's admin pages, a directive below its tasks, a task below the notifications that tell people of
it. Where a lower package must still reach work done above it, it declares a hook of this module and calls it;
web.init_app gives the hook the upper package's function. Every such seam is then one `provide`/`subscribe`
line in web.init_app, and the lower package reads as what it needs, not who gives it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

Provision = TypeVar("Provision")


class Provided(Generic[Provision]):
    """One function (or object) a package above provides: the last one given is the one used."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._value: Provision | None = None

    def provide(self, value: Provision) -> None:
        self._value = value

    @property
    def is_provided(self) -> bool:
        return self._value is not None

    def __call__(self) -> Provision:
        if self._value is None:
            raise RuntimeError(f"{self.what}: not provided (web.init_app provides it when the app is created)")
        return self._value


class Subscribers(Generic[Provision]):
    """Any number of functions (or objects) of the packages above that follow something here, each once."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._values: list[Provision] = []

    def subscribe(self, value: Provision) -> None:
        if value not in self._values:
            self._values.append(value)

    def __iter__(self) -> Iterator[Provision]:
        return iter(list(self._values))
