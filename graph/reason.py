"""Reasoning: the OWL-RL inferences users want, kept in their own named graph.

The ontology implies facts the documents do not state: an air base is a military
base (subclassing), a base that hosts a country's forces means the country has
forces at the base (``owl:inverseOf``), an alliance holds both ways
(``owl:SymmetricProperty``), a base in a city in a country is in that country
(``owl:TransitiveProperty``), a membership is also an ``org:memberOf``
(``rdfs:subPropertyOf``).

:func:`infer` runs owlrl's OWL-RL closure over a *reduced* input and keeps only
those inferences:

* Input, ontology side: only the axioms that derive the wanted facts or detect
  inconsistencies (subclass, subproperty, inverse, symmetric, transitive,
  equivalence, disjointness). ``rdfs:domain``/``rdfs:range`` are **not** fed:
  OWL-RL uses them to infer types, not to check them, so a wrongly used subject
  would silently become a ``Country``; the SHACL shapes (``graph.validate``)
  check them instead. Functional and inverse-functional properties,
  ``owl:hasKey``, property chains and ``owl:sameAs`` are not fed either (they
  merge individuals or add self-loops).
* Input, data side: entity types and object-property triples between entities;
  statement nodes, evidence, selectors and literals are left out (they imply
  nothing wanted, and leaving them out keeps the closure fast).
* Shortcut: a property whose only axioms, and whose super-properties' only
  axioms, are ``rdfs:subPropertyOf`` links (``akg:mentions`` ->
  ``schema:mentions``) can derive nothing but its super-property triples
  (rule prp-spo1). Those are written directly and its triples are not given to
  owlrl, whose closure costs a pass over every triple per round: on 1,000
  documents the mentions are 18,457 of the 22,377 triples it would see.
* Output: types to classes of the ontology's own namespace and triples of the
  ontology's object properties or their declared super-properties, about data
  nodes only, and never a triple that is already asserted. Reflexive
  ``owl:sameAs``, ``owl:Thing``/``rdfs:Resource`` typing, datatype axioms and
  triples about ontology terms are dropped.

An inconsistency (owlrl reports it as an ``err:ErrorMessage`` node, not as an
exception) raises :class:`ReasoningError` with the reasoner's message.

>>> from rdflib import Graph
>>> onto = Graph().parse(data='''
... @prefix akg: <https://w3id.org/alliance-kg/ontology#> .
... @prefix owl: <http://www.w3.org/2002/07/owl#> .
... @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
... akg:AirBase a owl:Class ; rdfs:subClassOf akg:MilitaryBase . akg:MilitaryBase a owl:Class .
... ''', format="turtle")
>>> data = Graph().parse(data='''
... <https://w3id.org/alliance-kg/id/b> a <https://w3id.org/alliance-kg/ontology#AirBase> .
... ''', format="turtle")
>>> [(s.n3(), o.n3()) for s, _, o in infer(data, onto)]
[('<https://w3id.org/alliance-kg/id/b>', '<https://w3id.org/alliance-kg/ontology#MilitaryBase>')]
"""

from __future__ import annotations

import itertools

from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .errors import KGError
from .namespaces import AKG, INFERRED_GRAPH, OA, ONTOLOGY_GRAPH

#: owlrl's namespace for inconsistency reports (``err:ErrorMessage`` nodes with ``err:error`` text)
ERR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")

#: ontology axioms given to the reasoner (everything else, notably rdfs:domain/range, is withheld)
SCHEMA_PREDICATES = frozenset({
    RDFS.subClassOf, RDFS.subPropertyOf, OWL.inverseOf, OWL.equivalentClass, OWL.equivalentProperty,
    OWL.disjointWith, OWL.propertyDisjointWith,
})
#: ``rdf:type`` objects of ontology axioms given to the reasoner
SCHEMA_TYPES = frozenset({
    OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.TransitiveProperty, OWL.SymmetricProperty,
    OWL.AsymmetricProperty, OWL.IrreflexiveProperty,
})
#: axioms with an RDF list (``owl:members``) that only detect inconsistencies
LIST_AXIOMS = frozenset({OWL.AllDisjointClasses})
#: data nodes of these types (and their links) are not reasoned about
SKIPPED_TYPES = frozenset({AKG.Statement, AKG.Evidence, OA.TextQuoteSelector, OA.TextPositionSelector})
#: namespaces whose terms are never an inferred property (rdf:subject from akg:statementSubject, ...)
CORE_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))


