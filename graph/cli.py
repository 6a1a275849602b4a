"""The ``kg`` command line: thin wrappers that parse arguments and call the library."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .errors import KGError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="alliance-kg: a knowledge graph of military alliances and shared bases, built from documents.",
)


def _fail(exc: Exception, code: int = 2) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@app.command()
def build(
    corpus: List[Path] = typer.Option([Path("corpus")], "--corpus", "-c", help="Corpus folder (repeatable)."),
    out: Path = typer.Option(Path("out/kg.ttl"), "--out", "-o", help="Output file: .ttl, .trig, .nq, .nt or .jsonld."),
    ontology: Optional[Path] = typer.Option(None, "--ontology", help="Ontology file (default: ontology/alliances.ttl)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    reason: bool = typer.Option(True, "--reason/--no-reason", help="Add OWL-RL inferences (named graph .../graph/inferred)."),
    validate: bool = typer.Option(True, "--validate/--no-validate", help="Check the SHACL shapes; write nothing on a violation."),
    shapes: Optional[Path] = typer.Option(None, "--shapes", help="SHACL shapes file (default: ontology/shapes.ttl)."),
):
    """Build the knowledge graph from the Markdown documents of the corpus."""
    from .build import build_dataset, format_for, write_dataset
    from .corpus import find_documents, read_corpus
    from .lexicon import ONTOLOGY_FILE
    from .report import print_summary, progress_bar

    try:
        format_for(out)
        n = sum(len(find_documents(c)) for c in corpus)
        with progress_bar(n, enabled=not quiet and n > 20) as advance:
            docs = read_corpus(corpus)
            result = build_dataset(docs, ontology=ontology or ONTOLOGY_FILE, progress=advance)
        if reason:  # reasoning and validation: graph/reason.py, graph/validate.py
            from .reason import add_inferences

            result.summary.inferred = add_inferences(result.dataset)
        report = None
        if validate:
            from .validate import SHAPES_FILE, ValidationFailed, format_report, require_conformance, validate_dataset

            try:
                report = require_conformance(validate_dataset(result.dataset, shapes or SHAPES_FILE))
            except ValidationFailed as exc:
                typer.echo(format_report(exc.report, exc.report.violations), err=True)
                _fail(KGError(f"{exc}; nothing written to {out}"), 1)
        write_dataset(result.dataset, out)
    except KGError as exc:
        _fail(exc)
    if not quiet:
        print_summary(result.summary, out)
        if report is not None and report.warnings:
            typer.secho(format_report(report, report.warnings), fg=typer.colors.YELLOW)


@app.command()
def query(
    name: Optional[str] = typer.Argument(None, help="A query of the library (`kg queries` lists them) or a .rq file."),
    expression: Optional[str] = typer.Option(None, "--expression", "-e", help="SPARQL text to run instead of NAME."),
    graph: Path = typer.Option(Path("out/kg.ttl"), "--graph", "-g",
                               help="Graph file: .ttl, .trig, .nt, .nq or .jsonld."),
    param: List[str] = typer.Option([], "--param", "-p", help="Query parameter name=value (repeatable)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f",
                                      help="SELECT/ASK: table, csv, tsv, json, xml (default table). "
                                           "CONSTRUCT/DESCRIBE: turtle, ntriples, jsonld (default turtle)."),
    limit: Optional[int] = typer.Option(None, "--limit", help="At most this many solutions."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Stop the query after this many seconds."),
    allow_update: bool = typer.Option(False, "--allow-update",
                                      help="Run SPARQL Update (on the in-memory copy; the file is unchanged)."),
    allow_service: bool = typer.Option(False, "--allow-service", help="Allow SERVICE calls to remote endpoints."),
):
    """Run a SPARQL query (library NAME, FILE.rq or -e TEXT) over the graph and print the answer."""
    from .query import get_query, load_store, make_query, parse_param_options, prepare, resolve_format, run_query

    try:
        if (name is None) == (expression is None):
            raise KGError("give one query: a NAME from `kg queries`, a FILE.rq, or -e 'SPARQL text'")
        q = make_query(expression, name="-e") if expression is not None else get_query(name)
        params = parse_param_options(param)
        out_fmt = resolve_format(q, fmt)
        prepare(q, params, limit=limit, allow_update=allow_update, allow_service=allow_service)
        store = load_store(graph)
        result = run_query(store, q, params, timeout=timeout, limit=limit,
                           allow_update=allow_update, allow_service=allow_service)
        data = None if out_fmt == "table" or result.kind == "update" else result.serialize(out_fmt)
    except KGError as exc:
        _fail(exc, getattr(exc, "exit_code", 2))
    try:
        if data is None:
            from .report import print_result

            print_result(result, title=q.summary)
        else:
            sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")
        sys.stdout.flush()
    except BrokenPipeError:  # `kg query ... | head`: the reader has what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


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
    graph: Path = typer.Option(Path("out/kg.ttl"), "--graph", "-g", help="Graph file (or Oxigraph store folder)."),
    fmt: str = typer.Option("graphml", "--format", "-f", help="graphml, gexf or json (node-link JSON)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output file (default: out/kg.<format>)."),
):
    """Export the entity graph (nodes: entities; edges: facts with evidence) for NetworkX, Gephi, Cytoscape."""
    from .export import FORMATS, to_networkx, write_graph

    try:
        if fmt not in FORMATS:
            raise KGError(f"unknown --format '{fmt}' (use {', '.join(FORMATS)})")
        G = to_networkx(graph)
        path = write_graph(G, out or Path("out") / f"kg.{fmt}", fmt)
    except KGError as exc:
        _fail(exc)
    typer.echo(f"Wrote {path}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges ({fmt})")


@app.command()
def view(
    graph: Path = typer.Option(Path("out/kg.ttl"), "--graph", "-g", help="Graph file (or Oxigraph store folder)."),
    query: Optional[str] = typer.Option(None, "--query", help="Show the subgraph a named query returns (CONSTRUCT or SELECT)."),
    param: List[str] = typer.Option([], "--param", "-p", help="Query parameter name=value (repeatable)."),
    out: Path = typer.Option(Path("out/network.html"), "--out", "-o", help="Output HTML file."),
    open_: bool = typer.Option(False, "--open", help="Open the page in the web browser."),
):
    """Write the interactive network page: one self-contained offline HTML file."""
    from .query import parse_param_options
    from .view import view_graph, write_html

    try:
        G = view_graph(graph, query=query, params=parse_param_options(param))
        path = write_html(G, out, title=G.graph.get("name") if query else "alliance-kg network")
    except KGError as exc:
        _fail(exc)
    typer.echo(f"Wrote {path}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    if open_:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())


@app.command()
def validate(
    graph: Path = typer.Option(Path("out/kg.ttl"), "--graph", "-g", help="Graph file to check (.ttl, .trig, .nq, .nt, .jsonld)."),
    shapes: Optional[Path] = typer.Option(None, "--shapes", help="SHACL shapes file (default: ontology/shapes.ttl)."),
):
    """Check a built graph against the SHACL shapes; exit 1 on a violation."""
    from .validate import SHAPES_FILE, format_report, validate_file

    try:
        report = validate_file(graph, shapes or SHAPES_FILE)
    except KGError as exc:
        _fail(exc)
    if report.findings:
        typer.echo(format_report(report))
    n, w = len(report.violations), len(report.warnings)
    verdict = "conforms" if report.conforms else "does not conform"
    typer.secho(
        f"{graph} {verdict}: {n} violation{'s' if n != 1 else ''}, {w} warning{'s' if w != 1 else ''}",
        fg=typer.colors.GREEN if report.conforms else typer.colors.RED,
    )
    if not report.conforms:
        raise typer.Exit(1)


def main() -> None:  # console-script entry point
    app()


if __name__ == "__main__":
    main()
