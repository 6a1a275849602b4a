"""Where the graph is read from and where a build is written.

* :class:`StoreOptions`: the options every command takes to name the graph (``--graph FILE``,
  ``--store DIR`` or ``--endpoint URL`` with ``--update-endpoint``, ``--graph-store``, ``--auth``,
  ``--token``; with none given, the ``KG_*`` environment variables), checked before any work
  (:meth:`StoreOptions.check`) and opened as a store (:meth:`StoreOptions.open`);
* :func:`publish`: a built graph written where ``kg build`` writes it: a file (whole or not at all),
  a store folder (swapped in whole, under the store's lock) or an endpoint (each named graph
  replaced, then counted back), with a :class:`PublishReport` of what was written.

>>> StoreOptions(store="out/kg.db").chosen(env={})
('store', 'out/kg.db')
>>> report = publish(build_graph("corpus"), out="out/kg.ttl")   # doctest: +SKIP
>>> report.described, report.graphs                              # doctest: +SKIP
('out/kg.ttl', None)
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from .errors import KGError, ValidationFailed, not_text

#: where ``kg build`` writes when no option (and no KG_STORE / KG_ENDPOINT) names a place
DEFAULT_OUT = Path("out/kg.ttl")


def _check_url(url: str, what: str) -> None:
    """Refuse, with a one-line error, an endpoint URL that urllib would choke on later.

    >>> _check_url("http://127.0.0.1:7878/query", "--endpoint")
    >>> _check_url("localhost:7878/query", "--endpoint")
    Traceback (most recent call last):
    ...
    graph.errors.KGError: --endpoint must be an http:// or https:// URL, not 'localhost:7878/query'
    """
    reason = not_text(url)
    if reason:
        raise KGError(f"{what} is not a URL: {reason}")
    if re.search(r"[\x00-\x20\x7f]", url):
        raise KGError(f"{what} is not a URL: {url!r} holds a space or a control character (percent-encode it)")
    if not url.isascii():
        raise KGError(f"{what} is not a URL: {url!r} holds characters beyond ASCII (percent-encode them)")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise KGError(f"{what} is not a valid URL: {url!r} ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise KGError(f"{what} must be an http:// or https:// URL, not {url!r}")
    if not parts.hostname:
        raise KGError(f"{what} names no host: {url!r}")


def _check_credential(value: str, what: str, is_token: bool) -> None:
    reason = not_text(value)
    if reason:
        raise KGError(f"{what} cannot be used: {reason}")
    if is_token and not re.fullmatch(r"[\x21-\x7e]+", value):
        raise KGError(f"{what} cannot be sent in an HTTP header: a token is ASCII without spaces")
    if not is_token and not value.isprintable():
        raise KGError(f"{what} cannot be used: it holds control characters")


@dataclass(frozen=True)
class StoreOptions:
    """Where the graph is: ``graph`` (a file; a folder opens as a store folder), ``store`` (an Oxigraph
    store folder) or ``endpoint`` (a SPARQL 1.1 endpoint, with ``update_endpoint``, ``graph_store``,
    ``auth`` and ``token``). With none of the three, the environment decides (``KG_STORE``, then
    ``KG_ENDPOINT`` with ``KG_UPDATE_ENDPOINT``, ``KG_GRAPH_STORE``, ``KG_AUTH``, ``KG_TOKEN``), then
    ``out/kg.ttl`` (:func:`graph.stores.open_store`).

    >>> StoreOptions(endpoint="http://127.0.0.1:7878/query").chosen(env={})
    ('endpoint', 'http://127.0.0.1:7878/query')
    >>> StoreOptions(endpoint="http://a b/query").check(env={})
    Traceback (most recent call last):
    ...
    graph.errors.KGError: --endpoint is not a URL: 'http://a b/query' holds a space or a control character (percent-encode it)
    """

    graph: Optional[Union[str, Path]] = None
    store: Optional[Union[str, Path]] = None
    endpoint: Optional[str] = None
    update_endpoint: Optional[str] = None
    graph_store: Optional[str] = None
    auth: Optional[str] = None
    token: Optional[str] = None

    def chosen(self, env: Mapping[str, str] | None = None) -> tuple[str, str]:
        """``("graph" | "store" | "endpoint" | "default", where)``: see :func:`graph.stores.chosen`."""
        from .stores import chosen

        return chosen(self.graph, self.store, self.endpoint, env)

    def check(self, env: Mapping[str, str] | None = None) -> None:
        """Refuse, before any work, two places at once and endpoint settings that cannot be used (the
        options, or the ``KG_*`` variables when no option names the graph): a malformed URL, a token
        that cannot go in an HTTP header, bytes that are not UTF-8. Errors name the option or variable."""
        env = os.environ if env is None else env
        if self.chosen(env)[0] != "endpoint":
            return
        for value, option, var in ((self.endpoint, "--endpoint", "KG_ENDPOINT"),
                                   (self.update_endpoint, "--update-endpoint", "KG_UPDATE_ENDPOINT"),
                                   (self.graph_store, "--graph-store", "KG_GRAPH_STORE")):
            url, what = (value, option) if value else (env.get(var), var)
            if url:
                _check_url(url, what)
        for value, option, var in ((self.auth, "--auth", "KG_AUTH"), (self.token, "--token", "KG_TOKEN")):
            given, what = (value, option) if value else (env.get(var), var)
            if given:
                _check_credential(given, what, is_token=option == "--token")

    def open_options(self) -> dict[str, Any]:
        """The keyword arguments of :func:`graph.stores.open_store` but ``graph``."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "graph"}

    def open(self, writable: bool = False):
        """The store these options name (checked first), opened for reading, or for writing."""
        from .stores import open_store

        self.check()
        return open_store(self.graph, writable=writable, **self.open_options())


