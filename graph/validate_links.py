"""Which links between the document graphs and the shared graphs the batched validation
(:mod:`graph.validate_spool`) may keep one of, and which it must keep all of.

The checks that run on the shared graphs read a few links that the document graphs state: a
statement's ``prov:wasDerivedFrom`` its evidence (forward: the shared node is the subject), a
document's ``akg:mentions`` an entity (backward: the shared node is the object). Copying every one of
them (millions at 100,000 documents) into the shared store is what made it large. A link can be
thinned to one per shared node when every check reads it only as *there is at least one*:

* in the shapes that run on the shared store, the predicate appears only as the whole path of property
  shapes (``sh:path P``, or ``sh:path [ sh:inversePath P ]`` backwards) that say nothing but
  ``sh:minCount`` 0 or 1 and ``sh:class`` (and messages, severity, names);
* in the whole-graph SPARQL checks, every triple pattern with the predicate has, on the far side, a
  variable used nowhere else in the query and not selected.

Then one link per shared node whose far end has every ``sh:class`` of those shapes directly gives the
same findings as all of them, provided every link whose far end lacks one of those classes is kept.

>>> from graph.validate_load import load_shapes
>>> from graph.validate_sparql import split_sparql_checks
>>> from rdflib.namespace import PROV
>>> core, checks = split_sparql_checks(load_shapes())
>>> roots = [s for s in core.subjects(SH.targetClass, None)]
>>> thinned(core, roots, checks, PROV.wasDerivedFrom, forward=True)
('https://w3id.org/alliance-kg/ontology#Evidence',)
"""

from __future__ import annotations

import functools

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, SH

#: what a property shape may say for its links to be thinned
_ALLOWED = {RDF.type, SH.path, SH.minCount, SH["class"], SH.message, SH.severity, SH.name, SH.description,
            SH.order, SH.group}


def reachable(shapes: Graph, roots) -> set:
    """The nodes reachable from ``roots`` in the shapes (lists and nested shapes included)."""
    seen, todo = set(), list(roots)
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo.extend(o for _p, o in shapes.predicate_objects(node) if isinstance(o, (URIRef, BNode)))
    return seen


def _property_shape(shapes: Graph, ps) -> tuple | None:
    """The classes a thinnable property shape ``ps`` asks of its values, or None if it says more."""
    if set(shapes.predicates(ps)) - _ALLOWED or set(shapes.objects(ps, RDF.type)) - {SH.PropertyShape}:
        return None
    for n in shapes.objects(ps, SH.minCount):
        value = n.toPython() if isinstance(n, Literal) else None
        if not isinstance(value, int) or isinstance(value, bool) or value > 1:
            return None
    if any(p != SH.property for p in shapes.predicates(None, ps)):
        return None  # used as a node shape (sh:node, sh:qualifiedValueShape, ...): not a plain property shape
    classes = tuple(shapes.objects(ps, SH["class"]))
    if not all(isinstance(c, URIRef) for c in classes):
        return None
    return tuple(str(c) for c in classes)


def _in_shapes(shapes: Graph, nodes: set, pred: URIRef, forward: bool) -> tuple | None:
    classes: set = set()
    for s, p in shapes.subject_predicates(pred):
        if s not in nodes:
            continue
        if forward and p == SH.path:
            ps = s
        elif not forward and p == SH.inversePath and isinstance(s, BNode) and set(shapes.predicates(s)) == {p} \
                and len(list(shapes.subject_predicates(s))) == 1 and shapes.value(predicate=SH.path, object=s):
            ps = shapes.value(predicate=SH.path, object=s)
        else:
            return None  # a target, a sequence or alternative path, a comparison, ...: read otherwise
        found = _property_shape(shapes, ps)
        if found is None:
            return None
        classes |= set(found)
    return tuple(sorted(classes))


