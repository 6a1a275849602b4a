"""The reader of one document: mentions sentence by sentence, the surface rules, then the rules
over the parse; :func:`extract_document` and :func:`extract_corpus`.

>>> from graph.corpus import parse_document
>>> doc = parse_document("a.md", "Aviano Air Base is located in Italy.")
>>> [f.key for f in extract_document(doc).facts]
[('aviano-air-base', 'locatedIn', 'italy')]
"""

from __future__ import annotations

from ..corpus import Document, Sentence
from ..lexicon import Lexicon
from .aliases import _DocumentNames
from .evidence import _FactRecorder
from .lists import _ListRules
from .mentions import _matcher, find_mentions
from .model import Extraction, Mention, _DocState, _is_base, _is_org
from .orgs import _OrgRules
from .parsed import _ParseRules, extractor_name
from .referring import _Referring
from .surface import _SurfaceRules


class _Reader(_ParseRules, _ListRules, _Referring, _SurfaceRules, _OrgRules, _DocumentNames, _FactRecorder):
    """Reads the facts of one document, sentence by sentence.

    Each base class holds one group of rules (see :mod:`graph.extract`); this class holds the
    state they share and the order they run in (:meth:`run`).
    """

    def __init__(self, doc: Document, lex: Lexicon | None = None, use_parse: bool = True):
        self.doc = doc
        self.m = _matcher(lex)
        self.lex = self.m.lex
        self.state = _DocState()
        self.result = Extraction(doc=doc)
        self.ents = self.result.entities
        self.section_mentions: dict[str, list[Mention]] = {}
        self.base_sentence: dict[str, Sentence] = {}
        self.seen: set[tuple[str, str, str, int]] = set()
        self.use_parse = use_parse

    def run(self, parsed: dict | None = None) -> Extraction:
        """Read the document: surface rules sentence by sentence, then the rules over the parse.

        ``parsed`` maps sentence index -> spaCy Doc for sentences parsed elsewhere (a batch); the
        sentences worth parsing that it lacks are parsed here.
        """
        self.state.network = self._network_entity()
        self.sentence_mentions: list[list[Mention]] = []
        for s in self.doc.sentences:
            self._define_acronyms(s.text)
            mentions = self._same_base(find_mentions(s.text, self.state, self.ents, self.m))
            self._short_names(mentions)
            self.sentence_mentions.append(mentions)
            self.note_mentions(mentions)
            if not s.heading:
                self._sentence(s, mentions)
            else:
                self.section_mentions[s.text] = mentions
            for men in mentions:
                if _is_org(men):
                    self.state.last_org = men.entity
                    if men.entity not in self.state.orgs_seen:
                        self.state.orgs_seen.append(men.entity)
                elif _is_base(men):
                    self.state.last_base = men.entity
                    if not s.heading:
                        self.base_sentence.setdefault(men.entity, s)
        if self.use_parse:
            self._parse_rules(parsed)
            self.result.extractor = extractor_name()
        self._section_country_locations()
        self._drop_hosts_that_are_locations()
        return self.result


def extract_document(doc: Document, lexicon: Lexicon | None = None, *, parse: bool = True) -> Extraction:
    """Mentions and facts of one document (with the bundled lexicon unless one is given).

    ``parse=False`` reads with the surface rules alone (no spaCy pipeline is loaded).
    """
    return _Reader(doc, lexicon, use_parse=parse).run()


def extract_corpus(docs, lexicon: Lexicon | None = None) -> list[Extraction]:
    """Extract every document (in the given order)."""
    return [extract_document(d, lexicon) for d in docs]
