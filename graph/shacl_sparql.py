"""SHACL core to SPARQL: the node shapes of the scale-heavy nodes (statements, evidence, selectors,
documents) compiled to SELECT queries that Oxigraph runs on the whole store, each returning what
pyshacl reports for one constraint (focus node, value), with the same semantics.

Only the constraint components those shapes use are compiled: ``sh:minCount``, ``sh:maxCount``,
``sh:datatype`` (``xsd:string``, ``xsd:integer``), ``sh:nodeKind``, ``sh:class``,
``sh:minInclusive``/``sh:maxInclusive``, ``sh:minLength``, ``sh:pattern``, ``sh:qualifiedValueShape``
(with ``sh:qualifiedMinCount``/``sh:qualifiedMaxCount``) and ``sh:or``; a nested shape (of ``sh:or`` or
``sh:qualifiedValueShape``) may use the value tests among them and property shapes with those.
Anything else raises :class:`UnsupportedShape`, naming the shape and the component, so that a new
shape is never skipped in silence. Constants of the shapes (classes, bounds, patterns) are written
into the query as RDF terms serialised by pyoxigraph.

>>> from graph.validate_load import load_shapes
>>> shapes = load_shapes()
>>> checks = compile_node_shape(shapes, AKGSH.TextQuoteSelectorShape)
>>> [(c.constraint, c.has_value) for c in checks]
[('minCount', False), ('maxCount', False), ('datatype', True), ('minLength', True)]
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD

from .errors import OntologyError

AKGSH = Namespace("https://w3id.org/alliance-kg/shapes#")

_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
#: what a shape may say besides its constraints (read here or by the report, or not about validation)
_NOT_CONSTRAINTS = {SH.message, SH.severity, SH.path, SH.deactivated, SH.name, SH.description,
                    SH.order, SH.group, SH.defaultValue, SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount,
                    *_TARGETS}
_VALUE_TESTS = (SH["class"], SH.datatype, SH.nodeKind, SH.minInclusive, SH.maxInclusive, SH.minLength,
                SH.pattern, SH["or"])
_NODE_KINDS = {SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
               SH.BlankNodeOrIRI: "!isLiteral({v})", SH.BlankNodeOrLiteral: "!isIRI({v})",
               SH.IRIOrLiteral: "!isBlank({v})"}
#: datatypes whose test is exact against pyshacl (rdflib's well-formedness included)
_DATATYPES = {XSD.string: "", XSD.integer: ' && REGEX(STR({v}), "^[+-]?[0-9]+$")'}


class UnsupportedShape(OntologyError):
    """A shape uses a SHACL feature the SPARQL compiler does not translate."""


@dataclass(frozen=True)
class CompiledCheck:
    """One constraint of one shape as a SELECT query: each solution is a result (``?this``, ``?value``)."""

    shape: object  #: the shape that holds the constraint (property shape or node shape)
    path: object  #: its sh:path (rdflib node), or None for a node-level constraint
    component: URIRef  #: the constraint component, as pyshacl names it in its results
    severity: URIRef
    messages: tuple[str, ...]
    query: str
    has_value: bool  #: the result has a value (``?value``; a node-level one: the focus node)

    @property
    def constraint(self) -> str:
        """The component's short name, as the report gives it: minCount, class, qualifiedMaxCount, ..."""
        return constraint_name(self.component)


def constraint_name(component) -> str:
    """``sh:MinCountConstraintComponent`` -> ``minCount`` (as :func:`graph.validate_report.findings_from`).

    >>> constraint_name(SH.QualifiedMaxCountConstraintComponent), constraint_name(SH.OrConstraintComponent)
    ('qualifiedMaxCount', 'or')
    """
    name = str(component or "").rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    return name.lower() if name.isupper() else name[:1].lower() + name[1:]


def _iri(node) -> str:
    import pyoxigraph as ox

    return str(ox.NamedNode(str(node)))


def _term(node) -> str:
    """An rdflib term of the shapes as SPARQL text (pyoxigraph's N-Triples serialisation)."""
    import pyoxigraph as ox

    if isinstance(node, URIRef):
        return _iri(node)
    if isinstance(node, Literal):
        if node.language:
            return str(ox.Literal(str(node), language=node.language))
        return str(ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype or XSD.string))))
    raise ValueError(f"no SPARQL term for {node!r}")


