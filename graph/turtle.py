"""Turtle written byte for byte as rdflib's ``TurtleSerializer`` writes it (``Graph.serialize(format=
"turtle")``), from N-Triples lines, in bounded memory and fast enough for tens of millions of triples.

rdflib holds the whole graph and walks it term by term; here external sorts (:mod:`graph.extsort`)
do the holding. :class:`~graph.extsort.SubjectSort` brings each subject's triples together, with the
number of triples naming it as object (rdflib orders subjects by it). Each subject's block is written
as rdflib writes it (:class:`Names` for its prefixed names and literals) and sent to a second sort,
keyed as rdflib orders subjects (``rdfs:Class`` members first, then that number, then the IRI); the
prefixes used are known by then, and the sorted blocks follow them. The triples with a blank node
(the few hundred of the ontology's OWL axioms) are held in memory and written by rdflib's own
serializer (:class:`Blank`): nested ``[ ... ]``, lists ``( ... )``, ``[] a owl:AllDisjointClasses``.
Entry point: :func:`write_turtle`.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO, Iterable

from .errors import KGError
from .extsort import BUFFER_SIZE, Sorter, SubjectSort, sorted_unique_lines  # noqa: F401 (sorted_unique_lines: here too)

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_TYPE, _NIL, _REST = _RDF + "type", _RDF + "nil", _RDF + "rest"
_TYPE_NT = f"<{_TYPE}>"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_CLASS = "<http://www.w3.org/2000/01/rdf-schema#Class>"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XMLNS = "http://www.w3.org/XML/1998/namespace"
_NEXT_PREDICATE, _NEXT_OBJECT = " ;\n    ", ",\n        "
_PREDICATE_ORDER = {f"<{_TYPE}>": "\x00", f"<{_LABEL}>": "\x01"}  # rdflib's predicateOrder
#: rdflib writes these plainly (``5``, ``1.5``, ``true``) when their value parses; the patterns say when
#: it surely does (anything else goes to rdflib itself)
_PLAIN = {_XSD + "integer": re.compile(r"[+-]?[0-9]+\Z"), _XSD + "boolean": re.compile(r"(?:true|false)\Z"),
          _XSD + "decimal": re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")}
#: typed literals rdflib writes in ways of their own (doubles, INF and NaN): left to rdflib
_ODD = {_XSD + "double", _XSD + "float", "http://www.w3.org/2002/07/owl#rational"}
#: rdflib's split of an ASCII IRI: the last character that is no name character, then name characters
#: that cannot start a name, then the name (a letter, digit or '_', then name characters)
_ASCII_SPLIT = re.compile(r"(.*[^A-Za-z0-9\-._%()][\-.%()]*)([A-Za-z0-9_][A-Za-z0-9\-._%()]*)", re.S)
_BAD_IRI_CHAR = re.compile(r'[<>" {}|\\^`]')
_NAME_CHAR = re.compile(r"[A-Za-z0-9\-._%()]")
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_CACHE = 200_000
_WRITE = 1 << 20


def _unescape(raw: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)) if m.group(3) is None
                       else _ESCAPES.get(m.group(3), m.group(0)), raw)


def literal_parts(nt: str) -> tuple[str, str | None, str | None]:
    r"""The lexical form, language and datatype IRI of an N-Triples literal.

    >>> literal_parts('"a\\"b\\nc"@en'), literal_parts('"5"^^<urn:int>')
    (('a"b\nc', 'en', None), ('5', None, 'urn:int'))
    """
    end = nt.rindex('"')
    raw = nt[1:end]
    lex = _unescape(raw) if "\\" in raw else raw
    tail = nt[end + 1:]
    if not tail:
        return lex, None, None
    return (lex, tail[1:], None) if tail[0] == "@" else (lex, None, tail[3:-1])


def rdflib_term(nt: str):
    """The rdflib term an N-Triples term names (blank node labels kept; literals as written).

    >>> rdflib_term('"01"^^<http://www.w3.org/2001/XMLSchema#integer>')
    rdflib.term.Literal('01', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))
    """
    from rdflib import BNode, Literal, URIRef

    if nt[0] == "<":
        return URIRef(nt[1:-1])
    if nt[0] == "_":
        return BNode(nt[2:])
    lex, lang, dt = literal_parts(nt)
    return Literal(lex, lang=lang, datatype=dt, normalize=False)


def _split_line(line: str) -> tuple[str, str, str]:
    s, p, rest = line.split(" ", 2)
    return s, p, rest[:-2]


def _split_uri(uri: str) -> tuple[str, str]:
    """rdflib's ``split_uri``, quicker for an ASCII IRI (the same answer; a ValueError when none)."""
    from rdflib.namespace import split_uri

    if not uri.isascii() or not uri[:1].isalpha() or uri.startswith(_XMLNS):
        return split_uri(uri)
    m = _ASCII_SPLIT.fullmatch(uri)
    if m is None:
        raise ValueError(f"Can't split '{uri}'")
    return m.group(1), m.group(2)


