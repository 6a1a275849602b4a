"""The stages of a long command, timed and told: what ``kg build`` is doing, for how long.

A :class:`Stages` records each stage's wall time, logs it (``kg build -v``) and tells a display
(the progress bars of :mod:`graph.report`), if there is one. The library stays silent without one.

>>> stages = Stages()
>>> with stages.stage("read") as advance:
...     advance()
>>> list(stages.timings)
['read']
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import Callable, Iterator, Protocol

_log = logging.getLogger(__name__)


class Display(Protocol):
    """What shows the stages: ``start`` a stage (``total`` steps or None), ``advance`` it, ``end`` it."""

    def start(self, name: str, total: int | None) -> None: ...

    def advance(self, name: str, detail: object = None) -> None: ...

    def end(self, name: str, seconds: float) -> None: ...


class Stages:
    """Timings of the stages run so far (``timings``: name -> seconds, in order)."""

    def __init__(self, display: Display | None = None):
        self.display = display
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Callable[..., None]]:
        """Run a stage; yields ``advance(detail=None)`` to call once per step (a document)."""
        _log.info("%s ...", name)
        if self.display:
            self.display.start(name, total)
        started = time.perf_counter()

        def advance(detail: object = None) -> None:
            if detail is not None:
                _log.debug("%s: %s", name, getattr(detail, "path", detail))
            if self.display:
                self.display.advance(name, detail)

        try:
            yield advance
        finally:
            seconds = time.perf_counter() - started
            self.timings[name] = self.timings.get(name, 0.0) + seconds
            _log.info("%s: %.2f s", name, seconds)
            if self.display:
                self.display.end(name, seconds)

    def summary(self) -> str:
        """One line of the stage timings: ``read 0.1 s, extract 1.2 s, ...``.

        >>> s = Stages(); s.timings = {"read": 0.04, "extract": 1.234}
        >>> s.summary()
        'read 0.04 s, extract 1.23 s'
        """
        return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.timings.items())


__all__ = ["Display", "Stages"]
