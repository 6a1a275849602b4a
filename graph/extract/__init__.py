"""Extraction: entity mentions and relations from the sentences of a document.

Mentions come from the lexicon (names, aliases, demonyms, named forces, concept
labels) and from name patterns for bases and organisations the lexicon does not
know ("<Name> Air Base", "Camp <Name>", "<Name> Pact", ...). Relations come from
rules over one sentence (or one clause of it); each fact keeps the sentence as
evidence and the name of the rule that read it.

One concern per module:

* :mod:`.model`: what extraction yields (:class:`Mention`, :class:`Evidence`, :class:`Fact`,
  :class:`Extraction`);
* :mod:`.mentions`: entity mentions from the lexicon and from name patterns (:func:`find_mentions`);
* :mod:`.aliases`: names a document defines for itself (acronyms, the short name of a base);
* :mod:`.cues`: the words and gaps the surface rules look for;
* :mod:`.surface`: the surface rules over one sentence (locations, forces at bases, allies, concepts);
* :mod:`.orgs`: the surface rules about organisations (members, founding years, new names);
* :mod:`.lists`: lists and coordination (member lists, coordinated countries and bases);
* :mod:`.parsed`: the driver of the rules over the dependency parse (:mod:`graph.depmatch`);
* :mod:`.referring`: what referring words stand for (with :mod:`graph.discourse`), and their antecedents;
* :mod:`.windows`: a very long sentence read in parts;
* :mod:`.evidence`: facts assembled with their evidence;
* :mod:`.document`: the reader of one document, :func:`extract_document` and :func:`extract_corpus`.

>>> from graph.corpus import parse_document
>>> doc = parse_document("x.md", "German forces are based at Incirlik Air Base in Turkey.")
>>> sorted((f.subject, f.prop, f.object) for f in extract_document(doc).facts)
[('incirlik-air-base', 'hostsForcesOf', 'germany'), ('incirlik-air-base', 'locatedIn', 'turkey')]
"""

from __future__ import annotations

from .cues import FORCE_NOUN
from .document import _Reader, extract_corpus, extract_document
from .mentions import _Matcher, _matcher, find_mentions
from .model import Evidence, Extraction, Fact, Mention, _DocState
from .parsed import extractor_name
from .windows import MAX_PARSE_CHARS, _in_window

__all__ = ["Evidence", "Extraction", "FORCE_NOUN", "Fact", "MAX_PARSE_CHARS", "Mention", "extract_corpus",
           "extract_document", "extractor_name", "find_mentions"]
