"""What every ``kg`` command shares, declared once (as sqlite-utils declares its shared option groups):
the :func:`command` decorator that registers a command, adds ``-v/--verbose`` and ``-q/--quiet`` and turns
every :class:`~graph.errors.KGError` into one line on stderr and the exit code of
:func:`graph.errors.exit_code` (1 for a graph that violates the shapes or a ``--strict`` miss, 3 for a
query timeout, else 2); :func:`with_store`, the options that say where the graph is (``--graph``,
``--store``, ``--endpoint``, ``--auth``, ``--token``; ``--update-endpoint``, ``--graph-store`` for a
command that writes), handed to the command as one :class:`~graph.publish.StoreOptions`; and the
printing helpers that keep what documents say from driving the terminal.
"""

from __future__ import annotations

import functools
import inspect
import sys
import typing
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperCommand, TyperGroup

from .errors import KGError, exit_code, not_text, terminal_safe
from .publish import StoreOptions


def _flags_as_flags(params: list) -> list:
    """A flag takes no value: its help line shows no type (typer would show ``<bool>``)."""
    for p in params:
        if getattr(p, "is_flag", False) or getattr(p, "count", False):
            p.metavar = ""
    return params


class KGCommand(TyperCommand):
    def get_params(self, ctx):
        return _flags_as_flags(super().get_params(ctx))


class KGGroup(TyperGroup):
    def get_params(self, ctx):
        return _flags_as_flags(super().get_params(ctx))




def echo(text, err: bool = False, **style) -> None:
    """Print text that may hold what documents, file names or the graph say: control characters and
    escape sequences are shown, not sent to the terminal."""
    typer.secho(terminal_safe(text), err=err, **style)


#: set by -q/--quiet for the command being run: informational lines are not printed
QUIET = {"on": False}


def warn(message: str) -> None:
    """A warning on stderr (shown with -q too: it is about the answer, or about what was skipped)."""
    echo(f"warning: {message}", err=True, fg=typer.colors.YELLOW)


def info(message: str) -> None:
    """An informational line (``Wrote ...``), left out with -q/--quiet."""
    if not QUIET["on"]:
        echo(message)


def set_verbosity(verbose: int, quiet: bool) -> None:
    """-v: the library's progress as log lines on stderr (stages, timings); -vv: per document and query
    detail; -q: errors only."""
    import logging

    QUIET["on"] = quiet
    logger = logging.getLogger("graph")
    for h in [h for h in logger.handlers if getattr(h, "_kg_cli", False)]:
        logger.removeHandler(h)
    if verbose and not quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(relativeCreated)7.0f ms  %(name)s: %(message)s"))
        handler._kg_cli = True
        logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet or not verbose else logging.INFO if verbose == 1 else logging.DEBUG)


def check_text(value: str, what: str) -> None:
    reason = not_text(value)
    if reason:
        raise KGError(f"{what} cannot be used: {reason}")


def command_of(app):
    """The :func:`command` decorator for ``app``."""

    def command(fn):
        """Register ``fn`` as a ``kg`` command whose every :class:`KGError` is one line on stderr
        (``error: ...``) and the exit code :func:`graph.errors.exit_code` gives, never a traceback.

        >>> @command                                                       # doctest: +SKIP
        ... def hello(name: str = typer.Argument(...)):
        ...     raise QueryTimeout(f"{name} took too long")                # error: ... and exit code 3
        """

        own = inspect.signature(fn).parameters

        @functools.wraps(fn)
        def run(*args, verbose: int = 0, quiet: bool = False, **kwargs):
            set_verbosity(verbose, quiet)
            if "quiet" in own:
                kwargs["quiet"] = quiet
            try:
                return fn(*args, **kwargs)
            except KGError as exc:
                typer.secho(f"error: {terminal_safe(exc)}", fg=typer.colors.RED, err=True)
                raise typer.Exit(exit_code(exc)) from None
            finally:
                set_verbosity(0, False)

        params = [p for name, p in own.items() if name != "quiet"]
        hints = typing.get_type_hints(fn)
        params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in params]
        params += [
            inspect.Parameter("verbose", inspect.Parameter.KEYWORD_ONLY, annotation=int,
                              default=typer.Option(0, "--verbose", "-v", count=True, show_default=False,
                                                   help="Say what is being done (-vv: in detail), on stderr.")),
            inspect.Parameter("quiet", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                              default=typer.Option(False, "--quiet", "-q", help="Print nothing but the answer, warnings and errors.")),
        ]
        run.__signature__ = inspect.Signature(params)
        run.__annotations__ = {p.name: p.annotation for p in params}
        return app.command(cls=KGCommand)(run)

    return command


# where the graph lives (graph/stores/): --graph FILE (default), --store DIR or --endpoint URL;
# with none given, the environment variables KG_STORE / KG_ENDPOINT (KG_AUTH, KG_TOKEN) decide
_STORE_OPTIONS = {
    "store": (Optional[Path], typer.Option(None, "--store", help="A persistent Oxigraph store folder instead of a "
                                                                 "file (env KG_STORE).")),
    "endpoint": (Optional[str], typer.Option(None, "--endpoint", help="A SPARQL 1.1 query endpoint URL "
                                                                      "(env KG_ENDPOINT).")),
    "update_endpoint": (Optional[str], typer.Option(None, "--update-endpoint", help="SPARQL Update URL (default: "
                                                    "derived from --endpoint; env KG_UPDATE_ENDPOINT).")),
    "graph_store": (Optional[str], typer.Option(None, "--graph-store", help="Graph Store Protocol URL (default: "
                                                "derived from --endpoint; env KG_GRAPH_STORE).")),
    "auth": (Optional[str], typer.Option(None, "--auth", help="USER:PASSWORD for the endpoint (HTTP Basic, or "
                                                              "Digest when asked; env KG_AUTH).")),
    "token": (Optional[str], typer.Option(None, "--token", help="Bearer token for the endpoint (env KG_TOKEN).")),
}
_WRITING = ("update_endpoint", "graph_store")


def with_store(graph: str | None = None, write: bool = False):
    """Give a command the options that say where the graph is, as one argument ``where``
    (a :class:`StoreOptions`): ``--graph``/``-g`` with the help ``graph`` (none when None), ``--store``,
    ``--endpoint``, ``--auth``, ``--token``, and with ``write`` ``--update-endpoint``, ``--graph-store``.

    >>> @command                                                       # doctest: +SKIP
    ... @with_store(graph="Graph file (default out/kg.ttl).")
    ... def count(where: StoreOptions = None):
    ...     echo(len(where.open()))                                   # kg count --store out/kg.db
    """
    added = {n: option for n, option in _STORE_OPTIONS.items() if write or n not in _WRITING}
    if graph is not None:
        added = {"graph": (Optional[Path], typer.Option(None, "--graph", "-g", help=graph)), **added}

    def decorate(fn):
        hints = typing.get_type_hints(fn)
        own = [p.replace(annotation=hints.get(p.name, p.annotation), kind=inspect.Parameter.KEYWORD_ONLY)
               for p in inspect.signature(fn).parameters.values() if p.name != "where"]
        extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind)
                 for n, (kind, option) in added.items()]
        params = extra[:1] + own + extra[1:] if graph is not None else own + extra  # --graph first

        @functools.wraps(fn)
        def run(**kwargs):
            where = StoreOptions(**{n: kwargs.pop(n) for n in added})
            return fn(where=where, **kwargs)

        run.__signature__ = inspect.Signature(params)
        run.__annotations__ = {p.name: p.annotation for p in params}
        return run

    return decorate
