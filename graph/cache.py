"""The extraction cache of ``kg build``: what each document yielded, kept beside the output so that
a rebuild reads again only the documents that are new or changed.

The cache of ``out/kg.ttl`` is the folder ``out/.kg.ttl.kg-cache/`` (of a store folder ``DIR``:
``.DIR.kg-cache`` beside it; :func:`default_cache_dir`). It holds:

* ``entries/<key>.kgx``: one document's :class:`~graph.extract.Extraction`. The key is the sha256 of
  the document's path, the sha256 of its bytes and the *extractor fingerprint*
  (:func:`extractor_fingerprint`: the package version, the source of the extraction modules, the
  rules file, the lexicon, the ontology, the spaCy model and :data:`CACHE_FORMAT`), so a changed
  document, rules file or model is a new key and is read again;
* ``manifest``: what the last build read (path and hash of every document) and the facts it made,
  each with one evidence sentence: the rebuild's :class:`Changes` are told against it;
* ``kg-cache.json`` (the folder's format) and ``CACHEDIR.TAG`` (backup tools skip the folder).

Every file is a header line, its key, the sha256 of its payload, then the payload: JSON, never
pickle (a file planted in the folder is data, not code; the checksum guards against damage, not
against someone who can write the folder). A file whose header, key, checksum or document does not
match (corrupt, truncated, of another version or document) is never trusted: the document is read
again, with a note. Entries are a temporary file renamed (not fsynced: a torn one fails its
checksum); the manifest is written by :func:`graph.rdfio.write_atomic`. Entries no document uses are
removed when a build is committed (:meth:`ExtractionCache.commit`). A kill leaves every file whole.

>>> default_cache_dir(out="out/kg.ttl").as_posix(), default_cache_dir(store="out/kg.db").as_posix()
('out/.kg.ttl.kg-cache', 'out/.kg.db.kg-cache')
>>> import tempfile
>>> from graph.corpus import parse_document
>>> from graph.extract import extract_document
>>> cache = ExtractionCache(tempfile.mkdtemp(), fingerprint="test")
>>> doc = parse_document("a.md", "Aviano Air Base is located in Italy.", sha256="0" * 64)
>>> cache.put(extract_document(doc, parse=False))
>>> [f.key for f in cache.get(doc).facts]
[('aviano-air-base', 'locatedIn', 'italy')]
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import Document
from .errors import KGError, terminal_safe
from .extract import Extraction
from .cache_records import decode_extraction, encode_extraction  # noqa: F401 (part of this module's API)

#: the layout of the files; a cache written in another layout is rebuilt
CACHE_FORMAT = 1
_HEADER = f"alliance-kg extraction cache {CACHE_FORMAT}".encode()
_ENTRY_SUFFIX = ".kgx"
_TAG = b"Signature: 8a477f597d28d172789f06886806bc55\n# the extraction cache of alliance-kg (kg build)\n"

#: the modules whose source decides what a document yields (besides graph/extract/)
_EXTRACTOR_MODULES = ("corpus.py", "lexicon.py", "depmatch.py", "deprules.py", "depanchor.py", "discourse.py",
                      "nlp.py", "namespaces.py", "vocab.py")


def extractor_fingerprint(ontology: str | Path | None = None) -> str:
    """What an extraction depends on besides the document, as one sha256: the package version and
    the source of the extraction modules, the rules file, the lexicon TSVs, the ontology, the spaCy
    model (name and version) and spaCy's version, and :data:`CACHE_FORMAT`. Cheap: spaCy is not loaded.

    >>> len(extractor_fingerprint()), extractor_fingerprint() == extractor_fingerprint()
    (64, True)
    """
    from . import __version__
    from .lexicon import LEXICON_DIR, ONTOLOGY_FILE
    from .resources import rules_path

    h = hashlib.sha256(f"format {CACHE_FORMAT}\0version {__version__}\0{_spacy_model()}\0".encode())
    here = Path(__file__).parent
    files = [*(here / m for m in _EXTRACTOR_MODULES), *sorted((here / "extract").glob("*.py")), rules_path(),
             *sorted(Path(LEXICON_DIR).glob("*.tsv")), Path(ontology or ONTOLOGY_FILE)]
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            data = b"(missing)"
        h.update(f"{path.name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def _version(name: str | None) -> str:
    from importlib import metadata

    try:
        return metadata.version(name) if name else "?"
    except metadata.PackageNotFoundError:
        return "?"


def _spacy_model() -> str:
    """'<model package> <version>; spacy <version>' of the pipeline :func:`graph.nlp.load_pipeline` would load."""
    import importlib.util

    from .nlp import PIPELINE_PACKAGES

    model = next((p for p in PIPELINE_PACKAGES if importlib.util.find_spec(p) is not None), None)
    return f"{model} {_version(model)}; spacy {_version('spacy')}"


def default_cache_dir(out: str | Path | None = None, store: str | Path | None = None) -> Path | None:
    """The cache folder of a build into the file ``out`` (else into the store folder ``store``): the
    hidden folder ``.NAME.kg-cache`` beside it. None when the build writes to neither (an endpoint)."""
    target = out if out is not None else store
    if target is None:
        return None
    target = Path(target)
    return target.parent / f".{target.name}.kg-cache"


# --------------------------------------------------------------------------- the files


def _pack(key: str, payload: dict) -> bytes:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return b"\n".join([_HEADER, key.encode("ascii"), hashlib.sha256(body).hexdigest().encode("ascii"), body])


def _unpack(data: bytes, key: str) -> tuple[dict | None, str]:
    """The payload of a cache file written for ``key``, or (None, why it is not trusted)."""
    parts = data.split(b"\n", 3)
    if len(parts) < 4 or parts[0] != _HEADER:
        return None, "not a cache file of this version"
    if parts[1] != key.encode("ascii"):
        return None, "written for another key"
    if hashlib.sha256(parts[3]).hexdigest().encode("ascii") != parts[2]:
        return None, "checksum does not match (corrupt or truncated)"
    try:
        payload = json.loads(parts[3])
    except ValueError:
        return None, "not JSON"
    return (payload, "") if isinstance(payload, dict) else (None, "not a cache record")


# --------------------------------------------------------------------------- what changed


@dataclass(frozen=True)
class FactChange:
    """A fact (subject, property, object) that a build added or removed, with one sentence stating it."""

    subject: str
    prop: str
    object: str
    doc: str
    quote: str


@dataclass
class Changes:
    """What changed since the last build recorded in the cache (``previous`` False: none was)."""

    previous: bool = False
    added: list[str] = field(default_factory=list)  #: document paths
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    facts_added: list[FactChange] = field(default_factory=list)
    facts_removed: list[FactChange] = field(default_factory=list)
    extracted: int = 0  #: documents the extractor read
    reused: int = 0  #: documents taken from the cache
    notes: list[str] = field(default_factory=list)  #: cache files not trusted, and why
    extractor_changed: bool = False  #: the rules, lexicon, ontology, model or code differ from the last build's


def format_changes(changes: Changes, limit: int = 10) -> list[str]:
    """The change summary as lines (at most ``limit`` facts of each kind; text from documents is made
    safe for a terminal).

    >>> c = Changes(previous=True, added=["new.md"], unchanged=41, extracted=1, reused=41,
    ...             facts_added=[FactChange("finland", "memberOf", "nato", "new.md", "Finland joined NATO.")])
    >>> print("\\n".join(format_changes(c)))
    since the last build: 1 document added (new.md), 0 changed, 0 removed, 41 unchanged
    read 1 document, 41 from the cache
    1 fact added:
      + finland memberOf nato: "Finland joined NATO." (new.md)
    """
    lines = [terminal_safe(n) for n in changes.notes]
    if not changes.previous:
        lines.append("no earlier build in the cache: every document read")
    else:
        def docs(paths):
            shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
            return f" ({terminal_safe(shown)})" if paths else ""

        n = len(changes.added)
        lines.append(f"since the last build: {n} document{'s' if n != 1 else ''} added{docs(changes.added)}, "
                     f"{len(changes.changed)} changed{docs(changes.changed)}, {len(changes.removed)} removed"
                     f"{docs(changes.removed)}, {changes.unchanged} unchanged")
    if changes.extractor_changed:
        lines.append("the extractor changed since the last build (code, rules, lexicon, ontology or model)")
    n = changes.extracted
    lines.append(f"read {n} document{'s' if n != 1 else ''}, {changes.reused} from the cache")
    if changes.previous:
        for sign, what, facts in (("+", "added", changes.facts_added), ("-", "removed", changes.facts_removed)):
            if facts:
                lines.append(f"{len(facts)} fact{'s' if len(facts) != 1 else ''} {what}:")
            for fc in facts[:limit]:
                quote = fc.quote if len(fc.quote) <= 160 else fc.quote[:157] + "..."
                lines.append(terminal_safe(f"  {sign} {fc.subject} {fc.prop} {fc.object}: \"{' '.join(quote.split())}\""
                                           f" ({fc.doc})"))
            if len(facts) > limit:
                lines.append(f"  ... and {len(facts) - limit} more")
    return lines


# --------------------------------------------------------------------------- the cache


class ExtractionCache:
    """The cache folder ``folder`` for extractions made with ``fingerprint`` (default: this
    extractor's, with the bundled ontology). ``refresh`` reads no entry (every document is read
    again, and the entries are written anew). Take :meth:`lock` around its use when other builds may
    use the same folder (:func:`graph.build.build_graph` does)."""

    def __init__(self, folder: str | Path, fingerprint: str | None = None, lexicon=None, refresh: bool = False):
        self.folder = Path(folder)
        self.fingerprint = fingerprint or extractor_fingerprint()
        self.lexicon = lexicon
        self.refresh = refresh
        self.notes: list[str] = []
        self.counts: tuple[int, int] | None = None  #: (documents extracted, taken from the cache) by :meth:`extract`
        self._checked = False
        self.disabled = False  #: set when the cache cannot be written: the build goes on without it

    @property
    def entries(self) -> Path:
        return self.folder / "entries"

    def key(self, doc: Document) -> str:
        """The entry key of a document: its path, the hash of its bytes and the extractor fingerprint."""
        return self._key(doc.path, doc.sha256)

    def _key(self, path: str, sha256: str) -> str:
        return hashlib.sha256(f"{self.fingerprint}\0{path}\0{sha256}".encode("utf-8", "surrogatepass")).hexdigest()

    def lock(self, wait: float | None = None):
        """The folder's lock (a :class:`graph.buildlock.BuildLock` on ``FOLDER.lock`` beside it: the
        folder itself is made only when something is written in it)."""
        from .buildlock import DEFAULT_WAIT, BuildLock

        return BuildLock(self.folder.parent / f"{self.folder.name}.lock", target=str(self.folder),
                         doing=f"using the cache {self.folder}", wait=DEFAULT_WAIT if wait is None else wait)

    def _note(self, message: str) -> None:
        self.notes.append(f"{self.folder}: {message}")

    def check(self, create: bool = True) -> None:
        """Make the folder a cache of this format (unless it does not exist and not ``create``): a
        folder without the marker, or with another format's, has its entries and manifest removed
        (never trusted), then is marked. Other files in it are left alone. A folder that cannot be
        made is a KGError naming it."""
        from .rdfio import write_atomic

        if self._checked or (not create and not self.folder.exists()):
            return
        self._checked = True
        marker = self.folder / "kg-cache.json"
        expected = json.dumps({"format": CACHE_FORMAT, "tool": "alliance-kg"}).encode() + b"\n"
        try:
            had = self.folder.exists()
            self.entries.mkdir(parents=True, exist_ok=True)
            if marker.is_file() and marker.read_bytes() == expected:
                return
            stale = [p for p in self.entries.iterdir() if p.suffix == _ENTRY_SUFFIX]
            for p in stale:
                p.unlink()
            if (self.folder / "manifest").is_file():
                (self.folder / "manifest").unlink()
            if had and (stale or marker.exists()):
                self._note("not a cache of this version: rebuilt")
            (self.folder / "CACHEDIR.TAG").write_bytes(_TAG)
            write_atomic(marker, expected)
        except (OSError, KGError) as exc:  # a cache is a saving, never a reason to stop the build
            self._give_up(exc)

    def get(self, doc: Document) -> Extraction | None:
        """The cached extraction of ``doc``, or None (missing, or not trusted: then a note says why)."""
        if self.refresh:
            return None
        self.check(create=False)
        key = self.key(doc)
        path = self.entries / (key + _ENTRY_SUFFIX)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        record, why = _unpack(data, key)
        if record is not None:
            try:
                return decode_extraction(record, doc, self.lexicon)
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
                why = f"not a record of this document ({exc.__class__.__name__})"
        self._note(f"entry of {doc.path} not trusted ({why}): read again")
        return None

    def _give_up(self, exc: Exception) -> None:
        """Build on without the cache (a full disk, a folder that cannot be written), and say so."""
        if not self.disabled:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else getattr(exc, "message", exc)
            self._note(f"cannot write the cache ({reason}): this build does not keep it")
        self.disabled = True

    def put(self, ex: Extraction) -> None:
        """Keep an extraction (written whole: a temporary file renamed over the entry)."""
        self.check()
        if self.disabled:
            return
        key = self.key(ex.doc)
        path = self.entries / (key + _ENTRY_SUFFIX)
        tmp = self.entries / f".{key}.{os.getpid()}.tmp"
        try:
            tmp.write_bytes(_pack(key, encode_extraction(ex, self.lexicon)))
            os.replace(tmp, path)
        except OSError as exc:
            try:
                tmp.unlink()
            except OSError:
                pass
            self._give_up(exc)

    def iter_extract(self, docs: list[Document], lexicon, jobs: int = 1, progress=None):
        """Every document's extraction, in order: from the cache where it holds an entry, else
        extracted (in ``jobs`` processes) and kept as each one is done, so that a document that fails
        leaves the others cached. An entry read back and not trusted is extracted again there."""
        from .build import iter_extract

        from .corpus import Corpus

        self.lexicon = lexicon
        self.check(create=False)
        files = docs.files if isinstance(docs, Corpus) else list(docs)  # read when used
        held = [not self.refresh and (self.entries / (self._key(f.path, f.sha256) + _ENTRY_SUFFIX)).is_file()
                for f in files]
        todo = [f for f, h in zip(files, held) if not h]
        fresh = iter_extract(Corpus(todo) if isinstance(docs, Corpus) else todo, lexicon, jobs=jobs,
                             progress=progress, done=self.put)
        extracted = reused = 0
        for f, h in zip(files, held):
            doc = f.load() if h and isinstance(docs, Corpus) else f
            ex = self.get(doc) if h else None
            if ex is not None:
                reused += 1
                if progress:
                    progress(doc)
            elif h:  # an entry not trusted (a note says why): read the document again
                ex = next(iter_extract([doc], lexicon, done=self.put, progress=progress))
                extracted += 1
            else:
                ex = next(fresh)
                extracted += 1
            self.counts = (extracted, reused)
            yield ex

    # ----------------------------------------------------------------------- the last build

    def previous(self) -> dict | None:
        """The manifest of the last committed build, or None (none, or not trusted: a note says why)."""
        self.check(create=False)
        path = self.folder / "manifest"
        try:
            data = path.read_bytes()
        except OSError:
            return None
        record, why = _unpack(data, "manifest")
        if record is not None and isinstance(record.get("documents"), list) and isinstance(record.get("facts"), list):
            return record
        self._note(f"manifest not trusted ({why or 'not a manifest'}): changes told against no earlier build")
        return None

    def changes(self, documents: list[tuple[str, str]], facts: dict) -> Changes:
        """What changed since the last committed build: ``documents`` are the (path, sha256) of this
        build's, ``facts`` its distinct facts as the build kept them, each -> (document, sentence)."""
        prev = self.previous()
        ch = Changes(previous=prev is not None, notes=list(self.notes))
        ch.extracted, ch.reused = self.counts or (len(documents), 0)
        now = dict(documents)
        if prev is None:
            return ch
        try:
            before = {p: h for p, h in prev["documents"]}
            old = {(s, p, o): (d, q) for s, p, o, d, q in prev["facts"]}
        except (TypeError, ValueError):
            self._note("manifest not trusted (not a manifest): changes told against no earlier build")
            return Changes(notes=list(self.notes), extracted=ch.extracted, reused=ch.reused)
        ch.extractor_changed = prev.get("fingerprint") != self.fingerprint
        ch.added = sorted(p for p in now if p not in before)
        ch.changed = sorted(p for p in now if p in before and before[p] != now[p])
        ch.removed = sorted(p for p in before if p not in now)
        ch.unchanged = len(now) - len(ch.added) - len(ch.changed)
        ch.facts_added = [FactChange(*k, *facts[k]) for k in sorted(facts) if k not in old]
        ch.facts_removed = [FactChange(*k, *old[k]) for k in sorted(old) if k not in facts]
        return ch

    def commit(self, documents: list[tuple[str, str]], facts: dict) -> None:
        """Record this build as the last one (the manifest, written atomically: its documents' path and
        sha256, and its facts as :meth:`changes` takes them), then remove the entries and temporary
        files no document of it uses."""
        from .rdfio import _pid_alive, write_atomic

        self.check()
        if self.disabled:
            return
        record = {"fingerprint": self.fingerprint,
                  "documents": [[path, sha] for path, sha in documents],
                  "facts": [[*k, *facts[k]] for k in sorted(facts)]}
        try:
            write_atomic(self.folder / "manifest", _pack("manifest", record))
        except KGError as exc:
            self._give_up(exc)
            return
        keep = {self._key(path, sha) + _ENTRY_SUFFIX for path, sha in documents}
        for name in os.listdir(self.entries) if self.entries.is_dir() else ():
            stale = name.endswith(_ENTRY_SUFFIX) and name not in keep
            if name.startswith(".") and name.endswith(".tmp"):
                pid = name.rsplit(".", 2)[-2]
                stale = not (pid.isdigit() and _pid_alive(int(pid)))
            if stale:
                try:
                    os.unlink(self.entries / name)
                except OSError:
                    pass
