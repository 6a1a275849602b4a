"""SHACL validation of the graph a store holds (a store folder, an endpoint), beside :mod:`graph.validate`.

>>> report, name = validate_source("ontology/shapes.ttl", store="out/kg.db")   # doctest: +SKIP
>>> name                                                                     # doctest: +SKIP
'store out/kg.db'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def validate_store(source, shapes) -> Any:
    """SHACL-validate the union graph of a store (see :func:`graph.validate.validate_file`). An Oxigraph
    store (a store folder) is validated where it is, by :func:`graph.validate_scaled.validate_store_scaled`:
    pyshacl reads only its entities, so a store of a 100,000-document build is not copied into rdflib;
    an endpoint's graph is read whole.

    >>> validate_store(open_store(store="out/kg.db"), "ontology/shapes.ttl").conforms   # doctest: +SKIP
    True
    """
    inner = source.pyoxigraph()
    if inner is not None:
        from .validate_scaled import validate_store_scaled

        return validate_store_scaled(inner, shapes)
    from .rdfio import rdflib_graph
    from .validate import ValidationReport, load_shapes, validate_graph

    shapes_name, shapes_graph = str(shapes), load_shapes(shapes)
    report = validate_graph(rdflib_graph(source), shapes_graph)
    return ValidationReport(report.findings, shapes=shapes_name)


def validate_source(shapes, graph: str | Path | None = None, **options) -> tuple[Any, str]:
    """SHACL-validate the graph the options name (see :func:`graph.stores.open_store`): (report, its
    description). A graph file is parsed by rdflib directly (:func:`graph.validate.validate_file`); a
    store folder or an endpoint gives its union graph.

    >>> report, name = validate_source("ontology/shapes.ttl", "out/kg.ttl")   # doctest: +SKIP
    """
    from .stores import chosen, open_store

    kind, where = chosen(graph, options.get("store"), options.get("endpoint"), options.get("env"))
    if kind in ("graph", "default") and not Path(where).is_dir():
        from .validate import validate_file

        return validate_file(where, shapes), where
    source = open_store(graph, **options)
    try:
        return validate_store(source, shapes), source.description
    finally:
        source.close()
