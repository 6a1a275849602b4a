"""The RDF and reasoning stages of ``kg build`` in a forked process, so that what they allocate goes
back to the system when it ends.

Those two stages build, and drop, the largest Python objects of a build: the entities graph as
N-Triples keys, the rdflib graphs owlrl reasons over and owlrl's own copies. Freed in the build's own
process they stay in its heap (CPython's allocator keeps arenas that hold one live object), and
every later stage, and every process forked for validation, carried them: at 100,000 documents the
build's process grew from 281 MB after extraction to 1,135 MB after reasoning. A forked child makes
the same graph: it appends to the same spool file (the parent writes nothing meanwhile, and flushed
both spools before forking), then hands back what the parent needs (the spool's index, the summary,
the facts) through a pipe and exits.

Where ``fork`` is not available the stages run in the build's process (:func:`forking`).

>>> forking() in (True, False)
True
"""

from __future__ import annotations

from typing import Callable

from .errors import KGError
from .stages import Stages


def forking() -> bool:
    """Whether this platform can fork (Linux and macOS)."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


class StageProcessDied(KGError):
    """The forked process of the RDF and reasoning stages ended without an answer (killed, out of memory)."""


def run_forked(make: Callable, reason: Callable, spool, flush: Callable[[], None], stages: Stages):
    """Run ``make()`` (the RDF stage: returns a build result written into ``spool``) and, on its result,
    ``reason(result)`` (returns the number of inferences, spooled) in one forked process, timed as the
    stages ``merge and RDF`` and ``reason`` of ``stages``; ``flush`` empties every write buffer the child
    inherits. Returns ``(summary, facts)`` of the result, ``summary.inferred`` set, and leaves ``spool``
    as if both had run here. An error of the child is raised here, as the same type when it is a
    KGError (a RuntimeError naming the exception otherwise); a child that dies raises
    :class:`StageProcessDied`.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    flush()
    spool.finish()
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        receive.close()
        try:
            result = make()
            send.send(("made", None))
            result.summary.inferred = reason(result)
            result.rdf = None
            result.spool.finish()
            send.send(("done", (result.spool.state(), result.summary, result.facts)))
        except KGError as exc:
            send.send(("error", exc))
        except BaseException as exc:  # noqa: BLE001 - a bug: told to the parent in one line
            send.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        finally:
            send.close()

    process = ctx.Process(target=child, name="kg-build-rdf", daemon=True)
    process.start()
    send.close()
    try:
        with stages.stage("merge and RDF"):
            _expect(receive, process, "made")
        with stages.stage("reason"):
            state, summary, facts = _expect(receive, process, "done")
    finally:
        receive.close()
        if process.is_alive():
            process.terminate()
        process.join()
    spool.adopt(state)  # the child appended through the same file: write after it
    return summary, facts


def _expect(receive, process, what: str):
    try:
        kind, payload = receive.recv()
    except EOFError:
        process.join()
        raise StageProcessDied(f"the build's RDF and reasoning process ended without an answer "
                               f"(exit code {process.exitcode}); nothing was written") from None
    if kind == "error":
        raise payload
    assert kind == what, (kind, what)
    return payload


__all__ = ["forking", "run_forked", "StageProcessDied"]
