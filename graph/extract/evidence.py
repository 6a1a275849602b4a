"""Facts assembled with their evidence: the sentence that states a fact (its offsets in the
document, its section and the rule that read it), and the sentence that named what a referring
word in it stands for.

>>> from graph.corpus import parse_document
>>> from graph.extract.document import _Reader
>>> reader = _Reader(parse_document("a.md", "Finland joined NATO."), use_parse=False)
>>> s = reader.doc.sentences[0]
>>> reader.fact(s, "finland", "memberOf", "nato", "joined-org")
>>> f = reader.result.facts[0]
>>> f.key, f.evidence.quote, f.evidence.rule, sorted(reader.ents)
(('finland', 'memberOf', 'nato'), 'Finland joined NATO.', 'joined-org', ['finland', 'nato'])
"""

from __future__ import annotations

from ..corpus import Sentence
from ..lexicon import Entity
from .model import Evidence, Fact, Mention


class _FactRecorder:
    """Part of :class:`graph.extract.document._Reader`: the facts and mentions it records.

    Uses the reader's ``doc``, ``lex``, ``ents`` (the document's entities), ``result`` and ``seen``.
    """

    def entity(self, eid: str) -> Entity:
        """The entity ``eid``: one the document found, else the lexicon's."""
        return self.ents.get(eid) or self.lex.entities[eid]

    def fact(self, s: Sentence, subj: str, prop: str, obj: str, rule: str, start_year=None, end_year=None,
             antecedent: int | None = None):
        """Record that sentence ``s`` states (subj, prop, obj), read by ``rule``, unless that sentence
        already gave the fact; ``antecedent`` is the index of the sentence that named what a referring
        word stands for."""
        if subj == obj or (subj, prop, obj, s.index) in self.seen:
            return  # one piece of evidence per fact and sentence: the first rule that read it
        self.seen.add((subj, prop, obj, s.index))
        ev = Evidence(self.doc.path, s.start, s.end, self.doc.text[s.start:s.end], s.section, rule)
        ante = None
        if antecedent is not None and antecedent != s.index and 0 <= antecedent < len(self.doc.sentences):
            a = self.doc.sentences[antecedent]
            ante = Evidence(self.doc.path, a.start, a.end, self.doc.text[a.start:a.end], a.section, "antecedent")
        self.result.facts.append(Fact(subj, prop, obj, ev, start_year, end_year, ante))
        for eid in (subj, obj):
            if eid in self.lex.entities and eid not in self.ents:
                self.ents[eid] = self.lex.entities[eid]

    def note_mentions(self, mentions: list[Mention]):
        """Count the mentions, and keep the lexicon's entities they name."""
        for men in mentions:
            self.result.mentions[men.entity] += 1
            if men.entity in self.lex.entities and men.entity not in self.ents:
                self.ents[men.entity] = self.lex.entities[men.entity]
