"""SHACL validation of a built graph held in a pyoxigraph store, in memory bounded by the entities:
the same findings as :func:`graph.validate.validate_graph` (pyshacl over the whole graph) gives.

The shapes are split three ways:

* the node shapes that target the scale-heavy classes (statements, evidence, selectors, documents:
  :data:`HEAVY_CLASSES` and their subclasses), and the property shapes of the other node shapes whose
  path goes backwards (``^akg:mentions``: its values are documents and statements), are compiled to
  SPARQL SELECT queries (:mod:`graph.shacl_sparql`) that Oxigraph runs on the whole store;
* the whole-graph SPARQL constraints (:func:`graph.validate_sparql.split_sparql_checks`) run on the
  store as they do for :func:`~graph.validate.validate_graph`;
* pyshacl runs the rest on the *entity part*: a small rdflib graph fetched with SPARQL CONSTRUCT (every
  triple whose subject is not a heavy node; of the heavy nodes those shapes reach, as focus nodes
  (a statement with an ``akg:startYear``) or as values, only their types and the properties on the
  shapes' paths).

The label and evidence sentence of each finding are read in the store (:class:`StoreDescriber`).

>>> import pyoxigraph as ox
>>> report = validate_store_scaled(ox.Store())
>>> report.conforms, report.findings
(True, ())
"""

from __future__ import annotations

import functools
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from .errors import OntologyError, QuerySyntaxError
from .namespaces import AKG, OA, PREFIXES
from .shacl_sparql import (_TARGETS, CompiledCheck, UnsupportedShape, compile_node_shape, focus_pattern,
                           has_inverse_step)
from .validate_load import SHAPES_FILE, load_shapes
from .validate_report import Finding, ValidationReport, _node_shape, _short, _specific_message, findings_from, path_text
from .validate_sparql import run_sparql_checks, split_sparql_checks
from .validate_store_terms import StoreDescriber, ox_term, rdflib_term

#: the classes whose nodes grow with the corpus; node shapes that target them run as SPARQL
HEAVY_CLASSES = (AKG.Statement, AKG.Evidence, OA.TextQuoteSelector, OA.TextPositionSelector, AKG.Document)
_CHUNK = 400
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_PATH_PREDS = (SH.path, SH.inversePath, SH.alternativePath, SH.oneOrMorePath, SH.zeroOrMorePath, SH.zeroOrOnePath,
               SH.disjoint, SH.equals, SH.lessThan, SH.lessThanOrEquals)


def _query(store, text: str):
    return store.query(text, use_default_graph_as_union=True)


def _values(nodes) -> str:
    import pyoxigraph as ox

    return " ".join(str(ox.NamedNode(str(n))) for n in nodes)


# --------------------------------------------------------------------------- splitting the shapes


def split_shapes(shapes: Graph, subclasses, heavy: set[str]) -> tuple[Graph, list[CompiledCheck]]:
    """(the shapes pyshacl runs on the entity part, the checks compiled to SPARQL) of the core shapes
    (the SPARQL constraints already taken out). Every shape the compiler takes whole is compiled, and of
    the others, every property shape it takes; the shapes pyshacl runs are the rest (with their targets)
    and what they refer to, nothing else. Raises :class:`graph.shacl_sparql.UnsupportedShape` for a
    shape of the heavy classes, or a backwards property shape, that uses other components.

    >>> shapes = load_shapes()
    >>> rest, checks = split_shapes(split_sparql_checks(shapes)[0], lambda c: (str(c),), {str(AKG.Evidence)})
    >>> sorted({_short(shapes, s) for p in _TARGETS for s in rest.subjects(p, None)})
    ['akgsh:CoordinatesShape', 'akgsh:GeometryShape', 'akgsh:MilitaryBaseShape', 'akgsh:YearsShape']
    """
    checks: list[CompiledCheck] = []
    keep, drop = [], set()
    for shape in sorted({s for p in _TARGETS for s in shapes.subjects(p, None)}, key=str):
        if any(heavy & set(subclasses(c)) for c in shapes.objects(shape, SH.targetClass)):
            checks += compile_node_shape(shapes, shape, subclasses=subclasses)
            continue
        try:  # a shape the compiler takes whole runs as SPARQL (pyshacl took 10 s of 40 at 10,000 documents)
            checks += compile_node_shape(shapes, shape, subclasses=subclasses)
            continue
        except UnsupportedShape:
            pass
        props = [shape] if shapes.value(shape, SH.path) is not None else \
            sorted(shapes.objects(shape, SH.property), key=str)
        backwards = [ps for ps in props if has_inverse_step(shapes, shapes.value(ps, SH.path))]
        compiled = list(backwards)
        if backwards:
            checks += compile_node_shape(shapes, shape, backwards, subclasses=subclasses)
        for ps in props:  # of the rest, the property shapes the compiler takes
            if ps not in backwards and ps != shape:
                try:
                    checks += compile_node_shape(shapes, shape, [ps], subclasses=subclasses)
                    compiled.append(ps)
                except UnsupportedShape:
                    pass
        if compiled == [shape]:
            continue
        drop |= {(shape, SH.property, ps) for ps in compiled}
        keep.append(shape)
    rest = Graph()
    for prefix, ns in shapes.namespaces():
        rest.bind(prefix, ns, override=True, replace=True)
    seen: set = set()
    while keep:
        node = keep.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in shapes.predicate_objects(node):
            if (node, p, o) not in drop:
                rest.add((node, p, o))
                keep.append(o)
    return rest, checks