def _name(shapes: Graph, shape) -> str:
    """A shape as the error names it: ``akgsh:EvidenceShape``, ``akgsh:EvidenceShape (property akg:rule)``."""
    from .validate_report import path_text

    if isinstance(shape, URIRef):
        return shape.n3(shapes.namespace_manager)
    parent = shapes.value(None, SH.property, shape)
    if parent is not None:
        return f"{_name(shapes, parent)} (property {path_text(shapes, shapes.value(shape, SH.path))})"
    owner = shape
    while owner is not None and (owner == shape or shapes.value(owner, RDF.first) is not None):  # up the lists
        owner = next(iter(shapes.subjects(None, owner)), None)
    return f"a shape inside {_name(shapes, owner)}" if owner is not None else "a blank node shape"


def _unsupported(shapes, shape, what: str) -> UnsupportedShape:
    return UnsupportedShape(f"shape {_name(shapes, shape)} uses {what}, which the scaled validator does not "
                            "compile to SPARQL; validate this graph with pyshacl (graph.validate)")


def _active(shapes: Graph, shape) -> bool:
    d = shapes.value(shape, SH.deactivated)
    return not (isinstance(d, Literal) and d.toPython() is True)


def _check_known(shapes: Graph, shape, allowed) -> None:
    """Raise for any SHACL predicate of ``shape`` that is neither a constraint in ``allowed`` nor read here."""
    for p in sorted(set(shapes.predicates(shape, None))):
        if str(p).startswith(str(SH)) and p not in allowed and p not in _NOT_CONSTRAINTS:
            raise _unsupported(shapes, shape, p.n3(shapes.namespace_manager))


# --------------------------------------------------------------------------- paths and targets


def sparql_path(shapes: Graph, path, shape=None) -> str:
    """A SHACL property path as a SPARQL property path.

    >>> g = Graph().parse(data="[] <urn:p> [ <http://www.w3.org/ns/shacl#inversePath> <urn:q> ] .", format="turtle")
    >>> sparql_path(g, next(g.objects(None, URIRef("urn:p"))))
    '^(<urn:q>)'
    """
    if isinstance(path, URIRef):
        return _iri(path)
    for pred, fmt in ((SH.inversePath, "^({})"), (SH.oneOrMorePath, "({})+"), (SH.zeroOrMorePath, "({})*"),
                      (SH.zeroOrOnePath, "({})?")):
        inner = shapes.value(path, pred)
        if inner is not None:
            return fmt.format(sparql_path(shapes, inner, shape))
    alt = shapes.value(path, SH.alternativePath)
    if alt is not None:
        return "(" + "|".join(sparql_path(shapes, p, shape) for p in Collection(shapes, alt)) + ")"
    if isinstance(path, BNode) and shapes.value(path, RDF.first) is not None:
        return "(" + "/".join(sparql_path(shapes, p, shape) for p in Collection(shapes, path)) + ")"
    raise _unsupported(shapes, shape, "a property path that is not SHACL syntax")


def has_inverse_step(shapes: Graph, path) -> bool:
    """Whether a SHACL path goes backwards anywhere (``sh:inversePath``): its values are the subjects of triples.

    >>> text = "[] <urn:p> ( <urn:a> [ <http://www.w3.org/ns/shacl#inversePath> <urn:b> ] ) ."
    >>> g = Graph().parse(data=text, format="turtle")
    >>> has_inverse_step(g, next(g.objects(None, URIRef("urn:p")))), has_inverse_step(g, URIRef("urn:a"))
    (True, False)
    """
    if path is None or isinstance(path, URIRef):
        return False
    if shapes.value(path, SH.inversePath) is not None:
        return True
    inner = [shapes.value(path, p) for p in (SH.oneOrMorePath, SH.zeroOrMorePath, SH.zeroOrOnePath)]
    alt = shapes.value(path, SH.alternativePath)
    if alt is not None:
        inner += list(Collection(shapes, alt))
    if shapes.value(path, RDF.first) is not None:
        inner += list(Collection(shapes, path))
    return any(has_inverse_step(shapes, p) for p in inner if p is not None)


