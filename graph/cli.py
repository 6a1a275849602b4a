"""The ``kg`` command line: thin wrappers that parse arguments and call the library."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .errors import KGError, not_text, terminal_safe

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="alliance-kg: a knowledge graph of military alliances and shared bases, built from documents.",
)


def _fail(exc: Exception, code: int = 2) -> None:
    typer.secho(f"error: {terminal_safe(exc)}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _echo(text, err: bool = False, **style) -> None:
    """Print text that may hold what documents, file names or the graph say: control characters and
    escape sequences are shown, not sent to the terminal."""
    typer.secho(terminal_safe(text), err=err, **style)


def _warn(message: str) -> None:
    _echo(f"warning: {message}", err=True, fg=typer.colors.YELLOW)


def _check_url(url: str, what: str) -> None:
    """Refuse, with a one-line error, an endpoint URL that urllib would choke on later."""
    import re
    import urllib.parse

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


def _check_endpoint_options(graph=None, store_dir=None, endpoint=None, update_endpoint=None, graph_store=None,
                            auth=None, token=None) -> None:
    """Check the endpoint settings the command will use (options, or the KG_* variables when no option
    names the graph) before any work, so that a malformed one is a one-line error, not a traceback."""
    import os

    from .stores import chosen

    kind, _where = chosen(graph, store_dir, endpoint)
    if kind != "endpoint":
        return
    env = os.environ
    settings = [
        (endpoint, "--endpoint") if endpoint else (env.get("KG_ENDPOINT"), "KG_ENDPOINT"),
        (update_endpoint, "--update-endpoint") if update_endpoint else (env.get("KG_UPDATE_ENDPOINT"), "KG_UPDATE_ENDPOINT"),
        (graph_store, "--graph-store") if graph_store else (env.get("KG_GRAPH_STORE"), "KG_GRAPH_STORE"),
    ]
    for url, what in settings:
        if url:
            _check_url(url, what)
    import re

    for value, what, is_token in ((auth, "--auth", False) if auth else (env.get("KG_AUTH"), "KG_AUTH", False),
                                  (token, "--token", True) if token else (env.get("KG_TOKEN"), "KG_TOKEN", True)):
        if not value:
            continue
        reason = not_text(value)
        if reason:
            raise KGError(f"{what} cannot be used: {reason}")
        if is_token and not re.fullmatch(r"[\x21-\x7e]+", value):
            raise KGError(f"{what} cannot be sent in an HTTP header: a token is ASCII without spaces")
        if not is_token and not value.isprintable():
            raise KGError(f"{what} cannot be used: it holds control characters")


def _check_text(value: str, what: str) -> None:
    reason = not_text(value)
    if reason:
        raise KGError(f"{what} cannot be used: {reason}")


# where the graph lives (graph/stores/): --graph FILE (default), --store DIR or --endpoint URL;
# with none given, the environment variables KG_STORE / KG_ENDPOINT (KG_AUTH, KG_TOKEN) decide
_STORE = typer.Option(None, "--store", help="A persistent Oxigraph store folder instead of a file (env KG_STORE).")
_ENDPOINT = typer.Option(None, "--endpoint", help="A SPARQL 1.1 query endpoint URL (env KG_ENDPOINT).")
_AUTH = typer.Option(None, "--auth", help="USER:PASSWORD for the endpoint (HTTP Basic, or Digest when asked; env KG_AUTH).")
_TOKEN = typer.Option(None, "--token", help="Bearer token for the endpoint (env KG_TOKEN).")


@app.command()
def build(
    corpus: List[Path] = typer.Option([Path("corpus")], "--corpus", "-c", help="Corpus folder (repeatable)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="Output file: .ttl, .trig, .nq, .nt or .jsonld (default out/kg.ttl, "
                                            "or none with --store/--endpoint)."),
    ontology: Optional[Path] = typer.Option(None, "--ontology", help="Ontology file (default: ontology/alliances.ttl)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    reason: bool = typer.Option(True, "--reason/--no-reason", help="Add OWL-RL inferences (named graph .../graph/inferred)."),
    validate: bool = typer.Option(True, "--validate/--no-validate", help="Check the SHACL shapes; write nothing on a violation."),
    shapes: Optional[Path] = typer.Option(None, "--shapes", help="SHACL shapes file (default: ontology/shapes.ttl)."),
    store_dir: Optional[Path] = _STORE,
    endpoint: Optional[str] = _ENDPOINT,
    update_endpoint: Optional[str] = typer.Option(None, "--update-endpoint",
                                                  help="SPARQL Update URL (default: derived from --endpoint; env KG_UPDATE_ENDPOINT)."),
    graph_store: Optional[str] = typer.Option(None, "--graph-store",
                                              help="Graph Store Protocol URL (default: derived from --endpoint; env KG_GRAPH_STORE)."),
    auth: Optional[str] = _AUTH,
    token: Optional[str] = _TOKEN,
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1,
                                       help="Extract in this many processes (default: the number of cores; "
                                            "the output is the same for any number)."),
):
    """Build the knowledge graph from the Markdown documents of the corpus."""
    from contextlib import ExitStack

    import warnings

    from .build import build_graph, check_output_path, default_jobs, format_for, write_dataset
    from .corpus import CorpusWarning, find_documents
    from .lexicon import ONTOLOGY_FILE
    from .report import print_summary, progress_bar
    from .stores import chosen, lock_store, open_store, write_store_folder, write_to_store

    try:
        with ExitStack() as held:
            kind, where = chosen(None, store_dir, endpoint)  # --store/--endpoint (or KG_STORE/KG_ENDPOINT): write there
            out = out or (None if kind in ("store", "endpoint") else Path("out/kg.ttl"))
            if out is not None:  # a file that cannot be written is refused now, not after the whole build
                format_for(out)
                check_output_path(out)
            if kind == "endpoint":
                _check_endpoint_options(None, store_dir, endpoint, update_endpoint, graph_store, auth, token)
            if kind == "store":  # the store's lock first: one writer, and a folder that is not a store refused
                lock = lock_store(where)
                held.callback(lock.release)
            n = sum(len(find_documents(c, warn=_warn)) for c in corpus)  # skipped files told once, here
            from .validate import ValidationFailed, format_report

            try:
                with progress_bar(n, enabled=not quiet and n > 20) as advance, warnings.catch_warnings():
                    warnings.simplefilter("ignore", CorpusWarning)
                    result = build_graph(corpus, ontology or ONTOLOGY_FILE, reason=reason, validate=validate,
                                         shapes=shapes, progress=advance, jobs=jobs or default_jobs(n))
            except ValidationFailed as exc:
                _echo(format_report(exc.report, exc.report.violations), err=True)
                _fail(KGError(f"{exc}; nothing written to {out or kind}"), 1)
            report = result.report
            written = None
            if kind == "store":  # a new store folder swapped in whole: readers see the old graph or the new
                written = write_store_folder(result.dataset, where, lock=lock)
                described = f"store {where}"
            elif kind == "endpoint":  # each named graph replaced, stale document graphs dropped, then checked
                target = open_store(store=store_dir, endpoint=endpoint, update_endpoint=update_endpoint,
                                    graph_store=graph_store, auth=auth, token=token, writable=True)
                described = target.description
                try:
                    written = write_to_store(result.dataset, target)
                finally:
                    target.close()
            if out is not None:
                write_dataset(result.dataset, out)
    except KGError as exc:
        _fail(exc)
    if not quiet:
        print_summary(result.summary, out if out is not None else described)
        if written is not None:
            _echo(f"{described}: {written['graphs']} named graphs replaced, "
                  f"{written['dropped']} stale graphs dropped")
        if report is not None and report.warnings:
            _echo(format_report(report, report.warnings), fg=typer.colors.YELLOW)


@app.command()
def query(
    name: Optional[str] = typer.Argument(None, help="A query of the library (`kg queries` lists them) or a .rq file."),
    expression: Optional[str] = typer.Option(None, "--expression", "-e", help="SPARQL text to run instead of NAME."),
    graph: Optional[Path] = typer.Option(None, "--graph", "-g",
                                         help="Graph file: .ttl, .trig, .nt, .nq or .jsonld (default out/kg.ttl)."),
    param: List[str] = typer.Option([], "--param", "-p", help="Query parameter name=value (repeatable)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f",
                                      help="SELECT/ASK: table, csv, tsv, json, xml (default table). "
                                           "CONSTRUCT/DESCRIBE: turtle, ntriples, jsonld (default turtle)."),
    limit: Optional[int] = typer.Option(None, "--limit", help="At most this many solutions."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Stop the query after this many seconds."),
    allow_update: bool = typer.Option(False, "--allow-update",
                                      help="Run SPARQL Update (on the in-memory copy; the file is unchanged)."),
    allow_service: bool = typer.Option(False, "--allow-service", help="Allow SERVICE calls to remote endpoints."),
    store_dir: Optional[Path] = _STORE,
    endpoint: Optional[str] = _ENDPOINT,
    auth: Optional[str] = _AUTH,
    token: Optional[str] = _TOKEN,
):
    """Run a SPARQL query (library NAME, FILE.rq or -e TEXT) over the graph and print the answer."""
    from .errors import exit_code
    from .query import check_timeout, get_query, make_query, parse_param_options, resolve_format
    from .stores import open_store

    try:
        if (name is None) == (expression is None):
            raise KGError("give one query: a NAME from `kg queries`, a FILE.rq, or -e 'SPARQL text'")
        check_timeout(timeout)
        _check_endpoint_options(graph, store_dir, endpoint, auth=auth, token=token)
        q = make_query(expression, name="-e") if expression is not None else get_query(name)
        params = parse_param_options(param)
        out_fmt = resolve_format(q, fmt)
        prepared = q.prepare(params, limit=limit, allow_update=allow_update, allow_service=allow_service)
        store = open_store(graph, store=store_dir, endpoint=endpoint, auth=auth, token=token)
        result = prepared.run(store, timeout=timeout)
        data = None if out_fmt == "table" or result.kind == "update" else result.serialize(out_fmt)
    except KGError as exc:
        _fail(exc, exit_code(exc))
    try:
        if data is None:
            from .report import print_result

            print_result(result, title=q.summary)
        else:
            sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")
        sys.stdout.flush()
    except BrokenPipeError:  # `kg query ... | head`: the reader has what it wanted; end quietly, with
        import os             # status 1 as click and rich do for every other command

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(1) from None


@app.command()
def queries(
    tag: Optional[str] = typer.Option(None, "--tag", "-t", help="Only the queries with this tag."),
):
    """List the query library: name, what it answers, parameters ([optional])."""
    from .query import list_queries
    from .report import print_queries

    try:
        found = [q for q in list_queries() if tag is None or tag in q.tags]
        if not found:
            raise KGError(f"no query has the tag '{tag}'")
    except KGError as exc:
        _fail(exc)
    print_queries(found)


@app.command()
def export(
    graph: Optional[Path] = typer.Option(None, "--graph", "-g", help="Graph file (or Oxigraph store folder); default out/kg.ttl."),
    fmt: str = typer.Option("graphml", "--format", "-f", help="graphml, gexf or json (node-link JSON)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output file (default: out/kg.<format>)."),
    store_dir: Optional[Path] = _STORE,
    endpoint: Optional[str] = _ENDPOINT,
    auth: Optional[str] = _AUTH,
    token: Optional[str] = _TOKEN,
):
    """Export the entity graph (nodes: entities; edges: facts with evidence) for NetworkX, Gephi, Cytoscape."""
    from .export import FORMATS, to_networkx, write_graph
    from .stores import open_store

    from .build import check_output_path

    try:
        if fmt not in FORMATS:
            raise KGError(f"unknown --format '{fmt}' (use {', '.join(FORMATS)})")
        out = out or Path("out") / f"kg.{fmt}"
        check_output_path(out)
        _check_endpoint_options(graph, store_dir, endpoint, auth=auth, token=token)
        G = to_networkx(open_store(graph, store=store_dir, endpoint=endpoint, auth=auth, token=token))
        path = write_graph(G, out, fmt)
    except KGError as exc:
        _fail(exc)
    _echo(f"Wrote {path}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges ({fmt})")


@app.command()
def view(
    graph: Optional[Path] = typer.Option(None, "--graph", "-g", help="Graph file (or Oxigraph store folder); default out/kg.ttl."),
    query: Optional[str] = typer.Option(None, "--query", help="Show the subgraph a named query returns (CONSTRUCT or SELECT)."),
    param: List[str] = typer.Option([], "--param", "-p", help="Query parameter name=value (repeatable)."),
    out: Path = typer.Option(Path("out/network.html"), "--out", "-o", help="Output HTML file."),
    open_: bool = typer.Option(False, "--open", help="Open the page in the web browser."),
    store_dir: Optional[Path] = _STORE,
    endpoint: Optional[str] = _ENDPOINT,
    auth: Optional[str] = _AUTH,
    token: Optional[str] = _TOKEN,
):
    """Write the interactive network page: one self-contained offline HTML file."""
    from .query import parse_param_options
    from .stores import open_store
    from .view import view_graph, write_html

    from .build import check_output_path

    try:
        params = parse_param_options(param)
        check_output_path(out)
        _check_endpoint_options(graph, store_dir, endpoint, auth=auth, token=token)
        source = open_store(graph, store=store_dir, endpoint=endpoint, auth=auth, token=token)
        G = view_graph(source, query=query, params=params)
        path = write_html(G, out, title=G.graph.get("name") if query else "alliance-kg network")
    except KGError as exc:
        _fail(exc)
    _echo(f"Wrote {path}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    if open_:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())


@app.command()
def validate(
    graph: Optional[Path] = typer.Option(None, "--graph", "-g",
                                         help="Graph file to check (.ttl, .trig, .nq, .nt, .jsonld); default out/kg.ttl."),
    shapes: Optional[Path] = typer.Option(None, "--shapes", help="SHACL shapes file (default: ontology/shapes.ttl)."),
    store_dir: Optional[Path] = _STORE,
    endpoint: Optional[str] = _ENDPOINT,
    auth: Optional[str] = _AUTH,
    token: Optional[str] = _TOKEN,
):
    """Check a built graph against the SHACL shapes; exit 1 on a violation."""
    from .validate_store import validate_source
    from .validate import SHAPES_FILE, format_report

    try:
        _check_endpoint_options(graph, store_dir, endpoint, auth=auth, token=token)
        report, graph = validate_source(shapes or SHAPES_FILE, graph, store=store_dir, endpoint=endpoint,
                                        auth=auth, token=token)
    except KGError as exc:
        _fail(exc)
    if report.findings:
        _echo(format_report(report))
    n, w = len(report.violations), len(report.warnings)
    verdict = "conforms" if report.conforms else "does not conform"
    _echo(
        f"{graph} {verdict}: {n} violation{'s' if n != 1 else ''}, {w} warning{'s' if w != 1 else ''}",
        fg=typer.colors.GREEN if report.conforms else typer.colors.RED,
    )
    if not report.conforms:
        raise typer.Exit(1)


@app.command()
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

    try:
        if not 0 < timeout <= MAX_TIMEOUT:
            raise KGError(f"--timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT} (a day), "
                          f"not {timeout}")
        run_server(graph, store_dir, bind=bind, timeout=timeout, allow_service=allow_service, echo=_echo,
                   warn=lambda m: _echo(m, err=True, fg=typer.colors.YELLOW))
    except KGError as exc:
        _fail(exc)


@app.command()
def explain(
    source: str = typer.Argument(..., help="A sentence (or a few) in quotes, or a Markdown/text file."),
):
    """Show how extraction reads a text: mentions, the parse, each pair's path, the rule behind each fact."""
    from .corpus import read_document
    from .explain import explain_document, explain_text

    try:
        path = Path(source)
        if len(source) < 4096 and "\n" not in source and path.suffix and path.exists():
            _check_text(source, "the file name")
            report = explain_document(read_document(path))
        elif path.suffix.lower() in (".md", ".markdown", ".txt") and "\n" not in source and " " not in source:
            raise KGError(f"{source}: file not found")
        else:
            _check_text(source, "the text")
            report = explain_text(source)
    except KGError as exc:
        _fail(exc)
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