class Names:
    """How rdflib's Turtle serializer names IRIs, for a graph bound to ``namespaces`` as
    ``serialize._bound`` binds it: ``prefix:local`` (rdflib's ``compute_qname`` and ``get_pname``,
    longest bound namespace first) or ``<iri>``; and which prefixes were used (:attr:`used`).

    >>> n = Names([("akr", "https://w3id.org/alliance-kg/id/")])
    >>> n.term("<https://w3id.org/alliance-kg/id/nato>"), n.term("<https://w3id.org/alliance-kg/id/x.>"), n.used
    ('akr:nato', '<https://w3id.org/alliance-kg/id/x.>', {'akr': 'https://w3id.org/alliance-kg/id/'})
    """

    def __init__(self, namespaces: Iterable[tuple[str, str]]):
        from rdflib import Graph, Literal
        from rdflib.plugins.serializers.turtle import TurtleSerializer

        self._quote = Literal._quote_encode  # called on the lexical form: rdflib's own escaping
        self.graph = Graph()
        for prefix, ns in namespaces:
            self.graph.bind(prefix, ns, override=True, replace=True)
        self._percent = TurtleSerializer.LOCALNAME_PECRENT_CHARACTER_REQUIRING_ESCAPE_REGEX
        self.prefix_of = {str(ns): prefix for prefix, ns in self.graph.namespaces()}
        self._longer: dict[str, list[str]] = {}
        trie = getattr(self.graph.namespace_manager, "_NamespaceManager__trie", None)
        keys: list[str] = []
        while trie:  # every namespace ever bound, replaced ones too: rdflib's trie keeps them
            keys.extend(trie)
            trie = {k: v for sub in trie.values() for k, v in sub.items()}
        for key in keys or list(self.prefix_of):
            self._add_key(key)
        self.used: dict[str, str] = {}
        self._terms: dict[str, str] = {}
        self.known = self._terms.get  # a label already made, or None
        self.verbs: dict[str, str] = {}
        self._refresh()

    def _add_key(self, key: str) -> None:
        for i in range(1, len(key)):
            longer = self._longer.setdefault(key[:i], [])
            longer.append(key)
            longer.sort(key=len, reverse=True)

    def _namespace(self, uri: str) -> tuple[str, str] | None:
        if _BAD_IRI_CHAR.search(uri):
            return None
        try:
            ns, name = _split_uri(uri)
        except ValueError:
            return None
        for key in self._longer.get(ns, ()):
            if uri.startswith(key):
                return key, uri[len(key):]
        return ns, name

    def generate(self, predicates: Iterable[str]) -> None:
        """Bind ``ns1``, ``ns2``... to the namespaces of predicates that have no prefix, as rdflib does
        when it meets them (in namespace order here: rdflib's order is its hash order)."""
        todo = sorted({found[0] for p in predicates if p != _TYPE
                       for found in [self._namespace(p)] if found and found[0] not in self.prefix_of})
        for ns in todo:
            bound, n = {prefix for prefix, _ in self.graph.namespaces()}, 1
            while f"ns{n}" in bound:
                n += 1
            self.graph.bind(f"ns{n}", ns)
            self.prefix_of[ns] = f"ns{n}"
            self._add_key(ns)
        self._refresh()

    def _refresh(self) -> None:
        self._terms.clear()
        self.verbs.clear()
        fast = self._fast()
        self._fast_match = fast.fullmatch if fast else None

    def pname(self, uri: str) -> str | None:
        """``prefix:local`` as rdflib's Turtle serializer writes ``uri``, or None (noting the prefix used)."""
        found = self._namespace(uri)
        prefix = None if found is None else self.prefix_of.get(found[0])
        if prefix is None:  # rdflib then tries the IRI itself as a namespace
            prefix, found = self.prefix_of.get(uri), (uri, "")
            if prefix is None:
                return None
        ns, local = found
        if "(" in local or ")" in local or "%" in local:
            local = self._percent.sub("\\%", local.replace("(", r"\(").replace(")", r"\)"))
        if local.endswith("."):
            return None
        if prefix[:1] == "_":
            raise KGError(f"cannot write Turtle: the prefix '{prefix}' starts with '_' (rdflib renames it)")
        self.used[prefix] = ns
        return f"{prefix}:{local}"

    def _fast(self) -> re.Pattern | None:
        """One pattern for the usual IRI, a bound namespace and a plain name, where rdflib's answer is
        plainly ``prefix:name``: a namespace that ends in a character no name has, with no longer one
        bound or ever bound under it, and a name without ``%``, brackets, or a final dot."""
        keys = sorted((k for k, p in self.prefix_of.items()
                       if k.isascii() and k[-1:] and not _NAME_CHAR.match(k[-1]) and not _BAD_IRI_CHAR.search(k)
                       and not self._longer.get(k) and not _XMLNS.startswith(k) and p[:1] != "_"),
                      key=len, reverse=True)
        if not keys:
            return None
        name = r"[A-Za-z0-9_](?:[A-Za-z0-9\-_.]*[A-Za-z0-9\-_])?"
        return re.compile("(" + "|".join(map(re.escape, keys)) + ")(" + name + ")")

    def _iri(self, uri: str) -> str:
        if uri == _NIL:
            self.pname(uri)
            return "()"
        m = self._fast_match(uri) if self._fast_match else None
        if m is not None:
            prefix = self.prefix_of[m.group(1)]
            self.used[prefix] = m.group(1)
            return f"{prefix}:{m.group(2)}"
        label = self.pname(uri)
        if label is None:
            if _BAD_IRI_CHAR.search(uri):
                raise KGError(f"cannot write Turtle: <{uri}> is not a valid IRI")
            label = f"<{uri}>"
        return label

    def verb(self, p: str) -> str:
        """How rdflib writes a predicate (N-Triples ``<iri>``)."""
        verb = self.verbs[p] = "a" if p == _TYPE_NT else self.term(p)
        return verb

    def term(self, nt: str) -> str:
        """How rdflib's Turtle serializer writes an N-Triples IRI or literal (noting the prefix used)."""
        label = self._terms.get(nt)
        if label is None:
            label = self._iri(nt[1:-1]) if nt[0] == "<" else self._literal(nt)
            if len(nt) <= 120:
                if len(self._terms) >= _CACHE:
                    self._terms.clear()
                self._terms[nt] = label
        return label

    def _literal(self, nt: str) -> str:
        lex, lang, dt = literal_parts(nt)
        if dt is not None:
            name = self.pname(dt)
            plain = _PLAIN.get(dt)
            if plain is not None and plain.match(lex):
                return lex + ".0" if dt == _XSD + "decimal" and "." not in lex else lex
            if plain is not None or dt in _ODD:
                return rdflib_term(nt)._literal_n3(use_plain=True, qname_callback=lambda d: self.pname(str(d)))
            return self._quote(lex) + "^^" + (name or f"<{dt}>")
        return self._quote(lex) + ("@" + lang if lang else "")

    def note(self, line: str) -> None:
        """Note the prefixes rdflib's preprocessing of a triple uses (it writes only those)."""
        s, p, o = _split_line(line)
        for nt in (s, o):
            if nt[0] != "_":
                self.term(nt)
        self.verb(p)