def _instances(var: str, cls, subclasses, bound: bool = True) -> str:
    """A pattern: ``var`` is a SHACL instance of ``cls`` (``rdf:type/rdfs:subClassOf*``). With the
    subclasses known, a ``bound`` variable is tested against them (FILTER IN), an unbound one is found
    class by class (UNION): Oxigraph then reads its type index, and does not scan every type."""
    if subclasses is None:
        return f"{var} {_TYPE} {_iri(cls)} ."
    classes = subclasses(cls)
    if len(classes) == 1:
        return f"{var} {_RDF_TYPE} {_iri(classes[0])} ."
    if bound:
        return f"{var} {_RDF_TYPE} ?_c . FILTER(?_c IN ({', '.join(_iri(c) for c in classes)}))"
    return " UNION ".join(f"{{ {var} {_RDF_TYPE} {_iri(c)} . }}" for c in classes)


def focus_pattern(shapes: Graph, shape, subclasses=None) -> str:
    """A group pattern binding ``?this`` to each focus node of a shape's targets (once each when
    the targets could give a node twice). ``subclasses(cls)`` gives ``cls`` and its subclasses
    in the data (default: a property path finds them).

    >>> from graph.validate_load import load_shapes
    >>> focus_pattern(load_shapes(), AKGSH.DocumentShape, lambda c: (str(c),))
    '?this <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/alliance-kg/ontology#Document> .'
    """
    if (shape, RDF.type, RDFS.Class) in shapes or (shape, RDF.type, OWL.Class) in shapes:
        raise _unsupported(shapes, shape, "an implicit class target (the shape is a class)")
    if shapes.value(shape, SH.target) is not None:
        raise _unsupported(shapes, shape, "sh:target")
    parts = [_instances("?this", c, subclasses, bound=False) for c in sorted(shapes.objects(shape, SH.targetClass))]
    parts += [f"VALUES ?this {{ {_term(n)} }}" for n in sorted(shapes.objects(shape, SH.targetNode))]
    parts += [f"?this {_iri(p)} ?_t ." for p in sorted(shapes.objects(shape, SH.targetSubjectsOf))]
    parts += [f"?_t {_iri(p)} ?this ." for p in sorted(shapes.objects(shape, SH.targetObjectsOf))]
    if not parts:
        return "FILTER(false)"
    if len(parts) == 1 and "UNION" not in parts[0] and "?_t" not in parts[0]:
        return parts[0]
    return "SELECT DISTINCT ?this WHERE { " + " UNION ".join("{ " + p + " }" for p in parts) + " }"


# --------------------------------------------------------------------------- value tests


