"""The RDF stage of a build, streamed: each document's named graph goes to the spool
(:class:`graph.spool.QuadSpool`) as it is made; what documents share (the entities graph) and what the
reasoner needs (entity types and object-property triples: a small graph) are the only triples kept.

Reasoning follows :mod:`graph.reason` exactly, fed differently: a document's own triples that the
reasoner would see are its node's type and its links to entities (every other subject of a document
graph is a statement, evidence or selector node, which the reasoner skips); of those, the triples of
a property with nothing but ``rdfs:subPropertyOf`` axioms (``akg:mentions``) are turned into their
inferences right there, document by document, and only the rest is kept for owlrl. Those inferences
(a document's ``schema:mentions``: most of the inferred graph) go to the spool at once, not kept in
memory; the closure's later inferences about a document node are checked against them, so the
inferred graph still holds each triple once.

>>> from graph.corpus import parse_document
>>> from graph.extract import extract_document
>>> from graph.spool import QuadSpool
>>> ex = extract_document(parse_document("a.md", "Kuwait hosts U.S. Army units at Camp Arifjan."))
>>> with QuadSpool() as spool:
...     rdf = StreamedRDF(spool, load_ontology_graph())
...     _ = rdf.add_document(ex, ex.entities)
...     rdf.finish() > 0
True
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from .build_rdf import LITERAL_PROPS
from .extract import Extraction
from .lexicon import ONTOLOGY_FILE, Entity, parse_turtle, slugify
from .namespaces import ENTITIES_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, document_graph
from .quads import document_quads
from .spool import QuadSpool

_TYPE = "<" + str(RDF.type) + ">"


def load_ontology_graph(path: str | Path = ONTOLOGY_FILE) -> Graph:
    """The ontology as an rdflib Graph (a syntax error names the file and line)."""
    return parse_turtle(path)


def ontology_lines(ontology: Graph) -> list[str]:
    """The ontology graph as N-Triples lines, blank nodes labelled from the graph's content (as
    :func:`graph.rdfio.stable_graphs` labels them), so two builds print the same labels."""
    from rdflib.compare import to_canonical_graph

    from .rdfio import nt_lines, sorted_ntriples

    return nt_lines(sorted_ntriples(nt_lines(to_canonical_graph(ontology).serialize(format="nt"))).decode("utf-8"))


def _term(nt: str):
    """An IRI from its N-Triples spelling, or None for a literal or blank node."""
    return URIRef(nt[1:-1]) if nt.startswith("<") else None


class _Stated:
    """``triple in _Stated(...)``: is an rdflib triple stated by the build (in the entities graph, or
    among the document triples kept for the reasoner, or in the current document)."""

    def __init__(self, shared: dict, fed: dict):
        self.shared, self.fed = shared, fed
        self.doc: set = set()

    def __contains__(self, triple) -> bool:
        s, p, o = triple
        key = (s.n3(), p.n3(), o.n3())
        return key in self.shared or key in self.fed or key in self.doc


class StreamedRDF:
    """Documents in, named graphs out to ``spool``; :meth:`finish` writes the shared graphs and, when
    ``reason``, the inferences (raises :class:`graph.reason.ReasoningError` on an inconsistency)."""

    def __init__(self, spool: QuadSpool, ontology: Graph, reason: bool = True):
        self.spool, self.ontology = spool, ontology
        self.shared: dict[tuple[str, str, str], None] = {}  #: the entities graph, each triple once, in order
        self.fed: dict[tuple[str, str, str], None] = {}  #: document triples the reasoner sees (types and links)
        self.inferred: dict[tuple[str, str, str], None] = {}  #: the closure's inferences
        self.streamed = 0  #: inferences about documents already in the spool (see :meth:`_feed_document`)
        self._streamed_about: set[str] = set()  #: the document nodes they are about
        self.stated = _Stated(self.shared, self.fed)
        self.evidence = 0
        self.quads = spool.add_graph(str(ONTOLOGY_GRAPH), ontology_lines(ontology))
        self.reasoner = None
        if reason:
            from .reason import Reasoner

            self.reasoner = Reasoner(ontology)
            self._props = {p.n3() for p in self.reasoner.object_props}
            self._shortcut = {p.n3() for p in self.reasoner.shortcuts}

    def add_document(self, ex: Extraction, entities: dict[str, Entity]) -> int:
        """Spool one document's graph; return its pieces of evidence."""
        graph = str(document_graph(slugify(ex.doc.path.rsplit(".", 1)[0])))
        dq = document_quads(ex, entities, graph)
        self.quads += self.spool.add_graph(graph, dq.lines)
        self.shared.update(dict.fromkeys(dq.shared))
        self.evidence += dq.evidence
        if self.reasoner is not None:
            self._feed_document(dq)
        return dq.evidence

    def _feed_document(self, dq) -> None:
        d = dq.document
        links = [line.split(" ", 2) for line in dq.lines if line.startswith(d + " ")]
        self.stated.doc = {(s, p, o[:-2]) for s, p, o in links}
        rest, found = [], []
        for s, p, o in links:
            o = o[:-2]  # " ."
            if not o.startswith("<") or (p != _TYPE and p not in self._props):
                continue
            if p in self._shortcut:
                found.extend(self.reasoner.shortcut(_term(s), _term(p), _term(o), self.stated))
            else:
                rest.append((s, p, o))
        if len(rest) == 1 and rest[0][1] == _TYPE:  # the document's type alone: known per class
            found.extend(self.reasoner.typed_only(_term(rest[0][0]), _term(rest[0][2]), self.stated))
        else:
            self.fed.update(dict.fromkeys(rest))
        if found:  # every one about this document's node: spooled now, each once
            lines = dict.fromkeys(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in found)
            self.streamed += self.spool.add_graph(str(INFERRED_GRAPH), lines)
            self._streamed_about.add(d)
        self.stated.doc = set()

    def _fed_entities(self) -> Graph:
        """The entities graph's triples the reasoner sees (types and object-property links between
        nodes that are not statements), with the documents' own."""
        from .reason import SKIPPED_TYPES

        skipped_types = {t.n3() for t in SKIPPED_TYPES}
        skipped = {s for s, p, o in self.shared if p == _TYPE and o in skipped_types}
        fed = Graph()
        for s, p, o in self.fed:
            fed.add((_term(s), _term(p), _term(o)))
        for s, p, o in self.shared:
            if s in skipped or not o.startswith("<") or (p != _TYPE and p not in self._props):
                continue
            fed.add((_term(s), _term(p), _term(o)))
        return fed

    def finish(self) -> int:
        """Spool the entities graph and the inferences; return the quads spooled before reasoning (the
        summary's triple count)."""
        self.quads += self.spool.add_graph(str(ENTITIES_GRAPH), (f"{s} {p} {o} ." for s, p, o in self.shared))
        return self.quads

    def reason(self) -> int:
        """Run the reasoner over what it was fed and spool the rest of the inferred graph; return the
        inferred graph's size."""
        for s, p, o in self.reasoner.closure(self._fed_entities(), self.stated):
            self.inferred[(s.n3(), p.n3(), o.n3())] = None
        if any(s in self._streamed_about for s, _, _ in self.inferred):  # rare: about a document node
            spooled = set(self.spool.iter_graph_lines(str(INFERRED_GRAPH)))
            lines = (line for line in (f"{s} {p} {o} ." for s, p, o in self.inferred) if line not in spooled)
        else:
            lines = (f"{s} {p} {o} ." for s, p, o in self.inferred)
        return self.streamed + self.spool.add_graph(str(INFERRED_GRAPH), lines)


__all__ = ["StreamedRDF", "load_ontology_graph", "ontology_lines", "LITERAL_PROPS"]