class Blank:
    """The triples with a blank node, held in memory and written by rdflib's own serializer (with the
    reference counts rdflib would have, and the blank nodes it has written already)."""

    def __init__(self, lines: Iterable[str], names: Names):
        from rdflib import BNode, URIRef
        from rdflib.plugins.serializers.turtle import TurtleSerializer

        self.graph, self.refs = names.graph, defaultdict(int)
        for line in sorted(lines):
            names.note(line)
            s, p, o = (rdflib_term(t) for t in _split_line(line))
            self.refs[o] += isinstance(o, BNode)
            if isinstance(s, BNode):
                if str(p) == _REST and isinstance(o, URIRef) and str(o) != _NIL:
                    raise KGError(f"cannot write Turtle: a list goes on through the IRI <{o}>")
                self.graph.add((s, p, o))
        self.ser = TurtleSerializer(self.graph)
        self.ser._references = self.refs

    def statement(self, node) -> str:
        self.ser.stream = buf = io.BytesIO()
        self.ser.statement(node)
        return buf.getvalue().decode("utf-8") + "\n"

    def class_members(self) -> list[str]:
        """The blocks of blank nodes that are ``rdfs:Class`` members: rdflib writes them first."""
        from rdflib import RDF, RDFS

        return [self.statement(b) for b in sorted(self.graph.subjects(RDF.type, RDFS.Class))
                if not self.ser.isDone(b)]

    def iri_block(self, lines: list[str]) -> str:
        """The block of an IRI subject with a blank node among its objects."""
        from rdflib import URIRef

        triples = [tuple(rdflib_term(t) for t in _split_line(line)) for line in lines]
        self.graph.addN((s, p, o, self.graph) for s, p, o in triples)
        subject = URIRef(triples[0][0])
        try:
            return self.statement(subject)
        finally:
            self.graph.remove((subject, None, None))

    def rest(self) -> Iterable[str]:
        """The blocks of the blank subjects not written inside another, in rdflib's order."""
        from rdflib import BNode

        subjects = {s for s in self.graph.subjects() if isinstance(s, BNode)}
        for b in sorted(subjects, key=lambda b: (self.refs[b], b)):
            if not self.ser.isDone(b):
                yield self.statement(b)