class _Compiler:
    def __init__(self, shapes: Graph, subclasses=None):
        self.shapes, self.subclasses = shapes, subclasses
        self._names = count()

    def var(self) -> str:
        return f"?_v{next(self._names)}"

    def value_test(self, shape, pred, arg, v: str) -> str:
        """A SPARQL expression true when the value ``v`` passes one value-based constraint."""
        g = self.shapes
        if pred == SH["class"]:
            return f"EXISTS {{ {_instances(v, arg, self.subclasses).replace('?_c', self.var())} }}"
        if pred == SH.datatype:
            if arg not in _DATATYPES:
                raise _unsupported(g, shape, f"sh:datatype {arg.n3(g.namespace_manager)}")
            return f"(isLiteral({v}) && DATATYPE({v}) = {_iri(arg)}{_DATATYPES[arg].format(v=v)})"
        if pred == SH.nodeKind:
            if arg not in _NODE_KINDS:
                raise _unsupported(g, shape, f"sh:nodeKind {arg!r}")
            return _NODE_KINDS[arg].format(v=v)
        if pred in (SH.minInclusive, SH.maxInclusive):
            op = ">=" if pred == SH.minInclusive else "<="
            return f"(isLiteral({v}) && COALESCE({v} {op} {_term(arg)}, false))"
        if pred == SH.minLength:  # pyshacl lets anything, a blank node too, have length 0 or more
            return f"(!isBlank({v}) && STRLEN(STR({v})) >= {int(arg)})" if int(arg) > 0 else "true"
        if pred == SH.pattern:
            flags = g.value(shape, SH.flags)
            extra = f", {_term(Literal(str(flags)))}" if flags is not None else ""
            return f"(!isBlank({v}) && REGEX(STR({v}), {_term(Literal(str(arg)))}{extra}))"
        if pred == SH["or"]:
            members = list(Collection(g, arg))
            return "(" + " || ".join(self.conforms(m, v) for m in members) + ")" if members else "false"
        raise _unsupported(g, shape, pred.n3(g.namespace_manager))

    def conforms(self, shape, v: str) -> str:
        """A SPARQL expression true when ``v`` conforms to a nested shape (of sh:or, sh:qualifiedValueShape)."""
        g = self.shapes
        if not _active(g, shape):  # a deactivated shape: every node conforms
            return "true"
        _check_known(g, shape, (*_VALUE_TESTS, SH.property))
        tests = [self.value_test(shape, p, o, v) for p in _VALUE_TESTS for o in sorted(g.objects(shape, p))]
        for ps in sorted(g.objects(shape, SH.property), key=str):
            if not _active(g, ps):
                continue
            _check_known(g, ps, (*_VALUE_TESTS, SH.minCount, SH.maxCount))
            path, x = sparql_path(g, g.value(ps, SH.path), ps), self.var()
            for n in g.objects(ps, SH.minCount):
                if int(n) != 1:
                    raise _unsupported(g, ps, f"sh:minCount {int(n)} in a nested shape (only 1 is compiled there)")
                tests.append(f"EXISTS {{ {v} {path} {x} }}")
            if g.value(ps, SH.maxCount) is not None:
                raise _unsupported(g, ps, "sh:maxCount in a nested shape")
            for p in _VALUE_TESTS:
                for o in sorted(g.objects(ps, p)):
                    y = self.var()
                    tests.append(f"NOT EXISTS {{ {v} {path} {y} FILTER(!{self.value_test(ps, p, o, y)}) }}")
        return "(" + " && ".join(tests) + ")" if tests else "true"


# --------------------------------------------------------------------------- checks


def _messages(shapes: Graph, shape) -> tuple[str, ...]:
    messages = tuple(sorted(str(m) for m in shapes.objects(shape, SH.message)))
    if not messages:  # pyshacl would make up a message of its own, which this module does not copy
        raise _unsupported(shapes, shape, "no sh:message")
    return messages


def compile_node_shape(shapes: Graph, node_shape, properties=None, subclasses=None) -> list[CompiledCheck]:
    """The SELECT queries of every constraint of a node shape (or only of its property shapes
    ``properties``, run on the node shape's targets). ``subclasses``: see :func:`focus_pattern`.

    >>> from graph.validate_load import load_shapes
    >>> [c.query for c in compile_node_shape(load_shapes(), AKGSH.DocumentShape, subclasses=lambda c: (str(c),))][0]
    'SELECT DISTINCT ?this WHERE { { ?this <...#type> <...#Document> . } FILTER NOT EXISTS { ?this <...#label> ?_x } }'
    """
    g, c = shapes, _Compiler(shapes, subclasses)
    if not _active(g, node_shape):
        return []
    focus = focus_pattern(g, node_shape, subclasses)
    out = []
    if properties is None:
        _check_known(g, node_shape, (*_VALUE_TESTS, SH.property))
        if g.value(node_shape, SH.path) is not None:
            properties = [node_shape]
        else:
            properties = sorted(g.objects(node_shape, SH.property), key=str)
            for pred in _VALUE_TESTS:  # node-level constraints: the value is the focus node
                for arg in sorted(g.objects(node_shape, pred)):
                    test = c.value_test(node_shape, pred, arg, "?this")
                    out.append(_check(g, node_shape, None, pred, f"{{ {focus} }} FILTER(!{test})", value=True))
    for ps in properties:
        if _active(g, ps):
            out += _property_checks(c, focus, ps)
    return out


_COUNTS = (SH.minCount, SH.maxCount, SH.qualifiedValueShape)


