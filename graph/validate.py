"""Validation: check a built graph against the SHACL shapes (ontology/shapes.ttl).

``kg build`` validates before it writes anything and refuses a graph with a
violation; ``kg validate`` checks a graph file. Findings of severity
``sh:Warning`` (a base whose country no document states, a base with no fact)
are reported but do not make the graph fail.

The shapes run over the union of all graphs (ontology included, so ``sh:class``
follows ``rdfs:subClassOf``) without RDFS/OWL inference: reasoning has already
written its own graph (graph/reason.py), and inference in pyshacl is ten times
slower. pyshacl runs the SHACL core constraints; the whole-graph SPARQL
constraints (shapes that target only named nodes) run on Oxigraph, with the same
semantics and findings (:func:`split_sparql_checks`).

This module runs the validation; the shapes and graph files are loaded by
:mod:`graph.validate_load`, the SPARQL constraints run by :mod:`graph.validate_sparql`,
and the findings read and written as text by :mod:`graph.validate_report` (all
importable from here). :mod:`graph.validate_store` validates the graph a store holds;
:mod:`graph.validate_scaled` validates a pyoxigraph store with memory bounded by the entities.

>>> from rdflib import Graph
>>> g = Graph().parse(data='''
... @prefix akg: <https://w3id.org/alliance-kg/ontology#> .
... <https://w3id.org/alliance-kg/id/x> akg:wikidata <https://example.org/Q1> .
... ''', format="turtle")
>>> report = validate_graph(g)                  # doctest: +SKIP
>>> [f.message for f in report.violations]      # doctest: +SKIP
['akg:wikidata is one IRI of a Wikidata item, http://www.wikidata.org/entity/Q<number>.']
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph

from .errors import KGError, OntologyError, QuerySyntaxError, ValidationFailed
from .namespaces import PREFIXES
# what this module does not use is imported to stay importable from here
from .validate_load import SHAPES_FILE, load_graph, load_shapes, union_graph
from .validate_report import (SEVERITY_ORDER, Finding, ValidationReport, evidence_for, findings_from, format_finding,  # noqa: F401
                              format_report, path_text)
from .validate_sparql import SparqlCheck, oxigraph_store, run_sparql_checks, split_sparql_checks  # noqa: F401


def validate_graph(data: Graph, shapes: Graph | str | Path = SHAPES_FILE) -> ValidationReport:
    """Run the shapes over ``data`` (which should include the ontology) and return the findings.

    The whole-graph SPARQL checks (:func:`split_sparql_checks`) run on a pyoxigraph copy of ``data``.
    """
    import pyshacl  # lazy: slow to import, only needed here

    shapes_name = ""
    if not isinstance(shapes, Graph):
        shapes_name = str(shapes)
        shapes = load_shapes(shapes)
    for prefix, ns in PREFIXES.items():
        shapes.bind(prefix, ns, override=True, replace=True)
    shapes.bind("akgsh", "https://w3id.org/alliance-kg/shapes#", override=True, replace=True)
    core, checks = split_sparql_checks(shapes)
    try:
        _conforms, results, _text = pyshacl.validate(
            data, shacl_graph=core, inference="none", allow_warnings=True, allow_infos=True, abort_on_first=False
        )
    except Exception as exc:  # a malformed shape (pyshacl raises ShapeLoadError, ConstraintLoadError, ...)
        raise OntologyError(f"invalid shapes: {str(exc).strip().splitlines()[0][:200]}", path=shapes_name or None) from None
    findings = findings_from(results, data, shapes)
    if checks:
        try:
            findings += run_sparql_checks(checks, oxigraph_store(data), data, shapes)
        except (SyntaxError, QuerySyntaxError) as exc:
            raise OntologyError(f"invalid shapes: SPARQL constraint: {str(exc).strip().splitlines()[0][:200]}",
                                path=shapes_name or None) from None
    return ValidationReport(tuple(sorted(set(findings), key=Finding.sort_key)), shapes=shapes_name)


def validate_dataset(ds: Dataset, shapes: Graph | str | Path = SHAPES_FILE) -> ValidationReport:
    """Validate the union of a built dataset's graphs (ontology, documents, inferences)."""
    return validate_graph(union_graph(ds), shapes)


def validate_file(path: str | Path, shapes: Graph | str | Path = SHAPES_FILE) -> ValidationReport:
    """Validate a graph file written by ``kg build``."""
    shapes_name = None
    if not isinstance(shapes, Graph):  # a broken shapes file is reported before a long parse of the graph
        shapes_name, shapes = str(shapes), load_shapes(shapes)
    data = load_graph(path)
    try:
        findings = validate_graph(data, shapes).findings
    except KGError as exc:
        if exc.path is None and not isinstance(exc, OntologyError):  # about the graph: name its file
            raise type(exc)(exc.message, path=path) from None
        raise
    if shapes_name is None:
        return ValidationReport(findings)
    return ValidationReport(findings, shapes=shapes_name)


def require_conformance(report: ValidationReport) -> ValidationReport:
    """Return the report, or raise :class:`ValidationFailed` if it has a violation."""
    if not report.conforms:
        raise ValidationFailed(report)
    return report


__all__ = [
    "SHAPES_FILE", "Finding", "ValidationReport", "ValidationFailed", "load_shapes", "load_graph", "union_graph",
    "validate_graph", "validate_dataset", "split_sparql_checks", "run_sparql_checks", "oxigraph_store", "validate_file", "require_conformance", "format_finding", "format_report",
]