def _objects(names: Names, objects: list[str]) -> str | None:
    """The object list of one predicate, in rdflib's order; None when a blank node is among them."""
    if len(objects) == 1:
        return None if objects[0][0] == "_" else names.term(objects[0])
    if all(o[0] == "<" for o in objects):
        return _NEXT_OBJECT.join([names.term(o) for o in sorted(objects, key=lambda o: o[1:-1])])
    if any(o[0] == "_" for o in objects):
        return None
    terms = [rdflib_term(o) for o in objects]  # rdflib's order (literals by value): rdflib's sort
    return _NEXT_OBJECT.join([names.term(objects[i]) for i in sorted(range(len(terms)), key=terms.__getitem__)])


def predicate_key(p: str) -> str:
    """What rdflib orders the predicates of a subject by (``a``, then ``rdfs:label``, then the IRI).

    >>> sorted(["<urn:x-y>", "<urn:x>", "<http://www.w3.org/2000/01/rdf-schema#label>"], key=predicate_key)
    ['<http://www.w3.org/2000/01/rdf-schema#label>', '<urn:x>', '<urn:x-y>']
    """
    return _PREDICATE_ORDER.get(p) or p[1:-1]


def render_block(names: Names, subject: str, groups: list[tuple[str, str, list[str]]]) -> str | None:
    """The block rdflib writes for an IRI subject, given (:func:`predicate_key`, predicate, objects)
    in N-Triples; None when an object is a blank node.

    >>> render_block(Names([]), "<urn:x:s>", [("urn:x:p", "<urn:x:p>", ["<urn:x:b>", '"1"^^<urn:x:t>', "<urn:x:a>"])])
    '\\n<urn:x:s> <urn:x:p> <urn:x:a>,\\n        <urn:x:b>,\\n        "1"^^<urn:x:t> .\\n'
    """
    if len(groups) > 1:
        groups.sort()
    known, term, verbs = names.known, names.term, names.verbs
    parts = []
    for _, p, objects in groups:
        if len(objects) == 1:
            o = objects[0]
            if o[0] == "_":
                return None
            text = known(o) or term(o)
        else:
            text = _objects(names, objects)
            if text is None:
                return None
        parts.append(f"{verbs.get(p) or names.verb(p)} {text}")
    return f"\n{known(subject) or term(subject)} {_NEXT_PREDICATE.join(parts)} .\n"


def _escape0(text: str) -> str:
    return text.replace("\x01", "\x01\x02").replace("\x00", "\x01\x03") if "\x00" in text or "\x01" in text else text


