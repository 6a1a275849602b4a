"""SHACL validation of a build's spool (:class:`graph.spool.QuadSpool`) in bounded memory and time:
the findings :func:`graph.validate_scaled.validate_store_scaled` (and so pyshacl over the whole graph)
gives, without loading every document into one store.

* The *document-local* checks (the compiled node shapes that target evidence, selectors and documents,
  and the whole-graph SPARQL checks) run per batch of document graphs (:data:`BATCH_QUADS` quads) on a
  small in-memory store.
* Everything else runs on one *global* store: every graph that is not a document graph, plus what the
  document graphs say that global checks read (``prov:wasDerivedFrom`` links and the types of the
  evidence; of each document node linked to a global node, its types and the properties on the global
  shapes' paths).

This is exact when each node's own triples lie in one place (one document graph, or the global graphs;
a statement's ``prov:wasDerivedFrom`` links excepted), no document-local node is a focus node of a global
shape, and no check follows a link from one place into another. Those conditions are checked as the
batches run (by 64-bit hashes of the nodes, a few bytes each); when one fails (hand-edited data), the
spool is validated the old way, on one store (:meth:`QuadSpool.oxigraph`), so a finding is never lost.

>>> from graph.spool import QuadSpool
>>> with QuadSpool() as spool:
...     validate_spool(spool).conforms
True
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SH

from .errors import OntologyError, QuerySyntaxError
from .namespaces import AKG, OA, PREFIXES
from .shacl_sparql import _TARGETS, _iri, has_inverse_step
from .validate_load import SHAPES_FILE
from .validate_report import Finding, ValidationReport, _node_shape, findings_from
from .validate_scaled import (HEAVY_CLASSES, _bound, _subclasses, compiled_rows, entity_graph, findings_of_rows,
                              split_shapes, validate_store_scaled)
from .validate_sparql import run_sparql_checks, split_sparql_checks
from .validate_store_terms import StoreDescriber

#: the graphs of documents: what the batches hold
DOC_GRAPH_PREFIX = "https://w3id.org/alliance-kg/graph/doc/"
#: the classes whose node shapes run per batch of documents
LOCAL_CLASSES = (AKG.Evidence, OA.TextQuoteSelector, OA.TextPositionSelector, AKG.Document)
#: quads of document graphs per batch store (about 100 MB of memory)
BATCH_QUADS = 200_000
_TYPE, _DERIVED = _iri(RDF.type), _iri(PROV.wasDerivedFrom)
#: what describing a finding reads (graph.validate_store_terms)
_DESCRIBED = (RDF.type, RDFS.label, OA.hasSelector, OA.exact, PROV.wasDerivedFrom, AKG.statementSubject,
              AKG.statementProperty, AKG.statementObject)


class _Fallback(Exception):
    """The spool's layout breaks a condition of the batched validation."""


def _query(store, text: str):
    return store.query(text, use_default_graph_as_union=True)


def _values(nodes) -> str:
    return " ".join(_iri(n) for n in sorted(nodes, key=str))


def _hashes(rows) -> list[int]:
    return [hash(r[0]) for r in rows]


def _batches(spool, graphs: list[str], size: int):
    sizes, batch, n = spool.graph_sizes(), [], 0
    for g in graphs:
        batch.append(g)
        n += sizes[g]
        if n >= size:
            yield batch
            batch, n = [], 0
    if batch:
        yield batch


def _text(spool, graphs) -> bytes:
    return "\n".join(line for g in graphs for line in spool.graph_lines(g)).encode("utf-8")


def _objects_of(shapes: Graph, roots) -> set:
    """Every IRI reachable from ``roots`` in the shapes (paths' predicates among them)."""
    seen, todo, out = set(), list(roots), set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for _p, o in shapes.predicate_objects(node):
            if isinstance(o, URIRef):
                out.add(o)
            todo.append(o)
    return out


