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

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SH, XSD

from .errors import KGError, OntologyError, QuerySyntaxError, ValidationFailed, not_text
from .rdfio import QUAD_FORMATS, check_graph_file, rdflib_format, remote_context_hint
from .namespaces import AKG, OA, PREFIXES
from .resources import shapes_path

SHAPES_FILE = shapes_path()

#: severities in report order
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
#: graph file formats by extension


@dataclass(frozen=True)
class Finding:
    """One validation result, in terms a reader of the report can act on."""

    severity: str  #: Violation, Warning or Info
    focus: str  #: the node at fault (prefixed IRI)
    label: str  #: its rdfs:label, or ""
    path: str  #: the property path (SPARQL syntax), or ""
    value: str  #: the offending value, or ""
    message: str
    shape: str  #: the node shape that reported it (prefixed IRI), or ""
    constraint: str = ""  #: the constraint that failed: minCount, class, sparql, ...
    evidence: str = ""  #: the evidence sentence of the fact at fault, where there is one

    def sort_key(self) -> tuple:
        return (SEVERITY_ORDER.get(self.severity, 9), self.shape, self.focus, self.path, self.value, self.constraint,
                self.message)


@dataclass(frozen=True)
class ValidationReport:
    """All findings of one validation run, violations first."""

    findings: tuple[Finding, ...]
    shapes: str = ""  #: the shapes file used

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        """True when there is no violation (warnings allowed)."""
        return not self.violations




# --------------------------------------------------------------------------- loading


def _parse_error(exc: Exception, path, cls=KGError) -> KGError:
    raw = str(exc).strip()
    bad = re.search(r"Bad syntax \(([^)]*)\)", raw)
    text = f"bad syntax ({bad.group(1)})" if bad else (raw.splitlines()[0][:200] if raw else type(exc).__name__)
    m = re.search(r"line (\d+)", raw)
    return cls(f"cannot parse: {text}", path=path, line=int(m.group(1)) if m else None)


def load_shapes(path: str | Path = SHAPES_FILE) -> Graph:
    """Parse a SHACL shapes file (Turtle); errors name the file and line."""
    path = Path(path)
    if not path.is_file():
        raise OntologyError("shapes file not found", path=path)
    g = Graph()
    try:
        g.parse(str(path), format="turtle")
    except Exception as exc:
        raise _parse_error(exc, path, OntologyError) from None
    if not any(g.subjects(RDF.type, SH.NodeShape)):
        raise OntologyError("no sh:NodeShape in the shapes file", path=path)
    return g