@functools.lru_cache(maxsize=64)
def _algebra(select: str):
    """rdflib's algebra of a query, parsed once per text (each check is read for several predicates)."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    return translateQuery(parseQuery(select)).algebra


def _walk(node, skip=("_vars", "PV")):
    from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath

    yield node
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in skip:
                yield from _walk(value, skip)
    elif isinstance(node, (list, tuple, set, frozenset)):
        for value in node:
            yield from _walk(value, skip)
    elif isinstance(node, (SequencePath, AlternativePath, NegatedPath)):
        yield from _walk(list(node.args), skip)
    elif isinstance(node, InvPath):
        yield from _walk(node.arg, skip)
    elif isinstance(node, MulPath):
        yield from _walk(node.path, skip)


def existential_in_sparql(select: str, pred: URIRef, forward: bool) -> bool:
    """Whether a SELECT query reads ``pred`` only as *some link exists*: each use is a plain triple
    pattern whose object (``forward``) or subject is a variable used nowhere else and not selected.

    >>> existential_in_sparql("SELECT ?s WHERE { ?s <urn:p> ?e }", URIRef("urn:p"), True)
    True
    >>> existential_in_sparql("SELECT ?s ?e WHERE { ?s <urn:p> ?e }", URIRef("urn:p"), True)
    False
    >>> existential_in_sparql("SELECT ?s WHERE { ?s <urn:p>+ ?e }", URIRef("urn:p"), True)
    False
    """
    algebra = _algebra(select)
    selected = set(algebra.get("PV") or ())
    nodes = list(_walk(algebra))
    uses = sum(1 for n in nodes if isinstance(n, URIRef) and n == pred)
    patterns = [n for n in nodes if isinstance(n, tuple) and len(n) == 3 and n[1] == pred
                and isinstance(n[1], URIRef)]
    if uses != len(patterns):
        return False  # inside a property path, an expression or VALUES
    counts: dict = {}
    for n in nodes:
        if isinstance(n, Variable):
            counts[n] = counts.get(n, 0) + 1
    for s, _p, o in patterns:
        far = o if forward else s
        if not isinstance(far, Variable) or far in selected or counts.get(far, 0) != 1:
            return False
    return True


def thinned(shapes: Graph, roots, sparql_checks, pred: URIRef, forward: bool) -> tuple | None:
    """The classes a kept link's far end must have, when the links of ``pred`` may be thinned to one per
    shared node for the shapes reachable from ``roots`` and the SPARQL checks (see the module's text);
    None when every link must be kept."""
    found = _in_shapes(shapes, reachable(shapes, roots), pred, forward)
    if found is None:
        return None
    try:
        if not all(existential_in_sparql(c.select, pred, forward) for c in sparql_checks):
            return None
    except Exception:  # noqa: BLE001 - a query rdflib cannot read: keep every link (the checks report it)
        return None
    return found


def sparql_reads(selects) -> tuple[set, set] | None:
    """What SELECT queries can read: (the IRIs they name, the predicates whose objects bind a variable
    predicate, as ``?st akg:statementProperty ?p . FILTER NOT EXISTS { ?s ?p ?o }`` does), or None when
    some query may read any triple: a variable predicate that no named predicate's object binds, or one
    in a query with UNION, OPTIONAL, MINUS, a sub-query, VALUES or GRAPH (where a pattern may be
    evaluated before the binding joins in).

    >>> sparql_reads(["SELECT ?s WHERE { ?st <urn:p> ?p . ?s ?p ?o }"])
    ({rdflib.term.URIRef('urn:p')}, {rdflib.term.URIRef('urn:p')})
    >>> sparql_reads(["SELECT ?s WHERE { ?s ?p ?o }"]) is None
    True
    >>> sparql_reads(["SELECT ?s WHERE { { ?st <urn:p> ?p } UNION { ?s ?p ?o } }"]) is None
    True
    """
    names, binders = set(), set()
    unsafe = {"Union", "LeftJoin", "Minus", "ToMultiSet", "values", "Graph"}
    for select in selects:
        nodes = list(_walk(_algebra(select)))
        names |= {n for n in nodes if isinstance(n, URIRef)}
        triples = [tuple(t) for n in nodes if isinstance(n, dict) and "triples" in n
                   for t in n["triples"]]
        free = [p for _s, p, _o in triples if isinstance(p, Variable)]
        if not free:
            continue
        if any(isinstance(n, dict) and getattr(n, "name", None) in unsafe for n in nodes):
            return None
        for p in free:
            found = {q for _s, q, o in triples if o == p and isinstance(q, URIRef)}
            if not found:
                return None
            binders |= found
    return names, binders
