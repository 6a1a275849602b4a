"""The ``kg`` command line: each command parses its options and calls the library.

What the commands share (the :func:`~graph.cliopts.command` and :func:`~graph.cliopts.with_store`
decorators, -v/-q, the error-to-exit-code wrapper, safe printing) is declared once in
:mod:`graph.cliopts`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .cliopts import KGGroup, command_of, with_store
from .cliopts import check_text as _check_text, echo as _echo, info as _info, warn as _warn
from .errors import KGError
from .publish import StoreOptions

app = typer.Typer(
    cls=KGGroup,
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="alliance-kg: a knowledge graph of military alliances and shared bases, built from documents.",
)

command = command_of(app)


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
                                       help="Extract and validate in this many processes, and above one write the file "
                                            "beside validation (default: the number of cores; the output is the "
                                            "same for any number)."),
    no_cache: bool = typer.Option(False, "--no-cache",
                                  help="Read every document again (the cache beside the output is written anew)."),
    where: StoreOptions = None,
):
    """Build the knowledge graph from the Markdown documents of the corpus.

    Documents read before are taken from a cache beside the output (out/.kg.ttl.kg-cache), so adding
    or changing an article re-reads only that article; the graph is the same, byte for byte."""
    from contextlib import ExitStack

    from .build import build_graph
    from .buildlock import output_lock
    from .cache import default_cache_dir, format_changes
    from .lexicon import ONTOLOGY_FILE
    from .publish import DEFAULT_OUT, publish
    from .report import StageDisplay, print_summary
    from .stages import Stages
    from .validate import ValidationFailed, format_report

    kind, place = where.chosen()
    target = out if out is not None else (None if kind in ("store", "endpoint") else DEFAULT_OUT)
    cache_dir = default_cache_dir(out=target, store=place if kind == "store" else None)
    held = ExitStack()

    with held, StageDisplay(enabled=not quiet and sys.stderr.isatty()) as display:
        stages = Stages(display)

        def make():  # called by publish once --out is checked and the store's lock is held
            if target is not None:
                held.enter_context(output_lock(target))  # one build writes this file at a time
            return build_graph(corpus, ontology or ONTOLOGY_FILE, reason=reason, validate=validate, shapes=shapes,
                               jobs=jobs, warn=_warn, cache=cache_dir,
                               refresh=no_cache, commit=False, stages=stages, write_beside=target)

        try:
            done = publish(make, out=out, where=where)
        except ValidationFailed as exc:
            _echo(format_report(exc.report, exc.report.violations), err=True)
            raise
        for note in done.result.commit_cache():
            _warn(note)
        done.result.close()
    if quiet:
        return
    print_summary(done.result.summary, done.described)
    _echo(f"stages: {stages.summary()}")
    if done.result.changes is not None:
        for line in format_changes(done.result.changes):
            _echo(line)
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
    overview: Optional[bool] = typer.Option(None, "--overview/--no-overview",
                                            help="Open on clusters, or on every node (default: clusters above 300 "
                                                 "nodes)."),
    layout: Optional[bool] = typer.Option(None, "--layout/--no-layout",
                                          help="Place the nodes in Python with physics off, or let the browser "
                                               "place them (default: in Python for large graphs)."),
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
    path = write_html(G, out, title=G.graph.get("name") if query else "alliance-kg network", overview=overview,
                      layout=layout)
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