# --------------------------------------------------------------------------- the entity part


def entity_graph(store, shapes: Graph, heavy: set[str], subclasses) -> Graph:
    """What pyshacl needs of the store to run ``shapes``: every triple whose subject is not a heavy node
    and whose predicate the shapes name (or is ``rdf:type`` or ``rdfs:subClassOf``),
    and of the heavy nodes that are focus nodes of ``shapes`` or values the triples point to, their
    types and the properties the shapes' paths follow (again for the nodes those point to).

    >>> import pyoxigraph as ox
    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("urn:e"), ox.NamedNode(str(RDF.type)), ox.NamedNode(str(AKG.Evidence))))
    >>> len(entity_graph(store, Graph(), {str(AKG.Evidence)}, lambda c: (str(c),)))
    0
    """
    import pyoxigraph as ox

    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
    cache: dict = {}
    heavy_values = _values(sorted(heavy))
    heavy_list = heavy_values.replace(" ", ", ")  # IRIs hold no space

    def add(triples) -> None:
        g.addN((rdflib_term(t.subject, cache), rdflib_term(t.predicate, cache), rdflib_term(t.object, cache), g)
               for t in triples)

    # of the triples, those whose predicate the shapes name (their paths and targets), or that give classes
    named = sorted({RDF.type, RDFS.subClassOf} | {o for _s, _p, o in shapes if isinstance(o, URIRef)}, key=str)
    add(_query(store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?p {{ {_values(named)} }} ?s ?p ?o "
                      f"MINUS {{ ?s {_RDF_TYPE} ?_h . VALUES ?_h {{ {heavy_values} }} }} }}"))
    todo: set = set()
    for shape in sorted({s for p in _TARGETS for s in shapes.subjects(p, None)}, key=str):
        focus = focus_pattern(shapes, shape, subclasses)
        todo |= {r["this"] for r in _query(store, f"SELECT DISTINCT ?this WHERE {{ {{ {focus} }} "
                                                  f"?this {_RDF_TYPE} ?_h . FILTER(?_h IN ({heavy_list})) }}")}
    # the predicates of the shapes' paths (list items of sequence and alternative paths included; more is harmless)
    preds = sorted({RDF.type} | {o for p in (*_PATH_PREDS, RDF.first) for o in shapes.objects(None, p)
                                 if isinstance(o, URIRef)})
    wanted = ", ".join(str(ox.NamedNode(str(p))) for p in preds)
    asked: set = set()
    while True:
        subjects = set(g.subjects())
        todo |= {ox_term(o) for o in g.objects() if not isinstance(o, Literal) and o not in subjects}
        todo -= asked
        if not todo:
            return g
        asked |= todo
        iris = sorted(n for n in todo if isinstance(n, ox.NamedNode))
        for i in range(0, len(iris), _CHUNK):
            values = " ".join(map(str, iris[i:i + _CHUNK]))
            add(_query(store, f"CONSTRUCT {{ ?n ?p ?o }} WHERE {{ VALUES ?n {{ {values} }} "
                              f"?n ?p ?o . FILTER(?p IN ({wanted})) }}"))
        for n in todo - set(iris):  # a blank node cannot be bound in SPARQL text: read the store's index
            add(q.triple for p in preds for q in store.quads_for_pattern(n, ox.NamedNode(str(p)), None))
        todo = set()


# --------------------------------------------------------------------------- the validation


