"""The validation report: findings in terms a reader can act on, read from a pyshacl results
graph (the node at fault and its label, the property path, the value, the most specific message,
the shape, the evidence sentence of the fact at fault), and their text as ``kg validate`` prints it.

>>> report = ValidationReport((Finding("Warning", "akr:x", "X", "", "", "No fact.", "akgsh:S"),))
>>> report.conforms, len(report.warnings)
(True, 1)
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SH

from .namespaces import AKG, OA

#: severities in report order
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


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


# --------------------------------------------------------------------------- findings from pyshacl's results


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


def _first(values) -> str | None:
    """The least of some values as text (a node with two labels or quotes gives the same one every run)."""
    return min((str(v) for v in values), default=None)


def _quote(data: Graph, evidence) -> str:
    for sel in sorted(data.objects(evidence, OA.hasSelector)):
        exact = _first(data.objects(sel, OA.exact))
        if exact is not None:
            return exact
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
        owner = next(iter(sorted(data.subjects(OA.hasSelector, node))), None)
        if owner is not None:
            return _quote(data, owner)
    if isinstance(path, URIRef) and value is not None:
        for stmt in sorted(data.subjects(AKG.statementSubject, focus)):
            if (stmt, AKG.statementProperty, path) in data and (stmt, AKG.statementObject, value) in data:
                return _statement_quote(data, stmt)
    return ""


def label_of(data: Graph, node) -> str:
    """A node's rdfs:label (the least, if it has several), or ""."""
    return (_first(data.objects(node, RDFS.label)) or "") if node is not None else ""


def describe_in(data: Graph):
    """The default ``describe`` of :func:`findings_from`: the (label, evidence) of each (focus, path, value),
    read in ``data``."""
    return lambda items: [(label_of(data, f), evidence_for(data, f, p, v)) for f, p, v in items]


def findings_from(results: Graph, data: Graph, shapes: Graph, describe=None) -> list[Finding]:
    """Readable findings from a pyshacl results graph. ``describe`` gives the (label, evidence) of a
    list of (focus, path, value) at once (default: read in ``data``, :func:`describe_in`)."""
    rows = [(r, results.value(r, SH.focusNode), results.value(r, SH.resultPath), results.value(r, SH.value))
            for r in results.subjects(RDF.type, SH.ValidationResult)]
    about = (describe or describe_in(data))([(f, p, v) for _r, f, p, v in rows])
    out = set()
    for (r, focus, path, value), (label, evidence) in zip(rows, about):
        severity = results.value(r, SH.resultSeverity)
        messages = sorted(str(m) for m in results.objects(r, SH.resultMessage))
        shape = _node_shape(shapes, results.value(r, SH.sourceShape))
        component = str(results.value(r, SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1]
        component = component.removesuffix("ConstraintComponent")
        component = component.lower() if component.isupper() else component[:1].lower() + component[1:]
        # pyshacl copies blank-node paths into the results graph; read them there
        ptext = path_text(results if isinstance(path, BNode) else shapes, path)
        out.add(Finding(
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            focus=_short(data, focus),
            label=label,
            path=ptext,
            value=_short(data, value),
            message=_specific_message(messages, shapes, shape),
            shape=_short(shapes, shape),
            constraint=component,
            evidence=evidence,
        ))
    return sorted(out, key=Finding.sort_key)


# --------------------------------------------------------------------------- the report as text


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
