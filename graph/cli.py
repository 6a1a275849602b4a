"""The ``kg`` command line: each command parses its options and calls the library.

Two decorators do what every command shares: :func:`command` registers it and turns every
:class:`~graph.errors.KGError` into one line on stderr and the exit code of
:func:`graph.errors.exit_code` (1 for a graph that violates the shapes, 3 for a query timeout, else 2);
:func:`with_store` adds the options that say where the graph is (``--graph``, ``--store``,
``--endpoint``, ``--auth``, ``--token``; ``--update-endpoint``, ``--graph-store`` for a command that
writes) and hands the command one :class:`~graph.publish.StoreOptions`.
"""

from __future__ import annotations

import functools
import inspect
import sys
import typing
from pathlib import Path
from typing import List, Optional

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


class _Command(TyperCommand):
    def get_params(self, ctx):
        return _flags_as_flags(super().get_params(ctx))


class _Group(TyperGroup):
    def get_params(self, ctx):
        return _flags_as_flags(super().get_params(ctx))


app = typer.Typer(
    cls=_Group,
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="alliance-kg: a knowledge graph of military alliances and shared bases, built from documents.",
)


def _echo(text, err: bool = False, **style) -> None:
    """Print text that may hold what documents, file names or the graph say: control characters and
    escape sequences are shown, not sent to the terminal."""
    typer.secho(terminal_safe(text), err=err, **style)


#: set by -q/--quiet for the command being run: warnings and informational lines are not printed
_QUIET = {"on": False}


def _warn(message: str) -> None:
    if not _QUIET["on"]:
        _echo(f"warning: {message}", err=True, fg=typer.colors.YELLOW)


def _info(message: str) -> None:
    """An informational line (``Wrote ...``), left out with -q/--quiet."""
    if not _QUIET["on"]:
        _echo(message)


def _set_verbosity(verbose: int, quiet: bool) -> None:
    """-v: the library's progress as log lines on stderr (stages, timings); -vv: per document and query
    detail; -q: errors only."""
    import logging

    _QUIET["on"] = quiet
    logger = logging.getLogger("graph")
    for h in [h for h in logger.handlers if getattr(h, "_kg_cli", False)]:
        logger.removeHandler(h)
    if verbose and not quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(relativeCreated)7.0f ms  %(name)s: %(message)s"))
        handler._kg_cli = True
        logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet or not verbose else logging.INFO if verbose == 1 else logging.DEBUG)


def _check_text(value: str, what: str) -> None:
    reason = not_text(value)
    if reason:
        raise KGError(f"{what} cannot be used: {reason}")


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
        _set_verbosity(verbose, quiet)
        if "quiet" in own:
            kwargs["quiet"] = quiet
        try:
            return fn(*args, **kwargs)
        except KGError as exc:
            typer.secho(f"error: {terminal_safe(exc)}", fg=typer.colors.RED, err=True)
            raise typer.Exit(exit_code(exc)) from None
        finally:
            _set_verbosity(0, False)

    params = [p for name, p in own.items() if name != "quiet"]
    hints = typing.get_type_hints(fn)
    params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in params]
    params += [
        inspect.Parameter("verbose", inspect.Parameter.KEYWORD_ONLY, annotation=int,
                          default=typer.Option(0, "--verbose", "-v", count=True, show_default=False,
                                               help="Say what is being done (-vv: in detail), on stderr.")),
        inspect.Parameter("quiet", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                          default=typer.Option(False, "--quiet", "-q", help="Print nothing but errors and the answer.")),
    ]
    run.__signature__ = inspect.Signature(params)
    run.__annotations__ = {p.name: p.annotation for p in params}
    return app.command(cls=_Command)(run)


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
    ...     _echo(len(where.open()))                                   # kg count --store out/kg.db
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


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("alliance-kg")
        except PackageNotFoundError:  # run from a source tree that is not installed
            from . import __version__ as number
        typer.echo(f"alliance-kg {number}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version of alliance-kg and exit."),
):
    """alliance-kg: a knowledge graph of military alliances and shared bases, built from documents."""


