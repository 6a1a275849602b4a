"""SHACL validation of a build's spool (:class:`graph.spool.QuadSpool`) in bounded memory and time:
the findings :func:`graph.validate_scaled.validate_store_scaled` (and so pyshacl over the whole graph)
gives, without loading every document into one store.

* The *document-local* checks (the compiled node shapes that target evidence, selectors and documents,
  and the whole-graph SPARQL checks) run per batch of document graphs (:data:`BATCH_QUADS` quads) on a
  small in-memory store, first, by ``jobs`` forked processes.
* Everything else runs after them on one *global* store: the graphs that are not document graphs
  (only the triples whose predicate some check or description can read: :func:`sparql_reads`), plus
  what the document graphs say that global checks read: ``prov:wasDerivedFrom`` links with the types
  of the evidence, and of each document node that a global path reaches backwards (``^akg:mentions``),
  its types and the properties on the global shapes' paths. Where every check reads such links only as
  *at least one* (:func:`graph.validate_links.thinned`), one link per global node is kept (of 3.7
  million evidence links at 100,000 documents, one per statement); a finding's description reads
  every link again from the batches.

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

from hashlib import blake2b
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
from .validate_links import reachable, sparql_reads, thinned
from .validate_sparql import run_sparql_checks, split_sparql_checks
from .validate_store_terms import StoreDescriber

#: the graphs of documents: what the batches hold
DOC_GRAPH_PREFIX = "https://w3id.org/alliance-kg/graph/doc/"
#: the classes whose node shapes run per batch of documents
LOCAL_CLASSES = (AKG.Evidence, OA.TextQuoteSelector, OA.TextPositionSelector, AKG.Document)
#: quads of document graphs per batch store (at about 420 bytes a quad, some 21 MB). Smaller batches took less
#: time as well as less memory: validating a 10,000-document spool, 14.1-14.8 s with 200,000 and 11.7-12.1 s
#: with 50,000 (two processes); 25,000 gained little more
BATCH_QUADS = 50_000
#: above this many quads the global store goes on disk (Oxigraph takes about 420 bytes a quad in memory,
#: so about 1 GB here; its on-disk bulk loader took more than that, 1.8 GB for 2.55 M quads)
GLOBAL_IN_MEMORY_QUADS = 2_500_000
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


def _hash(term: bytes) -> int:
    """A 64-bit hash of a term's text, the same in every process (hashes cross the batches' workers)."""
    return int.from_bytes(blake2b(term, digest_size=8).digest(), "little", signed=True)


def _hashes(store, query: str) -> list[int]:
    """Hashes of the one column a query selects (read as TSV text: no Python object per term)."""
    import pyoxigraph as ox

    text = _query(store, query).serialize(format=ox.QueryResultsFormat.TSV)
    return [_hash(line) for line in text.split(b"\n")[1:] if line]


def _pairs(store, query: str) -> list[tuple[str, str]]:
    """The rows of a query selecting two IRIs (N-Triples text each), read as TSV."""
    import pyoxigraph as ox

    text = _query(store, query).serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8")
    return [tuple(line.split("\t")) for line in text.split("\n")[1:] if line]


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
    return {o for n in reachable(shapes, roots) for o in shapes.objects(n) if isinstance(o, URIRef)}


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

    def __init__(self, core: Graph, shapes: Graph, subclasses, sparql_checks):
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
        roots = [s for s in targeted if s not in local_shapes]
        self.global_preds = _values(_objects_of(core, roots) | {RDF.type})
        # the links the global checks read: a statement's evidence (forward), and the predicates global
        # paths follow backwards (a document's akg:mentions); each with the classes that let it be thinned
        self.derived = thinned(core, roots, sparql_checks, PROV.wasDerivedFrom, forward=True)
        backwards = {p for n in reachable(core, roots) for x in core.objects(n, SH.inversePath)
                     for p in reachable(core, [x]) if isinstance(p, URIRef)}
        self.backwards = {p: thinned(core, roots, sparql_checks, p, forward=False) for p in sorted(backwards, key=str)}
        thin = {p for p, classes in self.backwards.items() if classes is not None}
        self.kept_preds = _values((_objects_of(core, roots) | {RDF.type}) - thin)
        patterns = [p for s in targeted if s not in local_shapes for p in _target_patterns(core, s, subclasses)]
        patterns += [f"?_s {_iri(RDFS.subClassOf)} ?_o .",
                     f"?_s {_DERIVED} ?_e ; ?_p ?_o . FILTER(?_p != {_DERIVED})",
                     f"?_s {_DERIVED} ?_e . FILTER(isLiteral(?_e))"]
        self.broken = "ASK { " + " UNION ".join("{ " + p + " }" for p in patterns) + " }"


def _foreign(store, preds: str | None) -> list[int]:
    """Hashes of the nodes that are objects (of ``preds``) in the store but subjects of nothing there."""
    where = f"VALUES ?p {{ {preds} }} " if preds is not None else ""
    return _hashes(store, f"SELECT DISTINCT ?o WHERE {{ {where}?s ?p ?o . FILTER(!isLiteral(?o)) "
                          "FILTER NOT EXISTS { ?o ?q ?w } }")


class _GlobalDescriber(StoreDescriber):
    """Describes findings of the global store, first copying in, from the batches, every evidence link of
    the statements they read (the global store may hold one per statement) and the quotes of that evidence."""

    def __init__(self, store, spool, batches):
        super().__init__(store)
        self.spool, self.batches, self.done = spool, batches, set()

    def __call__(self, items):
        nodes = {n for f, _p, v in items for n in (f, v) if isinstance(n, URIRef)} - self.done
        if nodes:
            self.done |= nodes
            values = _values(nodes)
            statements = {r[0] for r in _query(self.store, f"SELECT DISTINCT ?st WHERE {{ VALUES ?n {{ {values} }} "
                                                           f"?st {_iri(AKG.statementSubject)} ?n }}")}
            self._copy_evidence({_iri(n) for n in nodes} | {str(n) for n in statements if type(n).__name__ == "NamedNode"})
        return super().__call__(items)

    def _copy_evidence(self, asked: set[str]) -> None:
        import pyoxigraph as ox

        values = " ".join(sorted(asked))
        sel, exact = _iri(OA.hasSelector), _iri(OA.exact)
        for batch in self.batches:
            store = ox.Store()
            store.load(_text(self.spool, batch), format=ox.RdfFormat.N_TRIPLES)
            links = _query(store, f"CONSTRUCT {{ ?n {_DERIVED} ?e }} WHERE {{ VALUES ?n {{ {values} }} ?n {_DERIVED} ?e }}")
            links = links.serialize(format=ox.RdfFormat.N_TRIPLES)
            ends = {line[:-2].split(" ", 2)[2] for line in links.decode("utf-8").splitlines() if line}
            quoted = " ".join(sorted(asked | {e for e in ends if e.startswith("<")}))
            quotes = _query(store, f"CONSTRUCT {{ ?q {sel} ?s . ?s {exact} ?x }} WHERE {{ VALUES ?q {{ {quoted} }} "
                                   f"?q {sel} ?s . OPTIONAL {{ ?s {exact} ?x }} }}")
            self.store.load(links + quotes.serialize(format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES)


def _global_store(spool, graphs: list[str], extra_quads: int, wanted: set[str] | None):
    """The global graphs in a store (on disk above :data:`GLOBAL_IN_MEMORY_QUADS` with the copies
    ``extra_quads``). With ``wanted`` (predicates as N-Triples text), only the triples whose predicate is
    one of those: no check sees the others (the inferred ``schema:mentions`` of every document, say)."""
    import pyoxigraph as ox

    path = spool.dir / "validate-global.nq"
    size = 0
    with open(path, "w", encoding="utf-8") as fh:
        for g in graphs:
            suffix = f" {_iri(g)} .\n"
            for line in spool.iter_graph_lines(g):
                if wanted is None or line.split(" ", 2)[1] in wanted:
                    fh.write(line[:-1].rstrip() + suffix)
                    size += 1
    in_memory = size + extra_quads <= GLOBAL_IN_MEMORY_QUADS
    store = ox.Store() if in_memory else ox.Store(str(spool.dir / "validate-global"))
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    path.unlink()
    return store


def _schema_store(spool, graphs: list[str], binders: set[str]):
    """The ``rdfs:subClassOf`` and ``rdfs:label`` triples of the global graphs, in a small store: what
    splitting the shapes and describing the batches' findings read before the global store exists; and,
    read in the same pass, the objects of the predicates ``binders`` (the predicates a SPARQL check
    reads through a variable)."""
    import pyoxigraph as ox

    wanted = (f" {_iri(RDFS.subClassOf)} ", f" {_iri(RDFS.label)} ")
    store, bound = ox.Store(), set()
    for g in graphs:
        lines = []
        for line in spool.iter_graph_lines(g):
            if binders and line.split(" ", 2)[1] in binders:
                bound.add(line[:-2].split(" ", 2)[2])
            if any(w in line for w in wanted):
                lines.append(line)
        if lines:
            store.load("\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store, bound


# --------------------------------------------------------------------------- one batch

#: what the batches read, set before the workers fork (:func:`_run_batches`)
_CONTEXT: dict = {}


def _links(local, pattern: str, classes: tuple | None, near: str, far: str) -> tuple[list, list]:
    """(one link per near end whose far end has every class, every other link) of a pattern binding
    ?near and ?far; every link in the second list when ``classes`` is None (not thinned)."""
    if classes is None:
        return [], _pairs(local, f"SELECT ?{near} ?{far} WHERE {{ {pattern} }}")
    has = " ".join(f"?{far} {_TYPE} {_iri(c)} ." for c in classes)
    if not has:
        return _first(_pairs(local, f"SELECT ?{near} ?{far} WHERE {{ {pattern} }}")), []
    return (_first(_pairs(local, f"SELECT ?{near} ?{far} WHERE {{ {pattern} {has} }}")),
            _pairs(local, f"SELECT ?{near} ?{far} WHERE {{ {pattern} FILTER NOT EXISTS {{ {has} }} }}"))


def _first(pairs: list) -> list:
    """One pair per first element: the least second."""
    best: dict = {}
    for a, b in pairs:
        if a not in best or b < best[a]:
            best[a] = b
    return sorted(best.items())


def _props(local, pattern: str, node: str, preds: str) -> bytes:
    """N-Triples of the properties ``preds`` of the nodes bound to ?``node`` by ``pattern``."""
    import pyoxigraph as ox

    return _query(local, f"CONSTRUCT {{ ?{node} ?_p ?_o }} WHERE {{ {{ SELECT DISTINCT ?{node} WHERE {{ {pattern} }} }} "
                         f"VALUES ?_p {{ {preds} }} ?{node} ?_p ?_o }}").serialize(format=ox.RdfFormat.N_TRIPLES)


def _check_batch(batch: list[str]) -> dict:
    """Validate one batch of document graphs in its own store: its findings, the hashes of its nodes
    and of the nodes it links to elsewhere, and the links (with their far ends' properties) the global
    store needs. Runs in a worker (or in the build's process); reads :data:`_CONTEXT`."""
    import numpy as np
    import pyoxigraph as ox

    ctx = _CONTEXT
    spool, plan, shapes, data, checks = ctx["spool"], ctx["plan"], ctx["shapes"], ctx["data"], ctx["checks"]
    text = _text(spool, batch)
    if text.startswith(b"_:") or b"\n_:" in text or b"> _:" in text:  # a blank node (or a literal like one)
        return {"fallback": True}
    local = ox.Store()
    local.load(text, format=ox.RdfFormat.N_TRIPLES)
    if _query(local, plan.broken):
        return {"fallback": True}
    out: dict = {"fallback": False}
    # the statements' evidence, and what documents say of global nodes that global paths read backwards
    derived = f"?s {_DERIVED} ?e ."  # (a literal ?e: broken)
    out["derived"] = _links(local, derived, plan.derived, "s", "e")
    out["props"] = _props(local, derived, "e", plan.global_preds)
    out["backwards"] = {}
    for p, classes in plan.backwards.items():
        pattern = f"?d {_iri(p)} ?g . FILTER(!isLiteral(?g)) FILTER NOT EXISTS {{ ?g ?_a ?_b }}"
        out["backwards"][p] = _links(local, pattern, classes, "g", "d")
        out["props"] += _props(local, pattern, "d", plan.kept_preds)
    out["home"] = np.array(_hashes(local, f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o . FILTER(?p != {_DERIVED}) }}"),
                           dtype=np.int64)
    local.load(ctx["labels"], format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("urn:x-kg:validate:labels"))
    describe = StoreDescriber(local)
    out["findings"] = findings_of_rows(compiled_rows(plan.local, local), data, shapes, describe)
    out["findings"] += _sparql(checks, local, data, shapes, describe, ctx["name"])
    out["foreign"] = _foreign(local, plan.local_preds)
    return out


def _run_batches(batches: list, jobs: int):
    """The results of :func:`_check_batch`, in batch order; ``jobs`` processes when more than one."""
    if jobs <= 1 or len(batches) <= 1:
        yield from map(_check_batch, batches)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(min(jobs, len(batches)), mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(_check_batch, batches)


class _Kept:
    """The links from all batches the global store gets: every link, or (thinned) one per global node."""

    def __init__(self):
        self.seen: set = set()
        self.lines: list[str] = []
        self.nodes: set = set()

    def add(self, pred: str, parts: tuple[list, list], forward: bool) -> None:
        thin, chosen = parts
        chosen = list(chosen)
        for near, far in thin:
            if (pred, near) not in self.seen:
                self.seen.add((pred, near))
                chosen.append((near, far))
        for near, far in chosen:
            self.lines.append(f"{near} {pred} {far} ." if forward else f"{far} {pred} {near} .")
            self.nodes.add(far)

    def text(self, props: bytes) -> bytes:
        keep = [line for line in props.decode("utf-8").split("\n") if line and line.split(" ", 1)[0] in self.nodes]
        out = "\n".join(self.lines + keep).encode("utf-8")
        self.lines, self.nodes = [], set()
        return out


def _batched(spool, shapes: Graph, name: str, batch_quads: int, jobs: int = 1) -> ValidationReport:
    import numpy as np
    import pyoxigraph as ox
    import pyshacl  # lazy: slow to import

    docs = [g for g in spool.graphs() if g.startswith(DOC_GRAPH_PREFIX)]
    shared = [g for g in spool.graphs() if not g.startswith(DOC_GRAPH_PREFIX)]
    core, sparql_checks = split_sparql_checks(shapes)
    # the predicates some check or description can read (None: any); the global store holds no others
    reads = sparql_reads([c.select for c in sparql_checks])
    schema, bound = _schema_store(spool, shared, {_iri(p) for p in reads[1]} if reads is not None else set())
    wanted = None
    if reads is not None:
        named = {t for triple in shapes for t in triple if isinstance(t, URIRef)}
        wanted = {_iri(p) for p in reads[0] | named | {RDF.type, RDFS.subClassOf, *_DESCRIBED}} | bound
    subclasses = _subclasses(schema)
    plan = _Plan(core, shapes, subclasses, sparql_checks)
    data = Graph()
    for prefix, ns in PREFIXES.items():
        data.bind(prefix, ns, override=True, replace=True)
    # the labels of the SPARQL checks' focus nodes (the ontology), which their findings show
    focus = _values({n for c in sparql_checks for n in c.focus_nodes})
    labels = _query(schema, f"CONSTRUCT {{ ?f {_iri(RDFS.label)} ?l }} WHERE {{ VALUES ?f {{ {focus} }} "
                            f"?f {_iri(RDFS.label)} ?l }}").serialize(format=ox.RdfFormat.N_TRIPLES) if focus else b""
    del schema
    batches = list(_batches(spool, docs, batch_quads))
    spool.finish()  # nothing left in the write buffer for a forked worker to flush again
    _CONTEXT.update(spool=spool, plan=plan, shapes=shapes, data=data, checks=sparql_checks, labels=labels, name=name)
    homes, foreign, findings, copies, kept = [], [], [], [], _Kept()
    try:
        for result in _run_batches(batches, jobs):
            if result["fallback"]:
                raise _Fallback
            findings += result["findings"]
            homes.append(result["home"])
            foreign += result["foreign"]
            kept.add(_DERIVED, result["derived"], forward=True)
            for pred, parts in result["backwards"].items():
                kept.add(_iri(pred), parts, forward=False)
            copies.append(kept.text(result["props"]))
    finally:
        _CONTEXT.clear()
    store = _global_store(spool, shared, sum(c.count(b"\n") + 1 for c in copies), wanted)
    # the global nodes with triples that some check or description reads (not, say, schema:mentions)
    read = f"{plan.local_preds} {plan.global_preds} {_values(_DESCRIBED)}"
    global_subjects = _hashes(store, f"SELECT DISTINCT ?s WHERE {{ VALUES ?p {{ {read} }} ?s ?p ?o }}")
    global_foreign = _foreign(store, None)
    for text in copies:
        if text:
            store.load(text, format=ox.RdfFormat.N_TRIPLES)
    del copies
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


def validate_spool(spool, shapes: Graph | str | Path = SHAPES_FILE, *, batch_quads: int | None = None,
                   jobs: int = 1) -> ValidationReport:
    """Validate a build's spool against the shapes: the report of
    :func:`graph.validate_scaled.validate_store_scaled` on ``spool.oxigraph()``, document graphs read in
    batches of ``batch_quads`` quads (default :data:`BATCH_QUADS`; see the module's text), by ``jobs``
    processes (forked; the findings are the same for any number).

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
        return _batched(spool, graph, name, batch_quads or BATCH_QUADS, jobs)
    except _Fallback:
        return validate_store_scaled(spool.oxigraph(), graph if not name else shapes)
    except OntologyError as exc:  # a shape the compiler does not take: name the shapes file
        raise type(exc)(exc.message, path=name or exc.path) from None