def _target_patterns(shapes: Graph, shape, subclasses) -> list[str]:
    """Patterns matching where a document graph would make a focus node of ``shape``."""
    if (shape, RDF.type, RDFS.Class) in shapes or shapes.value(shape, SH.target) is not None:
        raise _Fallback  # an implicit class target or a SPARQL target: not read here
    out = []
    for c in shapes.objects(shape, SH.targetClass):
        out.append(f"?this {_TYPE} ?_c . FILTER(?_c IN ({', '.join(_iri(x) for x in subclasses(c))}))")
    out += [f"?this {_iri(p)} ?_o ." for p in shapes.objects(shape, SH.targetSubjectsOf)]
    out += [f"?_s {_iri(p)} ?this ." for p in shapes.objects(shape, SH.targetObjectsOf)]
    out += [f"VALUES ?this {{ {_iri(n)} }} ?this ?_p ?_o ." for n in shapes.objects(shape, SH.targetNode)
            if isinstance(n, URIRef)]
    return out


class _Plan:
    """The shapes split for the batched validation."""

    def __init__(self, core: Graph, shapes: Graph, subclasses):
        heavy = {c for h in HEAVY_CLASSES for c in subclasses(h)}
        local = {c for h in LOCAL_CLASSES for c in subclasses(h)}
        self.rest, compiled = split_shapes(core, subclasses, heavy)
        targeted = sorted({s for p in _TARGETS for s in core.subjects(p, None)}, key=str)
        local_shapes = {s for s in targeted if set(core.predicates(s)) & set(_TARGETS) == {SH.targetClass}
                        and all(set(subclasses(c)) <= local for c in core.objects(s, SH.targetClass))}
        self.local = [c for c in compiled if _node_shape(shapes, c.shape) in local_shapes]
        self.global_ = [c for c in compiled if _node_shape(shapes, c.shape) not in local_shapes]
        if any(has_inverse_step(shapes, c.path) for c in self.local):
            raise _Fallback
        self.local_preds = _values(_objects_of(core, local_shapes))
        self.global_preds = _values(_objects_of(core, [s for s in targeted if s not in local_shapes]) | {RDF.type})
        patterns = [p for s in targeted if s not in local_shapes for p in _target_patterns(core, s, subclasses)]
        patterns += ["?_s ?_p ?_o . FILTER(isBlank(?_s) || isBlank(?_o))", f"?_s {_iri(RDFS.subClassOf)} ?_o .",
                     f"?_s {_DERIVED} ?_e ; ?_p ?_o . FILTER(?_p != {_DERIVED})"]
        self.broken = "ASK { " + " UNION ".join("{ " + p + " }" for p in patterns) + " }"


def _foreign(store, preds: str | None) -> list[int]:
    """Hashes of the nodes that are objects (of ``preds``) in the store but subjects of nothing there."""
    where = f"VALUES ?p {{ {preds} }} " if preds is not None else ""
    return _hashes(_query(store, f"SELECT DISTINCT ?o WHERE {{ {where}?s ?p ?o . FILTER(!isLiteral(?o)) "
                                 "FILTER NOT EXISTS { ?o ?q ?w } }"))