def _unescape0(data: bytes) -> bytes:
    return data.replace(b"\x01\x03", b"\x00").replace(b"\x01\x02", b"\x01") if b"\x01" in data else data


def _blocks(names: Names, blanks: Blank | None, split: SubjectSort, blocks: Sorter) -> None:
    """Write each IRI subject's block to ``blocks`` under rdflib's order for it."""
    batch, size = [], 0
    for subject, refs, groups in split.subjects(predicate_key):
        if subject[0] != "<":
            if subject[:2] != "_:":
                raise KGError(f"cannot write Turtle: not an N-Triples subject: {subject[:200]!r}")
            continue
        text = render_block(names, subject, groups)
        if text is None:
            lines = [f"{subject} {p} {o} ." for _, p, objects in groups for o in objects]
            for line in lines:
                names.note(line)
            text = blanks.iri_block(lines)
        if groups[0][1] == _TYPE_NT and _CLASS in groups[0][2]:
            batch.append(f"0\t{subject[1:-1]}\t{_escape0(text)}\0")
        else:
            batch.append(f"1\t{refs:012d}\t{subject[1:-1]}\t{_escape0(text)}\0")
        size += len(text)
        if size > _WRITE:
            blocks.write("".join(batch).encode("utf-8", "replace"))
            batch, size = [], 0
    blocks.write("".join(batch).encode("utf-8", "replace"))


def write_turtle(lines: Iterable[str], out: BinaryIO, namespaces: Iterable[tuple[str, str]],
                 tmpdir: str | Path, buffer_size: str = BUFFER_SIZE) -> int:
    """Write to ``out`` the Turtle rdflib writes for the graph of ``lines`` (N-Triples as rdflib's
    ``nt`` serializer prints them, with or without their newline, in any order, repeats allowed) bound
    to ``namespaces`` (prefix, namespace IRI) as ``serialize._bound`` binds them; return the number of
    distinct triples. Scratch files go to a folder made in ``tmpdir`` (removed after); ``buffer_size``
    is each sort's memory. What rdflib cannot write (an IRI with one of ``<>" {}|\\^```), and two cases
    rdflib settles with state this writer does not keep (a prefix starting with ``_``, which rdflib
    renames as it meets it; a list going on through an IRI) are a KGError in one line, as is a failing
    sort (a full disk).

    >>> import io
    >>> out = io.BytesIO()
    >>> write_turtle(['<urn:x:a> <http://www.w3.org/2000/01/rdf-schema#label> "A"@en .',
    ...               '<urn:x:a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <urn:x:T> .'], out,
    ...              [("rdfs", "http://www.w3.org/2000/01/rdf-schema#")], tempfile.gettempdir())
    2
    >>> print(out.getvalue().decode())
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    <BLANKLINE>
    <urn:x:a> a <urn:x:T> ;
        rdfs:label "A"@en .
    <BLANKLINE>
    <BLANKLINE>
    """
    names = Names(namespaces)
    with tempfile.TemporaryDirectory(dir=tmpdir, prefix="kg-turtle-") as work, ExitStack() as stack:
        split = SubjectSort(stack, work, buffer_size)
        blocks = stack.enter_context(Sorter(work, zero=True, buffer_size=buffer_size))
        split.feed(lines)
        names.generate(p[1:-1] for p in split.predicates)
        blanks = Blank(split.blank, names) if split.blank else None
        first = blanks.class_members() if blanks else []
        _blocks(names, blanks, split, blocks)
        head = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(names.used.items()))
        out.write((head + "".join(first)).encode("utf-8", "replace"))
        batch, size = [], 0
        for record in blocks.records():
            cut = record.index(b"\t", 2) + 1
            if record[:1] == b"1":
                cut = record.index(b"\t", cut) + 1
            batch.append(_unescape0(record[cut:]))
            size += len(record)
            if size > _WRITE:
                out.write(b"".join(batch))
                batch, size = [], 0
        out.write(b"".join(batch))
    tail = "".join(blanks.rest()) if blanks else ""
    out.write((tail + "\n").encode("utf-8", "replace"))
    return split.count


__all__ = ["Names", "Blank", "literal_parts", "rdflib_term", "predicate_key", "render_block", "sorted_unique_lines",
           "write_turtle"]