class ReasoningError(KGError):
    """The reasoner found the data and ontology inconsistent (e.g. an individual of two disjoint classes)."""


# --------------------------------------------------------------------------- input


def schema_axioms(ontology: Graph) -> Graph:
    """The part of the ontology the reasoner may use (no domain/range, no merging axioms)."""
    out = Graph()
    for s, p, o in ontology:
        if p in SCHEMA_PREDICATES or (p == RDF.type and o in SCHEMA_TYPES):
            out.add((s, p, o))
    for node in ontology.subjects(RDF.type, None):
        if set(ontology.objects(node, RDF.type)) & LIST_AXIOMS:
            out.add((node, RDF.type, OWL.AllDisjointClasses))
            for members in ontology.objects(node, OWL.members):
                out.add((node, OWL.members, members))
                cell = members
                while cell != RDF.nil and cell is not None:
                    for p in (RDF.first, RDF.rest):
                        for o in ontology.objects(cell, p):
                            out.add((cell, p, o))
                    cell = ontology.value(cell, RDF.rest)
    return out


def object_properties(ontology: Graph) -> set[URIRef]:
    """Object properties the ontology declares."""
    return {p for p in ontology.subjects(RDF.type, OWL.ObjectProperty) if isinstance(p, URIRef)}


def super_properties(ontology: Graph) -> dict[URIRef, set[URIRef]]:
    """Each property's declared super-properties, transitively (the property itself excluded)."""
    direct: dict[URIRef, set[URIRef]] = {}
    for s, o in ontology.subject_objects(RDFS.subPropertyOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef) and s != o:
            direct.setdefault(s, set()).add(o)
    out: dict[URIRef, set[URIRef]] = {}
    for p in direct:
        seen, todo = set(), list(direct[p])
        while todo:
            q = todo.pop()
            if q not in seen and q != p:
                seen.add(q)
                todo.extend(direct.get(q, ()))
        out[p] = seen
    return out


def subproperty_only(ontology: Graph) -> dict[URIRef, set[URIRef]]:
    """Properties whose triples can derive nothing but their super-property triples, with those.

    A property qualifies when no fed axiom other than ``rdfs:subPropertyOf`` (with the property as
    its subject) names it or any of its super-properties: no inverse, symmetry, transitivity,
    equivalence or disjointness. (Its sub-properties may have axioms: owlrl derives their triples
    of it, and the same rule, given the axiom, their super-property triples.)

    >>> from rdflib import Graph
    >>> onto = Graph().parse(data='''
    ... @prefix akg: <https://w3id.org/alliance-kg/ontology#> .
    ... @prefix owl: <http://www.w3.org/2002/07/owl#> .
    ... @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ... akg:mentions a owl:ObjectProperty ; rdfs:subPropertyOf <https://schema.org/mentions> .
    ... akg:locatedIn a owl:TransitiveProperty ; rdfs:subPropertyOf <https://schema.org/containedInPlace> .
    ... ''', format="turtle")
    >>> {str(p): sorted(map(str, s)) for p, s in subproperty_only(onto).items()}
    {'https://w3id.org/alliance-kg/ontology#mentions': ['https://schema.org/mentions']}
    """
    axioms = schema_axioms(ontology)
    supers = super_properties(ontology)
    named_elsewhere: set = set()
    for s, p, o in axioms:
        if p == RDFS.subPropertyOf:
            continue
        elif p == RDF.type:
            if o not in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.Class):
                named_elsewhere.add(s)
        else:
            named_elsewhere.update((s, o))
    out = {}
    for prop, sups in supers.items():
        chain = {prop} | sups
        if chain & named_elsewhere:
            continue
        out[prop] = sups
    for prop in object_properties(ontology):  # no axiom at all: its triples derive nothing
        if prop not in supers and prop not in named_elsewhere:
            out[prop] = set()
    return out