def _subclasses(store):
    """``subclasses(cls)``: the IRIs of ``cls`` and its subclasses (``rdfs:subClassOf*`` in the store)."""
    import pyoxigraph as ox

    @functools.cache
    def subclasses(cls) -> tuple[str, ...]:
        query = (f"SELECT DISTINCT ?c WHERE {{ VALUES ?top {{ {_values([cls])} }} "
                 f"?c <{RDFS.subClassOf}>* ?top }}")
        found = {r["c"].value for r in _query(store, query) if isinstance(r["c"], ox.NamedNode)}
        return tuple(sorted({str(cls)} | found))

    return subclasses


def _bound(shapes: Graph | str | Path) -> tuple[str, Graph]:
    name = ""
    if not isinstance(shapes, Graph):
        name, shapes = str(shapes), load_shapes(shapes)
    for prefix, ns in PREFIXES.items():
        shapes.bind(prefix, ns, override=True, replace=True)
    shapes.bind("akgsh", "https://w3id.org/alliance-kg/shapes#", override=True, replace=True)
    return name, shapes


def compiled_rows(checks: list[CompiledCheck], store) -> list[tuple]:
    """(check, focus, value) of each result of compiled checks on a store (rdflib terms)."""
    rows = []
    for check in checks:
        for row in _query(store, check.query):
            focus = rdflib_term(row["this"])
            value = (rdflib_term(row["value"]) if check.path is not None else focus) if check.has_value else None
            rows.append((check, focus, value))
    return rows


def findings_of_rows(rows: list[tuple], data: Graph, shapes: Graph, describe) -> list[Finding]:
    """The findings of :func:`compiled_rows`, described by ``describe``."""
    about = describe([(f, c.path, v) for c, f, v in rows]) if rows else []
    out = set()
    for (check, focus, value), (label, evidence) in zip(rows, about):
        shape = _node_shape(shapes, check.shape)
        out.add(Finding(
            severity=str(check.severity).rsplit("#", 1)[-1], focus=_short(data, focus), label=label,
            path=path_text(shapes, check.path), value=_short(data, value),
            message=_specific_message(list(check.messages), shapes, shape), shape=_short(shapes, shape),
            constraint=check.constraint, evidence=evidence,
        ))
    return sorted(out, key=Finding.sort_key)


def run_compiled(checks: list[CompiledCheck], store, data: Graph, shapes: Graph, describe) -> list[Finding]:
    """The findings of compiled checks, as pyshacl would report them (see :func:`findings_from`).

    >>> import pyoxigraph as ox
    >>> run_compiled([], ox.Store(), Graph(), Graph(), StoreDescriber(ox.Store()))
    []
    """
    return findings_of_rows(compiled_rows(checks, store), data, shapes, describe)


def validate_store_scaled(store, shapes: Graph | str | Path = SHAPES_FILE, *, heavy=HEAVY_CLASSES) -> ValidationReport:
    """Validate the union of a pyoxigraph store's graphs against the shapes, with the findings
    :func:`graph.validate.validate_graph` gives for the same graph, without holding the statements,
    evidence, selectors or documents in Python (see the module's text).

    >>> from graph.rdfio import load_graph_file
    >>> validate_store_scaled(load_graph_file("out/kg.nq")).conforms   # doctest: +SKIP
    True
    """
    import pyshacl  # lazy: slow to import

    name, shapes = _bound(shapes)
    core, sparql_checks = split_sparql_checks(shapes)
    subclasses = _subclasses(store)
    heavy_types = {c for h in heavy for c in subclasses(h)}
    try:
        rest, compiled = split_shapes(core, subclasses, heavy_types)
        data = entity_graph(store, rest, heavy_types, subclasses)
    except OntologyError as exc:  # a shape the compiler does not take: name the shapes file
        raise type(exc)(exc.message, path=name or exc.path) from None
    describe = StoreDescriber(store)
    try:
        _conforms, results, _text = pyshacl.validate(
            data, shacl_graph=rest, inference="none", allow_warnings=True, allow_infos=True, abort_on_first=False)
    except Exception as exc:  # a malformed shape (pyshacl raises ShapeLoadError, ConstraintLoadError, ...)
        raise OntologyError(f"invalid shapes: {str(exc).strip().splitlines()[0][:200]}", path=name or None) from None
    findings = findings_from(results, data, shapes, describe=describe)
    findings += run_compiled(compiled, store, data, shapes, describe)
    if sparql_checks:
        try:
            findings += run_sparql_checks(sparql_checks, store, data, shapes, describe=describe)
        except (SyntaxError, QuerySyntaxError) as exc:
            raise OntologyError(f"invalid shapes: SPARQL constraint: {str(exc).strip().splitlines()[0][:200]}",
                                path=name or None) from None
    return ValidationReport(tuple(sorted(set(findings), key=Finding.sort_key)), shapes=name)
