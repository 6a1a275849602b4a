"""Reading a pyoxigraph store for the scaled validator (:mod:`graph.validate_scaled`): terms turned
into rdflib's, and the label and evidence sentence of findings (as :func:`graph.validate_report.evidence_for`
reads them in an rdflib graph), looked up in the store in a few queries for all findings at once,
the nodes bound with VALUES.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode(str(RDFS.label)), ox.Literal("X")))
>>> StoreDescriber(store)([(URIRef("urn:x"), None, None)])
[('X', '')]
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from .namespaces import AKG, OA

_CHUNK = 400  #: nodes bound per query


def rdflib_term(t, cache: dict | None = None):
    """A pyoxigraph term as rdflib's, as rdflib's parsers give it (a simple literal has no datatype).

    >>> import pyoxigraph as ox
    >>> rdflib_term(ox.Literal("x")), rdflib_term(ox.NamedNode("urn:a"))
    (rdflib.term.Literal('x'), rdflib.term.URIRef('urn:a'))
    """
    import pyoxigraph as ox

    if cache is not None:
        hit = cache.get(t)
        if hit is not None:
            return hit
    if isinstance(t, ox.NamedNode):
        out = URIRef(t.value)
    elif isinstance(t, ox.BlankNode):
        out = BNode(t.value)
    elif t.language:
        out = Literal(t.value, lang=t.language)
    elif t.datatype.value == str(XSD.string):
        out = Literal(t.value)
    else:
        out = Literal(t.value, datatype=URIRef(t.datatype.value))
    if cache is not None:
        cache[t] = out
    return out


def ox_term(t):
    """An rdflib term as pyoxigraph's (None stays None).

    >>> ox_term(Literal("x", lang="en")), ox_term(None)
    (<Literal value=x language=en>, None)
    """
    import pyoxigraph as ox

    if t is None or isinstance(t, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return t
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if t.language:
        return ox.Literal(str(t), language=t.language)
    return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)) if t.datatype else None)


def sort_key(t) -> tuple:
    """rdflib's order of terms (blank nodes, then IRIs, then literals; by text within a kind).

    >>> import pyoxigraph as ox
    >>> sorted([ox.NamedNode("urn:a"), ox.BlankNode("b")], key=sort_key)
    [<BlankNode value=b>, <NamedNode value=urn:a>]
    """
    import pyoxigraph as ox

    return ({ox.BlankNode: 0, ox.NamedNode: 1}.get(type(t), 2), t.value)


class StoreDescriber:
    """``describe`` for :func:`graph.validate_report.findings_from`: (label, evidence) of each
    (focus, path, value), read in a store (the union of its graphs)."""

    def __init__(self, store):
        self.store = store

    # ------------------------------------------------------------------ lookups, many nodes at once

    def _pairs(self, nodes, pred, forward: bool) -> dict:
        """node -> the objects (forward) or subjects of ``pred`` with that node, over the union graph."""
        import pyoxigraph as ox

        out: dict = defaultdict(list)
        nodes = sorted(set(nodes), key=sort_key)
        # a literal has no properties; a blank node cannot be bound in SPARQL text (read below)
        bound = [n for n in nodes if not isinstance(n, ox.BlankNode) and not (forward and isinstance(n, ox.Literal))]
        pattern = f"?n {ox.NamedNode(str(pred))} ?x" if forward else f"?x {ox.NamedNode(str(pred))} ?n"
        for i in range(0, len(bound), _CHUNK):
            values = " ".join(str(n) for n in bound[i:i + _CHUNK])
            for row in self.store.query(f"SELECT ?n ?x WHERE {{ VALUES ?n {{ {values} }} {pattern} }}",
                                        use_default_graph_as_union=True):
                out[row["n"]].append(row["x"])
        for n in nodes:  # a blank node cannot be bound in SPARQL text: read the store's index
            if isinstance(n, ox.BlankNode):
                quads = self.store.quads_for_pattern(n, ox.NamedNode(str(pred)), None) if forward else \
                    self.store.quads_for_pattern(None, ox.NamedNode(str(pred)), n)
                out[n] += [q.object if forward else q.subject for q in quads]
        return out

    def _statements_of_facts(self, facts) -> dict:
        """(subject, property, object) -> the statements (akg:Statement nodes) that state it."""
        import pyoxigraph as ox

        out: dict = defaultdict(list)
        facts = sorted(set(facts), key=lambda f: tuple(sort_key(t) for t in f))
        bound = [f for f in facts if not any(isinstance(t, ox.BlankNode) for t in f)]
        s, p, o = (ox.NamedNode(str(x)) for x in (AKG.statementSubject, AKG.statementProperty, AKG.statementObject))
        for i in range(0, len(bound), _CHUNK):
            values = " ".join(f"({f[0]} {f[1]} {f[2]})" for f in bound[i:i + _CHUNK])
            query = f"SELECT ?f ?p ?v ?st WHERE {{ VALUES (?f ?p ?v) {{ {values} }} ?st {s} ?f ; {p} ?p ; {o} ?v }}"
            for row in self.store.query(query, use_default_graph_as_union=True):
                out[(row["f"], row["p"], row["v"])].append(row["st"])
        for f in facts:
            if f not in bound:
                for q in self.store.quads_for_pattern(None, s, f[0]):
                    if any(True for _ in self.store.quads_for_pattern(q.subject, p, f[1])) and \
                            any(True for _ in self.store.quads_for_pattern(q.subject, o, f[2])):
                        out[f].append(q.subject)
        return out

    # ------------------------------------------------------------------ describe

    def __call__(self, items) -> list[tuple[str, str]]:
        import pyoxigraph as ox

        items = [(ox_term(f), p, ox_term(v)) for f, p, v in items]
        nodes = {n for f, _p, v in items for n in (f, v) if n is not None and not isinstance(n, ox.Literal)}
        labels = self._pairs([f for f, _p, _v in items if f is not None], RDFS.label, True)
        types = self._pairs(nodes, RDF.type, True)
        owners = self._pairs(nodes, OA.hasSelector, False)
        facts = {(f, ox.NamedNode(str(p)), v) for f, p, v in items
                 if isinstance(p, URIRef) and v is not None and f is not None}
        stated = self._statements_of_facts(facts)
        # what each finding reads its evidence from: ("evidence", node) or ("statement", node)
        plans = [self._plan(f, p, v, types, owners, stated) for f, p, v in items]
        statements = {n for plan in plans if plan and plan[0] == "statement" for n in [plan[1]]}
        derived = self._pairs(statements, PROV.wasDerivedFrom, True)
        evidence = {n for plan in plans if plan and plan[0] == "evidence" for n in [plan[1]]}
        evidence |= {e for st in statements for e in derived.get(st, [])}
        selectors = self._pairs(evidence, OA.hasSelector, True)
        exacts = self._pairs({s for e in evidence for s in selectors.get(e, [])}, OA.exact, True)

        def quote(ev) -> str:
            for sel in sorted(set(selectors.get(ev, [])), key=sort_key):
                texts = [x.value for x in exacts.get(sel, [])]
                if texts:
                    return min(texts)
            return ""

        def statement_quote(st) -> str:
            for ev in sorted(set(derived.get(st, [])), key=sort_key):
                q = quote(ev)
                if q:
                    return q
            return ""

        out = []
        for (f, _p, _v), plan in zip(items, plans):
            label = min((x.value for x in labels.get(f, [])), default="") if f is not None else ""
            text = "" if plan is None else quote(plan[1]) if plan[0] == "evidence" else statement_quote(plan[1])
            out.append((label, text))
        return out

    @staticmethod
    def _plan(focus, path, value, types, owners, stated):
        """Where :func:`graph.validate_report.evidence_for` finds the sentence of one finding."""
        import pyoxigraph as ox

        evidence, statement = ox.NamedNode(str(AKG.Evidence)), ox.NamedNode(str(AKG.Statement))
        for node in (value, focus):
            if node is None or isinstance(node, ox.Literal):
                continue
            if evidence in types.get(node, []):
                return ("evidence", node)
            if statement in types.get(node, []):
                return ("statement", node)
            if owners.get(node):
                return ("evidence", min(owners[node], key=sort_key))
        if isinstance(path, URIRef) and value is not None and focus is not None:
            matches = stated.get((focus, ox.NamedNode(str(path)), value), [])
            if matches:
                return ("statement", min(matches, key=sort_key))
        return None


def dataset_store(ds):
    """An rdflib Dataset's quads in a new in-memory pyoxigraph Store, each in its named graph (the
    dataset's default graph in the store's default graph).

    >>> from rdflib import Dataset
    >>> ds = Dataset()
    >>> _ = ds.graph(URIRef("urn:g")).add((URIRef("urn:s"), URIRef("urn:p"), Literal("o")))
    >>> [str(q) for q in dataset_store(ds)]
    ['<urn:s> <urn:p> "o" <urn:g>']
    """
    import pyoxigraph as ox
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    store, cache = ox.Store(), {}

    def term(t):
        hit = cache.get(t)
        if hit is None:
            hit = cache[t] = ox_term(t)
        return hit

    def quads():
        for s, p, o, c in ds.quads((None, None, None, None)):
            name = getattr(c, "identifier", c)
            graph = ox.DefaultGraph() if name is None or name == DATASET_DEFAULT_GRAPH_ID else term(name)
            yield ox.Quad(term(s), term(p), term(o), graph)

    store.bulk_extend(quads())
    return store