@dataclass
class PublishReport:
    """What :func:`publish` wrote: the build's ``result``, the file ``out`` (or None), the store or
    endpoint ``target`` (its description, or None) and, for a store or endpoint, the named ``graphs``
    replaced and the stale ones ``dropped``."""

    result: Any
    out: Optional[Path] = None
    target: Optional[str] = None
    graphs: Optional[int] = None
    dropped: Optional[int] = None

    @property
    def described(self) -> str:
        """What the build summary names: the file, else the store or endpoint."""
        return str(self.out) if self.out is not None else str(self.target)


def publish(result, out: str | Path | None = None, where: StoreOptions | None = None,
            **options) -> PublishReport:
    """Write a built graph (a :class:`graph.build.BuildResult`) to ``out`` (a ``.ttl``, ``.trig``,
    ``.nq``, ``.nt`` or ``.jsonld`` file, written atomically) and to the store folder or endpoint that
    ``where`` (or the keyword ``options`` of :class:`StoreOptions`: ``store=``, ``endpoint=``, ...)
    names; with neither a store nor an endpoint, ``out`` defaults to ``out/kg.ttl``.

    ``result`` may be a function that builds the graph: it is called once the destinations are
    checked (``out`` writable, the endpoint settings usable) and the store's lock taken, so that a
    bad ``--out`` or a store another build is writing is refused before the work. A build that
    fails validation (:class:`graph.errors.ValidationFailed`) writes nothing; its message says so.

    >>> publish(build_graph("corpus"), "out/kg.trig")                       # doctest: +SKIP
    PublishReport(result=..., out=PosixPath('out/kg.trig'), target=None, graphs=None, dropped=None)
    >>> publish(lambda: build_graph("corpus"), store="out/kg.db").graphs    # doctest: +SKIP
    5
    """
    from contextlib import ExitStack

    from .build import check_output_path, format_for, write_built
    from .stores import lock_store, write_store_folder, write_to_store

    where = where if where is not None else StoreOptions(**options)
    kind, place = where.chosen()
    if kind == "graph":
        raise KGError("a graph file is written by `kg build --out FILE`, not opened for writing")
    if out is None and kind not in ("store", "endpoint"):
        out = DEFAULT_OUT
    out = Path(out) if out is not None else None
    with ExitStack() as held:
        if out is not None:  # a file that cannot be written is refused now, not after the whole build
            format_for(out)
            check_output_path(out)
        if kind == "endpoint":
            where.check()
        lock = None
        if kind == "store":  # the store's lock first: one writer, and a folder that is not a store refused
            lock = lock_store(place)
            held.callback(lock.release)
        try:
            built = result() if callable(result) else result
        except ValidationFailed as exc:
            exc.message += f"; nothing written to {out if out is not None else kind}"
            raise
        report = PublishReport(built, out)
        stages = built.stages
        written: Optional[Mapping[str, int]] = None
        if kind == "store":  # a new store folder swapped in whole: readers see the old graph or the new
            with stages.stage("load"):
                written, report.target = write_store_folder(built.spool, place, lock=lock), f"store {place}"
        elif kind == "endpoint":  # each named graph replaced, stale document graphs dropped, then checked
            target = where.open(writable=True)
            report.target = target.description
            try:
                with stages.stage("load"):
                    written = write_to_store(built.spool, target)
            finally:
                target.close()
        if written is not None:
            report.graphs, report.dropped = written["graphs"], written["dropped"]
        if out is not None:
            with stages.stage("write"):  # (a file written beside validation: the wait for it, and the rename)
                staged, built.staged = built.staged, None
                if staged is not None and staged.path == out:
                    staged.commit()
                else:
                    if staged is not None:
                        staged.abort()
                    write_built(built, out)
    return report

