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
        write_dataset(result.dataset, out)
    except KGError as exc:
        _fail(exc)
    if not quiet:
        print_summary(result.summary, out)


@app.command()
def query(
    name: str = typer.Argument(..., help="Query name from queries/ or a path to a .rq file."),
    graph: Path = typer.Option(Path("out/kg.ttl"), "--graph", "-g", help="Graph file to query."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or csv."),
):
    """Run a named SPARQL query over the graph and print the answer."""
    from .query import get_query, load_store, select_rows
    from .report import print_rows, write_csv

    try:
        q = get_query(name)
        store = load_store(graph)
        cols, rows = select_rows(store, q.text)
    except KGError as exc:
        _fail(exc)
    if fmt == "csv":
        write_csv(cols, rows, sys.stdout)
    elif fmt == "table":
        print_rows(cols, rows, title=q.summary)
    else:
        _fail(KGError(f"unknown --format '{fmt}' (use table or csv)"))


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
    from .view import parse_params, view_graph, write_html

    try:
        G = view_graph(graph, query=query, params=parse_params(param))
        path = write_html(G, out, title=G.graph.get("name") if query else "alliance-kg network")
    except KGError as exc:
        _fail(exc)
    typer.echo(f"Wrote {path}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    if open_:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())


def main() -> None:  # console-script entry point
    app()


if __name__ == "__main__":
    main()
