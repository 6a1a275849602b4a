"""SHACL-SPARQL on Oxigraph: the whole-graph SPARQL constraints (of node shapes that target only
named nodes) taken out of the shapes and run on a pyoxigraph copy of the graph, with the semantics
and findings pyshacl would give, in milliseconds rather than half a minute on 1,000 documents.

>>> from graph.validate_load import load_shapes
>>> core, checks = split_sparql_checks(load_shapes())
>>> sorted({str(c.shape).rsplit("#", 1)[-1] for c in checks}), len(checks)
(['GraphIntegrityShape'], 4)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from .errors import KGError, not_text
from .validate_report import Finding, _short, describe_in, path_text


@dataclass(frozen=True)
class SparqlCheck:
    """A SPARQL-based constraint (``sh:sparql``) of a node shape whose targets are named nodes."""

    shape: URIRef  #: the node shape
    node: object  #: the constraint node (for the report)
    select: str  #: the SELECT text, prefixes included
    messages: tuple[str, ...]
    severity: str  #: Violation, Warning or Info
    focus_nodes: tuple


def _prefix_lines(shapes: Graph, constraint) -> str:
    lines = []
    for prefixes in shapes.objects(constraint, SH.prefixes):
        for decl in shapes.objects(prefixes, SH.declare):
            prefix, ns = shapes.value(decl, SH.prefix), shapes.value(decl, SH.namespace)
            if prefix is not None and ns is not None:
                lines.append(f"PREFIX {prefix}: <{ns}>")
    return "\n".join(sorted(set(lines)))


def split_sparql_checks(shapes: Graph) -> tuple[Graph, list[SparqlCheck]]:
    """Take out of the shapes the SPARQL constraints this module runs on Oxigraph.

    Those are the ``sh:sparql`` constraints of node shapes whose only targets are ``sh:targetNode``
    IRIs (the whole-graph checks of ``akgsh:GraphIntegrityShape``). pyshacl runs them with rdflib's
    SPARQL engine: 31 s of 72 s on 1,000 documents, against tens of milliseconds on Oxigraph. Every
    other shape and constraint stays with pyshacl. Returns the shapes pyshacl should run and the checks.
    """
    checks, taken = [], []
    target_preds = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql)):
        targets = tuple(sorted(shapes.objects(shape, SH.targetNode)))
        if (not isinstance(shape, URIRef) or shapes.value(shape, SH.path) is not None or not targets
                or not all(isinstance(t, URIRef) for t in targets)
                or any(shapes.value(shape, p) is not None for p in target_preds)
                or (shape, RDF.type, RDFS.Class) in shapes or shapes.value(shape, SH.deactivated) is not None):
            continue
        if shapes.value(constraint, SH.deactivated) is not None and shapes.value(constraint, SH.deactivated).toPython():
            taken.append((shape, constraint))
            continue
        select = shapes.value(constraint, SH.select)
        if select is None:
            continue
        severity = shapes.value(shape, SH.severity)
        checks.append(SparqlCheck(
            shape=shape, node=constraint,
            select=_prefix_lines(shapes, constraint) + "\n" + str(select),
            messages=tuple(sorted(str(m) for m in shapes.objects(constraint, SH.message))),
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            focus_nodes=targets,
        ))
        taken.append((shape, constraint))
    if not taken:
        return shapes, []
    rest = Graph()
    for prefix, ns in shapes.namespaces():
        rest.bind(prefix, ns, override=True, replace=True)
    dropped = {c for _s, c in taken}
    for t in shapes:
        if t[1] == SH.sparql and t[2] in dropped:
            continue
        rest.add(t)
    return rest, checks


def oxigraph_store(data: Graph):
    """The triples of an rdflib graph in an in-memory pyoxigraph Store (terms converted once each)."""
    import pyoxigraph as ox

    cache: dict = {}

    def term(t):
        o = cache.get(t)
        if o is None:
            if not_text(str(t)):  # "\uD800" in a Turtle file: rdflib reads it, no RDF store takes it
                shown = str(t) if len(str(t)) <= 80 else str(t)[:77] + "..."
                raise KGError(f"the graph holds text that is not valid Unicode (a lone surrogate): {shown!r}")
            if isinstance(t, URIRef):
                o = ox.NamedNode(str(t))
            elif isinstance(t, BNode):
                o = ox.BlankNode(str(t))
            elif t.language:
                o = ox.Literal(str(t), language=t.language)
            else:
                o = ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)) if t.datatype else None)
            cache[t] = o
        return o

    store = ox.Store()
    store.bulk_extend(ox.Quad(term(s), term(p), term(o)) for s, p, o in data)
    return store


def _rdflib_term(t):
    import pyoxigraph as ox

    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if t.language:
        return Literal(t.value, lang=t.language)
    return Literal(t.value, datatype=URIRef(t.datatype.value))


def run_sparql_checks(checks: list[SparqlCheck], store, data: Graph, shapes: Graph, describe=None) -> list[Finding]:
    """Run SHACL-SPARQL constraints on Oxigraph with the semantics of SHACL 5.3: ``$this`` is bound
    to each focus node (by a VALUES block, see :func:`graph.query.bind_params`), every solution is a
    result with ``?value`` (and ``?path``) as its value, and ``{?var}`` in the message is replaced by
    the solution's value for ``var``. Queries see the union of the store's graphs. ``describe`` gives
    the (label, evidence) of (focus, path, value) items (default: read in ``data``)."""
    from .query import NamedQuery, Param

    this = Param("this", "this", kind="iri")
    rows = []
    for check in checks:
        query = NamedQuery(f"SHACL-SPARQL constraint of {check.shape}", None, check.select, params=[this])
        for focus in check.focus_nodes:
            result = query.prepare({"this": str(focus)}).run(store)
            names = result.variables
            for sol in result.bindings():
                values = {n: _rdflib_term(sol[n]) for n in names if sol[n] is not None}
                rows.append((check, focus, values))
    about = (describe or describe_in(data))([(f, v.get("path"), v.get("value")) for _c, f, v in rows])
    out = set()
    for (check, focus, values), (label, evidence) in zip(rows, about):
        value, path = values.get("value"), values.get("path")
        messages = [_fill(m, values, focus) for m in check.messages] or \
            sorted(str(m) for m in shapes.objects(check.shape, SH.message))
        out.add(Finding(
            severity=check.severity, focus=_short(data, focus), label=label,
            path=path_text(shapes, path) if isinstance(path, URIRef) else "", value=_short(data, value),
            message=messages[0] if messages else "", shape=_short(shapes, check.shape), constraint="sparql",
            evidence=evidence,
        ))
    return sorted(out, key=Finding.sort_key)


def _fill(message: str, values: dict, focus) -> str:
    values = {"this": focus, **values}
    return re.sub(r"\{[?$](\w+)\}", lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), message)