def _property_checks(c: _Compiler, focus: str, ps) -> list[CompiledCheck]:
    g = c.shapes
    _check_known(g, ps, (*_VALUE_TESTS, *_COUNTS))
    if g.value(ps, SH.qualifiedValueShapesDisjoint) is not None:
        raise _unsupported(g, ps, "sh:qualifiedValueShapesDisjoint")
    path_node = g.value(ps, SH.path)
    path = sparql_path(g, path_node, ps)
    where = f"{{ {focus} }} "
    out = []
    for n in sorted(int(x) for x in g.objects(ps, SH.minCount)):
        if n == 1:
            out.append(_check(g, ps, path_node, SH.minCount, where + f"FILTER NOT EXISTS {{ ?this {path} ?_x }}"))
        elif n > 1:
            out.append(_check(g, ps, path_node, SH.minCount, _counted(where, path, "true", f"< {n}")))
    for n in sorted(int(x) for x in g.objects(ps, SH.maxCount)):
        out.append(_check(g, ps, path_node, SH.maxCount, _at_most(where, path, lambda v: "true", n)))
    for pred in _VALUE_TESTS:
        for arg in sorted(g.objects(ps, pred)):
            test = c.value_test(ps, pred, arg, "?value")
            out.append(_check(g, ps, path_node, pred, where + f"?this {path} ?value . FILTER(!{test})", value=True))
    for q in sorted(g.objects(ps, SH.qualifiedValueShape), key=str):
        least, most = g.value(ps, SH.qualifiedMinCount), g.value(ps, SH.qualifiedMaxCount)
        if least is None and most is None:
            raise _unsupported(g, ps, "sh:qualifiedValueShape without sh:qualifiedMinCount or sh:qualifiedMaxCount")
        if least is not None and int(least) > 0:
            comp = SH.QualifiedMinCountConstraintComponent
            if int(least) == 1:
                body = where + f"FILTER NOT EXISTS {{ ?this {path} ?_q . FILTER({c.conforms(q, '?_q')}) }}"
            else:
                body = _counted(where, path, c.conforms(q, "?_q"), f"< {int(least)}")
            out.append(_check(g, ps, path_node, comp, body))
        if most is not None:
            body = _at_most(where, path, lambda v, q=q: c.conforms(q, v), int(most))
            out.append(_check(g, ps, path_node, SH.QualifiedMaxCountConstraintComponent, body))
    return out


def _counted(where: str, path: str, test: str, compare: str) -> str:
    """Focus nodes whose number of distinct values passing ``test`` (on ``?_q``) is ``compare``."""
    return (f"{{ SELECT ?this (COUNT(DISTINCT ?_q) AS ?_n) WHERE {{ {where} OPTIONAL {{ ?this {path} ?_q . "
            f"FILTER({test}) }} }} GROUP BY ?this }} FILTER(?_n {compare})")


def _at_most(where: str, path: str, test, n: int) -> str:
    """Focus nodes with more than ``n`` distinct values passing ``test`` (a function of the variable)."""
    if n == 0:
        return where + f"FILTER EXISTS {{ ?this {path} ?_a . FILTER({test('?_a')}) }}"
    if n == 1:  # two different values: no grouping over every focus node
        return (where + f"?this {path} ?_a . ?this {path} ?_b . "
                f"FILTER(!sameTerm(?_a, ?_b) && {test('?_a')} && {test('?_b')})")
    return _counted(where, path, test("?_q"), f"> {n}")


def _check(g: Graph, shape, path, what, body: str, value: bool = False) -> CompiledCheck:
    components = {SH.minCount: SH.MinCountConstraintComponent, SH.maxCount: SH.MaxCountConstraintComponent,
                  SH["class"]: SH.ClassConstraintComponent, SH.datatype: SH.DatatypeConstraintComponent,
                  SH.nodeKind: SH.NodeKindConstraintComponent, SH.minInclusive: SH.MinInclusiveConstraintComponent,
                  SH.maxInclusive: SH.MaxInclusiveConstraintComponent, SH.minLength: SH.MinLengthConstraintComponent,
                  SH.pattern: SH.PatternConstraintComponent, SH["or"]: SH.OrConstraintComponent}
    severity = g.value(shape, SH.severity) or SH.Violation
    project = "?this ?value" if value and path is not None else "?this"
    return CompiledCheck(shape=shape, path=path, component=components.get(what, what), severity=severity,
                         messages=_messages(g, shape), query=f"SELECT DISTINCT {project} WHERE {{ {body} }}",
                         has_value=value)