def union_graph(ds: Dataset) -> Graph:
    """All triples of all graphs of a dataset in one graph."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
    for s, p, o, _c in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def load_graph(path: str | Path) -> Graph:
    """Read a graph file (.ttl, .trig, .nq, .nt, .jsonld, ...) as one graph (named graphs merged)."""
    path = check_graph_file(path)
    fmt = rdflib_format(path)
    base = path.absolute().as_uri()  # relative IRIs resolve against the file, as rdflib does with a path
    try:
        # opened here, not by rdflib from a name: a file name that is not UTF-8 is read all the same
        with open(path, "rb") as fh:
            if fmt == "json-ld":  # read by Oxigraph as the other commands do: a remote @context is refused
                return _jsonld_graph(fh, base)
            if fmt in QUAD_FORMATS:
                ds = Dataset()
                ds.parse(fh, format=fmt, publicID=base)
                return union_graph(ds)
            g = Graph()
            for prefix, ns in PREFIXES.items():
                g.bind(prefix, ns, override=True, replace=True)
            g.parse(fh, format=fmt, publicID=base)
            return g
    except Exception as exc:
        raise _parse_error(exc, path) from None


def _jsonld_graph(fh, base: str) -> Graph:
    """A JSON-LD file as one rdflib graph (named graphs merged), parsed by Oxigraph: it never fetches a
    remote ``@context`` (rdflib's JSON-LD parser would request any URL the file names)."""
    import pyoxigraph as ox


    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
    try:
        quads = list(ox.parse(fh, format=ox.RdfFormat.JSON_LD, base_iri=base))
    except (SyntaxError, ValueError) as exc:
        raise ValueError(remote_context_hint(exc)) from None
    def term(t):  # as rdflib's own parsers give terms: a simple literal has no datatype
        if isinstance(t, ox.Literal) and not t.language and t.datatype.value == str(XSD.string):
            return Literal(t.value)
        return _rdflib_term(t)

    g.addN((term(q.subject), term(q.predicate), term(q.object), g) for q in quads)
    return g


# --------------------------------------------------------------------------- findings


def _short(g: Graph, node) -> str:
    if node is None:
        return ""
    if isinstance(node, Literal):
        return node.n3(g.namespace_manager) if node.datatype else repr(str(node))
    if isinstance(node, URIRef):
        return node.n3(g.namespace_manager)
    return "[]"


def path_text(shapes: Graph, path) -> str:
    """A SHACL property path in SPARQL syntax: ``akg:locatedIn+``, ``^akg:statementSubject``, ``a|b``."""
    if path is None:
        return ""
    if isinstance(path, URIRef):
        return _short(shapes, path)
    for pred, fmt in ((SH.oneOrMorePath, "{}+"), (SH.zeroOrMorePath, "{}*"), (SH.zeroOrOnePath, "{}?"), (SH.inversePath, "^{}")):
        inner = shapes.value(path, pred)
        if inner is not None:
            return fmt.format(path_text(shapes, inner))
    alt = shapes.value(path, SH.alternativePath)
    if alt is not None:
        from rdflib.collection import Collection

        return "(" + "|".join(path_text(shapes, p) for p in Collection(shapes, alt)) + ")"
    if shapes.value(path, RDF.first) is not None:
        from rdflib.collection import Collection

        return "/".join(path_text(shapes, p) for p in Collection(shapes, path))
    return "[]"


def _specific_message(messages: list[str], shapes: Graph, node_shape) -> str:
    """The most specific of a result's messages: a constraint's or property shape's own message
    rather than the general message of its node shape (pyshacl reports both)."""
    general = {str(m) for m in shapes.objects(node_shape, SH.message)} if node_shape is not None else set()
    specific = [m for m in messages if m not in general]
    return (specific or messages or [""])[0]


def _node_shape(shapes: Graph, shape) -> URIRef | None:
    """The named node shape a (possibly blank) result shape belongs to."""
    seen = set()
    while shape is not None and not isinstance(shape, URIRef) and shape not in seen:
        seen.add(shape)
        shape = shapes.value(None, SH.property, shape) or shapes.value(None, SH.sparql, shape)
    return shape


def _quote(data: Graph, evidence) -> str:
    for sel in sorted(data.objects(evidence, OA.hasSelector)):
        exact = data.value(sel, OA.exact)
        if exact is not None:
            return str(exact)
    return ""


def _statement_quote(data: Graph, stmt) -> str:
    for ev in sorted(data.objects(stmt, PROV.wasDerivedFrom)):
        q = _quote(data, ev)
        if q:
            return q
    return ""


def evidence_for(data: Graph, focus, path, value) -> str:
    """The evidence sentence behind a finding: of the focus or value (evidence, statement, selector) or of its fact."""
    for node in (value, focus):
        if node is None or isinstance(node, Literal):
            continue
        if (node, RDF.type, AKG.Evidence) in data:
            return _quote(data, node)
        if (node, RDF.type, AKG.Statement) in data:
            return _statement_quote(data, node)
        owner = data.value(None, OA.hasSelector, node)
        if owner is not None:
            return _quote(data, owner)
    if isinstance(path, URIRef) and value is not None:
        for stmt in sorted(data.subjects(AKG.statementSubject, focus)):
            if (stmt, AKG.statementProperty, path) in data and (stmt, AKG.statementObject, value) in data:
                return _statement_quote(data, stmt)
    return ""


def findings_from(results: Graph, data: Graph, shapes: Graph) -> list[Finding]:
    """Readable findings from a pyshacl results graph."""
    out = set()
    for r in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(r, SH.focusNode)
        path = results.value(r, SH.resultPath)
        value = results.value(r, SH.value)
        severity = results.value(r, SH.resultSeverity)
        messages = sorted(str(m) for m in results.objects(r, SH.resultMessage))
        shape = _node_shape(shapes, results.value(r, SH.sourceShape))
        component = str(results.value(r, SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1]
        component = component.removesuffix("ConstraintComponent")
        component = component.lower() if component.isupper() else component[:1].lower() + component[1:]
        label = data.value(focus, RDFS.label) if focus is not None else None
        # pyshacl copies blank-node paths into the results graph; read them there
        ptext = path_text(results if isinstance(path, BNode) else shapes, path)
        out.add(Finding(
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            focus=_short(data, focus),
            label=str(label) if label is not None else "",
            path=ptext,
            value=_short(data, value),
            message=_specific_message(messages, shapes, shape),
            shape=_short(shapes, shape),
            constraint=component,
            evidence=evidence_for(data, focus, path, value),
        ))
    return sorted(out, key=Finding.sort_key)


# --------------------------------------------------------------------------- SHACL-SPARQL on Oxigraph


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


def run_sparql_checks(checks: list[SparqlCheck], store, data: Graph, shapes: Graph) -> list[Finding]:
    """Run SHACL-SPARQL constraints on Oxigraph with the semantics of SHACL 5.3: ``$this`` is bound
    to each focus node (by a VALUES block, see :func:`graph.query.bind_params`), every solution is a
    result with ``?value`` (and ``?path``) as its value, and ``{?var}`` in the message is replaced by
    the solution's value for ``var``."""
    from .query import NamedQuery, Param

    this = Param("this", "this", kind="iri")
    out = set()
    for check in checks:
        query = NamedQuery(f"SHACL-SPARQL constraint of {check.shape}", None, check.select, params=[this])
        for focus in check.focus_nodes:
            result = query.prepare({"this": str(focus)}).run(store)
            names = result.variables
            for sol in result.bindings():
                values = {n: _rdflib_term(sol[n]) for n in names if sol[n] is not None}
                value, path = values.get("value"), values.get("path")
                messages = [_fill(m, values, focus) for m in check.messages] or \
                    sorted(str(m) for m in shapes.objects(check.shape, SH.message))
                label = data.value(focus, RDFS.label)
                out.add(Finding(
                    severity=check.severity, focus=_short(data, focus), label=str(label) if label is not None else "",
                    path=path_text(shapes, path) if isinstance(path, URIRef) else "", value=_short(data, value),
                    message=messages[0] if messages else "", shape=_short(shapes, check.shape), constraint="sparql",
                    evidence=evidence_for(data, focus, path, value),
                ))
    return sorted(out, key=Finding.sort_key)


def _fill(message: str, values: dict, focus) -> str:
    values = {"this": focus, **values}
    return re.sub(r"\{[?$](\w+)\}", lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), message)


# --------------------------------------------------------------------------- validating


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


def format_finding(f: Finding) -> str:
    """A finding as a few readable lines.

    >>> print(format_finding(Finding("Violation", "akr:x", "X", "akg:wikidata", "wd:Q1", "Bad.", "akgsh:S", "pattern")))
    Violation: akr:x (X)  akg:wikidata = wd:Q1
      Bad.  [akgsh:S, pattern]
    """
    head = f"{f.severity}: {f.focus}" + (f" ({f.label})" if f.label else "")
    if f.path:
        head += f"  {f.path}" + (f" = {f.value}" if f.value else "")
    elif f.value:
        head += f"  value {f.value}"
    where = ", ".join(x for x in (f.shape, f.constraint) if x)
    lines = [head, f"  {f.message}" + (f"  [{where}]" if where else "")]
    if f.evidence:
        lines.append(f"  evidence: \"{' '.join(f.evidence.split())}\"")
    return "\n".join(lines)


def format_report(report: ValidationReport, findings=None) -> str:
    """The findings (default: all) as text, one block per finding."""
    items = report.findings if findings is None else findings
    return "\n".join(format_finding(f) for f in items)


__all__ = [
    "SHAPES_FILE", "Finding", "ValidationReport", "ValidationFailed", "load_shapes", "load_graph", "union_graph",
    "validate_graph", "validate_dataset", "split_sparql_checks", "run_sparql_checks", "oxigraph_store", "validate_file", "require_conformance", "format_finding", "format_report",
]
