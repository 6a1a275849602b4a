"""Query parameters: found in the text, matched with the ``name=value`` a caller gives, and bound.

Parameters follow the grlc/BASIL convention: ``?_name`` is a required literal, ``?_name_iri`` an
IRI, ``?__name`` optional, and a suffix types a literal (``?_year_integer``). A value is bound by a
VALUES block of RDF terms serialised by pyoxigraph, never pasted into the text.

>>> [(p.name, p.kind, p.required) for p in find_params("SELECT * { ?s ?p ?_partner ; ?q ?__since_gyear }")]
[('partner', 'literal', True), ('since_gyear', 'gYear', False)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

from ..errors import (BadParameterValue, DuplicateParameter, MissingParameter, QuerySyntaxError,
                      UnknownParameter, not_text)
from ..vocab import XSD
from .sparqltext import _tokens, _where_group

if TYPE_CHECKING:
    from .library import NamedQuery

#: parameter name suffix -> literal datatype (grlc: ``?_year_integer``)
_TYPED_SUFFIXES = {"integer": "integer", "decimal": "decimal", "double": "double", "boolean": "boolean",
                   "date": "date", "datetime": "dateTime", "gyear": "gYear", "string": "string"}


@dataclass(frozen=True)
class Param:
    """A query parameter: the variable ``?_partner`` is passed as ``partner=VALUE``.

    ``kind`` is ``"iri"``, ``"literal"`` or an XSD datatype name (``"integer"``).
    """

    name: str
    variable: str
    kind: str = "literal"
    required: bool = True
    description: str = ""

    def __str__(self) -> str:
        return self.name if self.required else f"[{self.name}]"


def find_params(text: str, doc: str = "") -> list[Param]:
    """The parameters of a query: its ``?_name`` / ``?__name`` variables, in order of appearance.

    ``doc`` is the ``#+ params:`` metadata, ``?_name (kind, required) description`` entries
    separated by ``;``; it supplies the descriptions.

    >>> [(p.name, p.kind, p.required) for p in find_params("SELECT * { ?s ?p ?_entity_iri . ?s ?q ?__year_integer }")]
    [('entity_iri', 'iri', True), ('year_integer', 'integer', False)]
    """
    docs = {}
    for m in re.finditer(r"[?$](_\w+)\s*(?:\([^)]*\))?\s*([^;]*)", doc):
        docs[m.group(1)] = m.group(2).strip()
    params: list[Param] = []
    for tok in _tokens(text):
        if tok.kind != "var" or not tok.text[1:].startswith("_"):
            continue
        var = tok.text[1:]
        if any(p.variable == var for p in params):
            continue
        required = not var.startswith("__")
        name = var.lstrip("_")
        if not name:
            continue
        suffix = name.rsplit("_", 1)[-1].lower() if "_" in name else ""
        kind = "iri" if suffix == "iri" else _TYPED_SUFFIXES.get(suffix, "literal")
        params.append(Param(name=name, variable=var, kind=kind, required=required, description=docs.get(var, "")))
    return params


# --------------------------------------------------------------------------- values and binding

_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|^`\\\x00-\x20]')


def parse_iri(value: str) -> str:
    """A full IRI from ``value``: full, ``<full>`` or compact with a known prefix (``akr:turkey``).

    >>> parse_iri("akr:turkey")
    'https://w3id.org/alliance-kg/id/turkey'
    """
    from ..vocab import PREFIXES

    v = value.strip()
    if v.startswith("<") and v.endswith(">"):
        v = v[1:-1]
    bad = _IRI_FORBIDDEN.search(v)
    if bad or not v:
        what = f"the character {bad.group()!r}" if bad else "nothing"
        raise BadParameterValue(f"not an IRI: {value!r} holds {what}")
    prefix, colon, local = v.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        v = PREFIXES[prefix] + local
    if not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", v):
        raise BadParameterValue(f"not an IRI: {value!r} (give a full IRI such as https://... or a prefixed name "
                                "such as akr:turkey)")
    return v


def param_term(param: Param, value: str):
    """The RDF term (pyoxigraph) a parameter value stands for: an IRI or a (typed) literal."""
    import pyoxigraph as ox

    reason = not_text(str(value))
    if reason:
        raise BadParameterValue(f"parameter '{param.name}': the value cannot be used: {reason}")
    if param.kind == "iri":
        iri = parse_iri(value)
        try:
            return ox.NamedNode(iri)
        except ValueError as exc:
            raise BadParameterValue(f"parameter '{param.name}': not an IRI: {value!r} ({exc})") from None
    if param.kind in ("literal", "string"):
        return ox.Literal(value)
    return ox.Literal(value, datatype=ox.NamedNode(XSD + _TYPED_SUFFIXES.get(param.kind, param.kind)))


def _param_list(params: Iterable[Param]) -> str:
    shown = [f"{p} ({p.kind}{'' if p.required else ', optional'})" for p in params]
    return ", ".join(shown) if shown else "none"


def match_params(query: NamedQuery, values: Mapping[str, str] | None) -> dict[Param, str]:
    """Pair the given ``name=value`` settings with the query's parameters.

    A name may be given as ``partner``, ``_partner`` or ``?_partner``; an IRI parameter
    ``entity_iri`` also as ``entity``. Unknown and missing required names are errors
    that list the query's parameters.
    """
    values = dict(values or {})
    out: dict[str, tuple[Param, str]] = {}
    for given, value in values.items():
        key = given.lstrip("?$").lstrip("_")
        hit = [p for p in query.params if key in (p.name, p.name.rsplit("_", 1)[0] if p.kind != "literal" else p.name)]
        if not hit:
            raise UnknownParameter(
                f"unknown parameter '{given}' for query '{query.name}'; its parameters: {_param_list(query.params)}"
            )
        if hit[0].variable in out:
            raise DuplicateParameter(f"parameter '{hit[0].name}' given twice for query '{query.name}'")
        out[hit[0].variable] = (hit[0], str(value))
    for p in query.params:
        if p.required and p.variable not in out:
            raise MissingParameter(
                f"missing parameter '{p.name}' for query '{query.name}' (pass --param {p.name}=VALUE); "
                f"its parameters: {_param_list(query.params)}"
            )
    return {p: v for p, v in out.values()}


def parse_param_options(options: Iterable[str]) -> dict[str, str]:
    """``--param name=value`` options as a dict (the value may hold ``=``).

    >>> parse_param_options(["partner=United States", "x=a=b"])
    {'partner': 'United States', 'x': 'a=b'}
    """
    out: dict[str, str] = {}
    for opt in options:
        key, eq, value = opt.partition("=")
        for part, what in ((key, "name"), (value, "value")):
            reason = not_text(part)
            if reason:
                shown = key if what == "value" else "..."
                raise BadParameterValue(f"--param {shown}: the {what} cannot be used: {reason}")
        if not eq or not key.strip():
            raise BadParameterValue(f"--param takes name=value, not {opt!r}")
        if key.strip() in out:
            raise DuplicateParameter(f"parameter '{key.strip()}' given twice")
        out[key.strip()] = value
    return out


def bind_params(text: str, bindings: Mapping[Param, str]) -> str:
    """The query text with its parameters bound by a VALUES block.

    Each value becomes an RDF term serialised by pyoxigraph (N-Triples form, so quotes
    and backslashes are escaped) and the block goes INSIDE the outermost WHERE group:
    ``WHERE { VALUES (?_a ?_b) { ("x" <y>) } ...``. The value is data, never query text,
    so ``x" } ; DELETE WHERE { ?s ?p ?o } #`` is just a string that matches nothing.
    Inside the group (not after the query) the binding is in scope for FILTERs and
    aggregates, and the query's own solution modifiers stay where they are.

    Why not Oxigraph's ``substitutions=`` argument (SEP-0007 pre-binding)? In pyoxigraph
    0.5 it can bind only variables the SELECT projects (``SELECT *`` or listed), in CONSTRUCT
    templates, DESCRIBE and ASK; a SELECT that does not project the variable, or an aggregate
    query that does not group by it, is refused ("does not contain variable ?_p in its SELECT
    projection"); and it does not reach into sub-SELECTs that do not project it.
    Our parameters are usually not projected, so VALUES it is.

    >>> from graph.query import Param
    >>> p = Param("partner", "_partner")
    >>> bind_params('SELECT ?b WHERE { ?b ?p ?_partner }', {p: 'x" }'})
    'SELECT ?b WHERE { VALUES (?_partner) { ("x\\\\" }") } ?b ?p ?_partner }'
    """
    if not bindings:
        return text
    toks = _tokens(text)
    group = _where_group(toks)
    if group is None or group[1] >= len(toks):
        raise QuerySyntaxError("cannot bind parameters: the query has no WHERE { ... } group")
    items = sorted(bindings.items(), key=lambda kv: kv[0].variable)
    variables = " ".join(f"?{p.variable}" for p, _ in items)
    terms = " ".join(str(param_term(p, v)) for p, v in items)
    block = f" VALUES ({variables}) {{ ({terms}) }}"
    pos = toks[group[0]].start + 1
    return text[:pos] + block + text[pos:]