class _GlobalDescriber(StoreDescriber):
    """Describes findings of the global store, first copying in the quotes of the evidence they read."""

    def __init__(self, store, spool, batches):
        super().__init__(store)
        self.spool, self.batches, self.done = spool, batches, set()

    def __call__(self, items):
        nodes = {n for f, _p, v in items for n in (f, v) if isinstance(n, URIRef)} - self.done
        if nodes:
            self.done |= nodes
            values = _values(nodes)
            evidence = {r[0] for r in _query(self.store, f"SELECT DISTINCT ?e WHERE {{ VALUES ?n {{ {values} }} "
                                                         f"{{ ?n {_DERIVED} ?e }} UNION {{ BIND(?n AS ?e) }} UNION "
                                                         f"{{ ?st {_iri(AKG.statementSubject)} ?n ; {_DERIVED} ?e }} }}")}
            evidence = " ".join(str(e) for e in evidence if type(e).__name__ == "NamedNode")
            if evidence:
                self._copy_quotes(evidence)
        return super().__call__(items)

    def _copy_quotes(self, values: str) -> None:
        import pyoxigraph as ox

        sel, exact = _iri(OA.hasSelector), _iri(OA.exact)
        for batch in self.batches:
            store = ox.Store()
            store.load(_text(self.spool, batch), format=ox.RdfFormat.N_TRIPLES)
            found = _query(store, f"CONSTRUCT {{ ?e {sel} ?s . ?s {exact} ?x }} WHERE {{ VALUES ?e {{ {values} }} "
                                  f"?e {sel} ?s . OPTIONAL {{ ?s {exact} ?x }} }}")
            self.store.load(found.serialize(format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES)


def _global_store(spool, graphs: list[str], doc_quads: int):
    import pyoxigraph as ox

    sizes = spool.graph_sizes()
    size = sum(sizes[g] for g in graphs) + doc_quads // 4
    store = ox.Store() if size <= spool.IN_MEMORY_QUADS else ox.Store(str(spool.dir / "validate-global"))
    path = spool.dir / "validate-global.nq"
    with open(path, "w", encoding="utf-8") as fh:
        for g in graphs:
            suffix = f" {_iri(g)} .\n"
            fh.writelines(line[:-1].rstrip() + suffix for line in spool.graph_lines(g))
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    path.unlink()
    return store


def _batched(spool, shapes: Graph, name: str, batch_quads: int) -> ValidationReport:
    import numpy as np
    import pyoxigraph as ox
    import pyshacl  # lazy: slow to import

    docs = [g for g in spool.graphs() if g.startswith(DOC_GRAPH_PREFIX)]
    sizes = spool.graph_sizes()
    store = _global_store(spool, [g for g in spool.graphs() if not g.startswith(DOC_GRAPH_PREFIX)],
                          sum(sizes[g] for g in docs))
    core, sparql_checks = split_sparql_checks(shapes)
    subclasses = _subclasses(store)
    plan = _Plan(core, shapes, subclasses)
    data = Graph()
    for prefix, ns in PREFIXES.items():
        data.bind(prefix, ns, override=True, replace=True)
    # the global nodes with triples that some check or description reads (not, say, schema:mentions)
    read = f"{plan.local_preds} {plan.global_preds} {_values(_DESCRIBED)}"
    global_subjects = _hashes(_query(store, f"SELECT DISTINCT ?s WHERE {{ VALUES ?p {{ {read} }} ?s ?p ?o }}"))
    global_foreign = _foreign(store, None)
    homes, foreign, findings = [], [], []
    batches = list(_batches(spool, docs, batch_quads))
    copy = (f"CONSTRUCT {{ ?s {_DERIVED} ?e . ?e {_TYPE} ?t . ?d ?p ?o }} WHERE {{ {{ ?s {_DERIVED} ?e "
            f"OPTIONAL {{ ?e {_TYPE} ?t }} }} UNION {{ {{ SELECT DISTINCT ?d WHERE {{ ?d ?_q ?_x . "
            "FILTER(!isLiteral(?_x)) FILTER NOT EXISTS { ?_x ?_q2 ?_y } } } "
            f"VALUES ?p {{ {plan.global_preds} }} ?d ?p ?o }} }}")
    # the labels of the SPARQL checks' focus nodes (the ontology), which their findings show
    focus = _values({n for c in sparql_checks for n in c.focus_nodes})
    labels = _query(store, f"CONSTRUCT {{ ?f {_iri(RDFS.label)} ?l }} WHERE {{ VALUES ?f {{ {focus} }} "
                           f"?f {_iri(RDFS.label)} ?l }}").serialize(format=ox.RdfFormat.N_TRIPLES) if focus else b""
    for batch in batches:
        local = ox.Store()
        local.load(_text(spool, batch), format=ox.RdfFormat.N_TRIPLES)
        if _query(local, plan.broken):
            raise _Fallback
        local.load(labels, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("urn:x-kg:validate:labels"))
        describe = StoreDescriber(local)
        findings += findings_of_rows(compiled_rows(plan.local, local), data, shapes, describe)
        findings += _sparql(sparql_checks, local, data, shapes, describe, name)
        homes.append(np.array(_hashes(local.query(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o . "
                                                    f"FILTER(?p != {_DERIVED}) }}")), dtype=np.int64))
        foreign += _foreign(local, plan.local_preds)
        store.load(_query(local, copy).serialize(format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES)
        del local
    # links the copies made from one batch into another (a statement's evidence in another batch)
    global_foreign += _foreign(store, f"{_DERIVED} {plan.global_preds}")
    home = np.concatenate(homes) if homes else np.zeros(0, dtype=np.int64)
    home.sort()
    if len(home) and (home[1:] == home[:-1]).any():
        raise _Fallback  # a node's own triples in two batches
    outside = np.array(global_subjects + foreign + global_foreign, dtype=np.int64)
    if np.isin(outside, home).any() or np.isin(np.array(foreign, dtype=np.int64), outside[:len(global_subjects)]).any():
        raise _Fallback  # a node in two places, or a link from one place into another
    data = entity_graph(store, plan.rest, {c for h in HEAVY_CLASSES for c in subclasses(h)}, subclasses)
    results = _pyshacl(pyshacl, data, plan.rest, name)
    rows = compiled_rows(plan.global_, store)
    describe = _GlobalDescriber(store, spool, batches)
    findings += _sparql(sparql_checks, store, data, shapes, describe, name)
    findings += findings_from(results, data, shapes, describe=describe)
    findings += findings_of_rows(rows, data, shapes, describe)
    return ValidationReport(tuple(sorted(set(findings), key=Finding.sort_key)), shapes=name)


def _pyshacl(pyshacl, data, rest, name):
    try:
        return pyshacl.validate(data, shacl_graph=rest, inference="none", allow_warnings=True, allow_infos=True,
                                abort_on_first=False)[1]
    except Exception as exc:  # a malformed shape (pyshacl raises ShapeLoadError, ConstraintLoadError, ...)
        raise OntologyError(f"invalid shapes: {str(exc).strip().splitlines()[0][:200]}", path=name or None) from None


def _sparql(checks, store, data, shapes, describe, name) -> list[Finding]:
    if not checks:
        return []
    try:
        return run_sparql_checks(checks, store, data, shapes, describe=describe)
    except (SyntaxError, QuerySyntaxError) as exc:
        raise OntologyError(f"invalid shapes: SPARQL constraint: {str(exc).strip().splitlines()[0][:200]}",
                            path=name or None) from None


def validate_spool(spool, shapes: Graph | str | Path = SHAPES_FILE, *, batch_quads: int | None = None) -> ValidationReport:
    """Validate a build's spool against the shapes: the report of
    :func:`graph.validate_scaled.validate_store_scaled` on ``spool.oxigraph()``, document graphs read in
    batches of ``batch_quads`` quads (default :data:`BATCH_QUADS`; see the module's text).

    >>> from graph.spool import QuadSpool
    >>> spool = QuadSpool()
    >>> spool.add_graph(DOC_GRAPH_PREFIX + "a", [f"<urn:e> <{RDF.type}> <{AKG.Evidence}> ."])
    1
    >>> [f.constraint for f in validate_spool(spool).findings]
    ['minCount', 'qualifiedMinCount', 'qualifiedMinCount', 'minCount']
    >>> spool.close()
    """
    name, graph = _bound(shapes)
    try:
        return _batched(spool, graph, name, batch_quads or BATCH_QUADS)
    except _Fallback:
        return validate_store_scaled(spool.oxigraph(), graph if not name else shapes)
    except OntologyError as exc:  # a shape the compiler does not take: name the shapes file
        raise type(exc)(exc.message, path=name or exc.path) from None
