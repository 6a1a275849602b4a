"""Why a fact was or was not read: mentions, the parse around them, each pair's path and rule.

>>> print(explain_text("Finland joined NATO in 2023."))      # doctest: +SKIP
sentence 1: Finland joined NATO in 2023.
  mentions: Finland [Country finland, name] · NATO [MilitaryAlliance nato, name]
  ...
"""

from __future__ import annotations

from .corpus import Document, parse_document
from .extract import _Reader


def explain_document(doc: Document) -> str:
    """A plain-text report of how extraction reads ``doc``, sentence by sentence."""
    from .depmatch import load_rules, pair_paths

    reader = _Reader(doc)
    result = reader.run()
    rules = load_rules()
    parsed = reader.parsed
    facts_by_sentence: dict[int, list] = {}
    for f in result.facts:
        facts_by_sentence.setdefault(f.evidence.start, []).append(f)
    lines: list[str] = []
    for s, mentions in zip(doc.sentences, reader.sentence_mentions):
        if s.heading:
            lines.append(f"[heading] {s.text}")
            continue
        lines.append(f"sentence {s.index}: {s.text}")
        mentions = [*mentions, *reader.coref.get(s.index, [])]
        if mentions:
            lines.append("  mentions: " + " · ".join(f"{m.text} [{m.kind} {m.entity}, {m.via}]" for m in mentions))
        windows = parsed.get(s.index)
        if not windows:
            lines.append("  not parsed (fewer than two mentions, or none of a base, organisation or country)")
        for a, d in windows or ():
            if len(windows) > 1:
                lines.append(f"  part from character {a}:")
            lines.append("  parse: " + " ".join(f"{t.text}/{t.dep_}>{t.head.i}" for t in d))
            local = [x for x in mentions if a <= x.start and x.end <= a + len(d.text)]
            local = [type(x)(x.start - a, x.end - a, x.entity, x.kind, x.via, x.text) for x in local]
            for pp in pair_paths(d, local, rules):
                verdict = f"rule {pp.rule}" + (" (blocked: negation or modality)" if pp.blocked else "") \
                    if pp.rule else "no rule"
                lines.append(f"  {pp.subject.mention.text} -{pp.relation}-> {pp.object.mention.text}: {pp.path}  [{verdict}]")
        for f in facts_by_sentence.get(s.start, []):
            if f.evidence.end == s.end:
                lines.append(f"  fact: {f.subject} {f.prop} {f.object}  (rule {f.evidence.rule})")
    return "\n".join(lines)


def explain_text(text: str, name: str = "sentence.md") -> str:
    """Explain a sentence or a whole document given as text."""
    return explain_document(parse_document(name, text))