@command
@with_store(write=True)
def build(
    corpus: List[Path] = typer.Option([Path("corpus")], "--corpus", "-c", help="Corpus folder (repeatable)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="Output file: .ttl, .trig, .nq, .nt or .jsonld (default out/kg.ttl, "
                                            "or none with --store/--endpoint)."),
    ontology: Optional[Path] = typer.Option(None, "--ontology", help="Ontology file (default: ontology/alliances.ttl)."),
    quiet: bool = False,  # -q/--quiet, added to every command by @command
    reason: bool = typer.Option(True, "--reason/--no-reason", help="Add OWL-RL inferences (named graph .../graph/inferred)."),
    validate: bool = typer.Option(True, "--validate/--no-validate", help="Check the SHACL shapes; write nothing on a violation."),
    shapes: Optional[Path] = typer.Option(None, "--shapes", help="SHACL shapes file (default: ontology/shapes.ttl)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1,
                                       help="Extract in this many processes (default: the number of cores; "
                                            "the output is the same for any number)."),
    where: StoreOptions = None,
):
    """Build the knowledge graph from the Markdown documents of the corpus."""
    from .build import build_graph, default_jobs
    from .corpus import find_documents
    from .lexicon import ONTOLOGY_FILE
    from .publish import publish
    from .report import print_summary, progress_bar
    from .validate import ValidationFailed, format_report

    def make():  # called by publish once --out is checked and the store's lock is held
        n = sum(len(find_documents(c, warn=_warn)) for c in corpus)  # skipped files told once, here
        with progress_bar(n, enabled=not quiet and n > 20) as advance:
            return build_graph(corpus, ontology or ONTOLOGY_FILE, reason=reason, validate=validate, shapes=shapes,
                               progress=advance, jobs=jobs or default_jobs(n), warn=lambda _told: None)

    try:
        done = publish(make, out=out, where=where)
    except ValidationFailed as exc:
        _echo(format_report(exc.report, exc.report.violations), err=True)
        raise
    if quiet:
        return
    print_summary(done.result.summary, done.described)
    if done.graphs is not None:
        _echo(f"{done.target}: {done.graphs} named graphs replaced, {done.dropped} stale graphs dropped")
    report = done.result.report
    if report is not None and report.warnings:
        _echo(format_report(report, report.warnings), fg=typer.colors.YELLOW)


@command
@with_store(graph="Graph file: .ttl, .trig, .nt, .nq or .jsonld (default out/kg.ttl).")
def query(
    name: Optional[str] = typer.Argument(None, help="A query of the library (`kg queries` lists them) or a .rq file."),
    expression: Optional[str] = typer.Option(None, "--expression", "-e", help="SPARQL text to run instead of NAME."),
    param: List[str] = typer.Option([], "--param", "-p", help="Query parameter name=value (repeatable)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f",
                                      help="SELECT/ASK: table, csv, tsv, json, xml (default table). "
                                           "CONSTRUCT/DESCRIBE: turtle, ntriples, jsonld (default turtle)."),
    limit: Optional[int] = typer.Option(None, "--limit", help="At most this many solutions."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Stop the query after this many seconds."),
    allow_update: bool = typer.Option(False, "--allow-update",
                                      help="Run SPARQL Update (on the in-memory copy; the file is unchanged)."),
    allow_service: bool = typer.Option(False, "--allow-service", help="Allow SERVICE calls to remote endpoints."),
    labels: Optional[bool] = typer.Option(None, "--labels/--iris",
                                          help="Table: labels only, or labels over compact IRIs (default: labels "
                                               "only when the IRIs would not fit the terminal)."),
    strict: bool = typer.Option(False, "--strict", help="A parameter value that matches no entity is an error "
                                                        "(exit 1), not a warning."),
    where: StoreOptions = None,
):
    """Run a SPARQL query (library NAME, FILE.rq or -e TEXT) over the graph and print the answer."""
    from .query import check_timeout, get_query, make_query, parse_param_options, resolve_format

    if (name is None) == (expression is None):
        raise KGError("give one query: a NAME from `kg queries`, a FILE.rq, or -e 'SPARQL text'")
    check_timeout(timeout)
    where.check()
    q = make_query(expression, name="-e") if expression is not None else get_query(name)
    params = parse_param_options(param)
    out_fmt = resolve_format(q, fmt)
    prepared = q.prepare(params, limit=limit, allow_update=allow_update, allow_service=allow_service)
    store = where.open()
    _check_matches(store, prepared, strict, timeout)
    result = prepared.run(store, timeout=timeout)
    data = None if out_fmt == "table" or result.kind == "update" else result.serialize(out_fmt)
    try:
        if data is None:
            from .report import print_result

            print_result(result, title=q.summary, labels=labels)
        else:
            sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")
        sys.stdout.flush()
    except BrokenPipeError:  # `kg query ... | head`: the reader has what it wanted; end quietly, with
        import os             # status 1 as click and rich do for every other command

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(1) from None


def _check_matches(store, prepared, strict: bool, timeout: float | None) -> None:
    """Warn (or with ``--strict`` stop) when a parameter value matches no entity of the graph."""
    from .errors import NoMatch
    from .query.hints import parameter_hints

    if not prepared.bindings:
        return
    hints = parameter_hints(store, prepared, timeout=timeout)
    if hints and strict:
        raise NoMatch("; ".join(hints))
    for hint in hints:
        _warn(hint)


@command
def queries(
    tag: Optional[str] = typer.Option(None, "--tag", "-t", help="Only the queries with this tag."),
):
    """List the query library: name, what it answers, parameters (\\[optional])."""
    from .query import list_queries
    from .report import print_queries

    found = [q for q in list_queries() if tag is None or tag in q.tags]
    if not found:
        raise KGError(f"no query has the tag '{tag}'")
    print_queries(found)


_GRAPH_OR_FOLDER = "Graph file (or Oxigraph store folder); default out/kg.ttl."


@command
@with_store(graph=_GRAPH_OR_FOLDER)
def export(
    fmt: str = typer.Option("graphml", "--format", "-f", help="graphml, gexf or json (node-link JSON)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output file (default: out/kg.<format>)."),
    where: StoreOptions = None,
):
    """Export the entity graph (nodes: entities; edges: facts with evidence) for NetworkX, Gephi, Cytoscape."""
    from .build import check_output_path
    from .export import FORMATS, to_networkx, write_graph

    if fmt not in FORMATS:
        raise KGError(f"unknown --format '{fmt}' (use {', '.join(FORMATS)})")
    out = out or Path("out") / f"kg.{fmt}"
    check_output_path(out)
    where.check()
    G = to_networkx(where.open())
    path = write_graph(G, out, fmt)
    _info(f"Wrote {path}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges ({fmt})")


@command
@with_store(graph=_GRAPH_OR_FOLDER)
def view(
    query: Optional[str] = typer.Option(None, "--query", help="Show the subgraph a named query returns (CONSTRUCT or SELECT)."),
    param: List[str] = typer.Option([], "--param", "-p", help="Query parameter name=value (repeatable)."),
    out: Path = typer.Option(Path("out/network.html"), "--out", "-o", help="Output HTML file."),
    open_: bool = typer.Option(False, "--open", help="Open the page in the web browser."),
    strict: bool = typer.Option(False, "--strict", help="A parameter value that matches no entity is an error "
                                                        "(exit 1), not a warning."),
    where: StoreOptions = None,
):
    """Write the interactive network page: one self-contained offline HTML file."""
    from .build import check_output_path
    from .query import parse_param_options
    from .view import view_graph, write_html

    params = parse_param_options(param)
    check_output_path(out)
    where.check()
    store = where.open()
    if query:
        from .query import get_query

        _check_matches(store, get_query(query).prepare(params), strict, None)
    G = view_graph(store, query=query, params=params)
    if G.number_of_nodes() == 0:
        what = f"the query '{query}'" + (f" with {', '.join(f'{k}={v}' for k, v in params.items())}" if params else "") \
            if query else "the graph"
        _warn(f"{what} selects no entity: the page will be empty")
    path = write_html(G, out, title=G.graph.get("name") if query else "alliance-kg network")
    _info(f"Wrote {path}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    if open_:
        import webbrowser

        if not webbrowser.open(path.resolve().as_uri()):
            _warn(f"no web browser found to open the page; open {path} yourself")


@command
@with_store(graph="Graph file to check (.ttl, .trig, .nq, .nt, .jsonld); default out/kg.ttl.")
def validate(
    shapes: Optional[Path] = typer.Option(None, "--shapes", help="SHACL shapes file (default: ontology/shapes.ttl)."),
    where: StoreOptions = None,
):
    """Check a built graph against the SHACL shapes; exit 1 on a violation."""
    from .validate import SHAPES_FILE, format_report
    from .validate_store import validate_source

    where.check()
    report, name = validate_source(shapes or SHAPES_FILE, where.graph, **where.open_options())
    if report.findings:
        _echo(format_report(report))
    n, w = len(report.violations), len(report.warnings)
    verdict = "conforms" if report.conforms else "does not conform"
    _echo(f"{name} {verdict}: {n} violation{'s' if n != 1 else ''}, {w} warning{'s' if w != 1 else ''}",
          fg=typer.colors.GREEN if report.conforms else typer.colors.RED)
    if not report.conforms:
        raise typer.Exit(1)


@command
def serve(
    graph: Optional[Path] = typer.Option(None, "--graph", "-g", help="Graph file to serve (default out/kg.ttl)."),
    store_dir: Optional[Path] = typer.Option(None, "--store", help="Oxigraph store folder to serve (kg build --store)."),
    bind: str = typer.Option("127.0.0.1:7878", "--bind", help="HOST:PORT to listen on (loopback by default)."),
    timeout: int = typer.Option(30, "--timeout", help="Stop a query after this many seconds."),
    allow_service: bool = typer.Option(False, "--allow-service",
                                       help="Let queries use SERVICE (the server then fetches the URLs they name)."),
):
    """Serve the graph as a read-only SPARQL 1.1 endpoint (the Oxigraph server, behind a front that checks
    every request) until Ctrl-C."""
    from .query import MAX_TIMEOUT
    from .serve import serve as run_server

    if not 0 < timeout <= MAX_TIMEOUT:
        raise KGError(f"--timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT} (a day), not {timeout}")
    run_server(graph, store_dir, bind=bind, timeout=timeout, allow_service=allow_service, echo=_echo,
               warn=lambda m: _echo(m, err=True, fg=typer.colors.YELLOW))


@command
def explain(
    source: str = typer.Argument(..., help="A sentence (or a few) in quotes, or a Markdown/text file."),
):
    """Show how extraction reads a text: mentions, the parse, each pair's path, the rule behind each fact."""
    from .corpus import read_document
    from .explain import explain_document, explain_text

    path = Path(source)
    if len(source) < 4096 and "\n" not in source and path.suffix and path.exists():
        _check_text(source, "the file name")
        report = explain_document(read_document(path))
    elif path.suffix.lower() in (".md", ".markdown", ".txt") and "\n" not in source and " " not in source:
        raise KGError(f"{source}: file not found")
    else:
        _check_text(source, "the text")
        report = explain_text(source)
    _echo(report)


def _attach_closed_std_streams() -> None:
    """Put /dev/null on a standard stream the caller closed (``kg query ... >&-``): the output goes
    nowhere, quietly, instead of a traceback, and no file the command opens can take descriptor 1 or 2
    (and receive what is printed)."""
    import os

    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        null = os.open(os.devnull, os.O_RDONLY if mode == "r" else os.O_WRONLY)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
        setattr(sys, name, open(fd, mode, closefd=False))


def main() -> None:  # console-script entry point
    _attach_closed_std_streams()
    app()


if __name__ == "__main__":
    main()