def data_input(data: Graph, ontology: Graph) -> Graph:
    """Entity types and object-property triples between data nodes: what the reasoner needs to see."""
    props = object_properties(ontology)
    skipped = {s for t in SKIPPED_TYPES for s in data.subjects(RDF.type, t)}
    out = Graph()
    for s, p, o in data:
        if s in skipped or isinstance(o, Literal):
            continue
        if p == RDF.type or p in props:
            out.add((s, p, o))
    return out


# --------------------------------------------------------------------------- output


def wanted_properties(ontology: Graph) -> set[URIRef]:
    """The ontology's object properties and their declared super-properties outside rdf/rdfs/owl."""
    wanted = set(object_properties(ontology))
    todo = list(wanted)
    while todo:
        for sup in ontology.objects(todo.pop(), RDFS.subPropertyOf):
            if isinstance(sup, URIRef) and sup not in wanted and not str(sup).startswith(CORE_NAMESPACES):
                wanted.add(sup)
                todo.append(sup)
    return wanted


def wanted_classes(ontology: Graph) -> set[URIRef]:
    """Classes an inferred type may name: the ontology's own (akg:) classes."""
    return {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and c.startswith(str(AKG))}


def _errors(closure: Graph) -> list[str]:
    return sorted({str(msg) for node in closure.subjects(RDF.type, ERR.ErrorMessage) for msg in closure.objects(node, ERR.error)})


class Reasoner:
    """The reasoner for one ontology: what it feeds owlrl and keeps, worked out once.

    :meth:`closure` reasons over data; :meth:`shortcut` derives, one triple at a time, what a
    property with nothing but ``rdfs:subPropertyOf`` axioms implies (see the module's docstring), so
    that a streaming build can handle those triples document by document instead of keeping them.
    """

    def __init__(self, ontology: Graph):
        self.ontology = ontology
        self.axioms = schema_axioms(ontology)
        self.shortcuts = subproperty_only(ontology)
        self.classes, self.props = wanted_classes(ontology), wanted_properties(ontology)
        self.object_props = object_properties(ontology)
        self.terms = set(ontology.subjects())
        self._by_class: dict = {}

    def keep(self, s, p, o, asserted) -> bool:
        """Whether an inference about data node ``s`` is one users want and is not already stated."""
        if s in self.terms or isinstance(s, BNode):
            return False
        if p == RDF.type:
            keep = o in self.classes
        else:
            keep = p in self.props and not isinstance(o, Literal) and s != o
        # (no need to look in the ontology: every triple of it has a subject in self.terms)
        return keep and (s, p, o) not in asserted

    def shortcut(self, s, p, o, asserted) -> list:
        """The wanted inferences of a triple whose property is in :attr:`shortcuts` (none otherwise)."""
        return [(s, q, o) for q in sorted(self.shortcuts.get(p, ())) if self.keep(s, q, o, asserted)]

    def typed_only(self, s, cls, asserted) -> list | None:
        """The wanted type inferences about a node of one asserted type ``cls``.

        The reasoner is given no ``rdfs:domain``/``range``, restriction or equality axiom, so no
        property triple yields a type: a node's types follow from its asserted types alone. With one,
        they are worked out once per class, on a stand-in node, instead of by owlrl for every node of
        the class (every document, every base). None when the class alone contradicts the ontology
        (the node then goes to owlrl, whose message names it).
        """
        if cls not in self._by_class:
            probe = URIRef("urn:x-kg:probe")
            fed = Graph()
            fed.add((probe, RDF.type, cls))
            try:
                self._by_class[cls] = [(p, o) for _s, p, o in self._closure(fed, (), by_class=False)]
            except ReasoningError:
                self._by_class[cls] = None
        found = self._by_class[cls]
        return None if found is None else [(s, p, o) for p, o in found if self.keep(s, p, o, asserted)]

    def closure(self, fed: Graph, asserted) -> Graph:
        """The wanted OWL-RL inferences of ``fed`` (already reduced by :func:`data_input`); raises
        :class:`ReasoningError` on an inconsistency."""
        return self._closure(fed, asserted, by_class=True)

    def _closure(self, fed: Graph, asserted, by_class: bool) -> Graph:
        import owlrl  # lazy: owlrl is slow to import and only needed here

        nodes = set(fed.subjects())
        work = Graph()
        for t in self.axioms:
            work.add(t)
        derived = []
        typed: dict = {}
        for s, o in fed.subject_objects(RDF.type):
            typed.setdefault(s, []).append(o)
        for s, types in typed.items():  # one asserted type: the class's inferences (typed_only)
            found = self.typed_only(s, types[0], asserted) if by_class and len(types) == 1 else None
            if found is None:
                work.addN((s, RDF.type, o, work) for o in types)
            else:
                derived.extend(found)
        for s, p, o in fed:
            if p == RDF.type:
                continue
            if p in self.shortcuts:
                derived.extend((s, q, o) for q in self.shortcuts[p])
            else:
                work.add((s, p, o))
        before = set(work)
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
        errors = _errors(work)
        if errors:
            raise ReasoningError("the data contradict the ontology: " + "; ".join(errors))
        out = Graph()
        for s, p, o in itertools.chain(work, derived):
            if (s, p, o) not in before and s in nodes and self.keep(s, p, o, asserted):
                out.add((s, p, o))
        return out


def infer(data: Graph, ontology: Graph, asserted=None) -> Graph:
    """The wanted OWL-RL inferences of ``data`` + ``ontology`` as a new graph.

    ``asserted`` (default ``data``; anything that supports ``triple in asserted``) holds what is
    already stated; nothing in it is returned.
    Raises :class:`ReasoningError` if the reasoner finds an inconsistency.
    """
    return Reasoner(ontology).closure(data_input(data, ontology), data if asserted is None else asserted)


class _InDataset:
    """``triple in _InDataset(ds)``: is the triple stated in any graph of the dataset."""

    def __init__(self, ds: Dataset):
        self.ds = ds

    def __contains__(self, triple) -> bool:
        return next(iter(self.ds.quads((*triple, None))), None) is not None


def reasoning_data(ds: Dataset, ontology: Graph) -> Graph:
    """The triples of the data graphs :func:`data_input` can use (types and object-property triples),
    read through the dataset's predicate index rather than by copying every quad."""
    skip = (ONTOLOGY_GRAPH, INFERRED_GRAPH)
    out = Graph()
    for p in sorted({RDF.type} | object_properties(ontology)):
        for s, _p, o, c in ds.quads((None, p, None, None)):
            if getattr(c, "identifier", c) not in skip and not isinstance(o, Literal):
                out.add((s, p, o))
    return out


def add_inferences(ds: Dataset) -> int:
    """Reason over a built dataset and write the inferences into its INFERRED_GRAPH; return their number.

    The ontology is read from ONTOLOGY_GRAPH, the data from every other graph.
    Calling it again replaces the earlier inferences.
    """
    ds.remove_graph(ds.graph(INFERRED_GRAPH))
    ontology = Graph()
    for t in ds.graph(ONTOLOGY_GRAPH):
        ontology.add(t)
    inferred = infer(reasoning_data(ds, ontology), ontology, asserted=_InDataset(ds))
    if len(inferred):
        g = ds.graph(INFERRED_GRAPH)
        for t in inferred:
            g.add(t)
    return len(inferred)


__all__ = ["Reasoner", "infer", "add_inferences", "reasoning_data", "subproperty_only", "ReasoningError", "schema_axioms", "data_input", "ERR"]
