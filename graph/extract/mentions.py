"""Entity mentions: names the lexicon knows, and names of bases and organisations it does not.

The lexicon's names, aliases, demonyms, named forces and concept labels are compiled once into
two regular expressions (:class:`_Matcher`); name patterns find the bases ("<Name> Air Base",
"Camp <Name>", "Air Base 201") and organisations ("<Name> Pact", "Organization of <Name>") it does
not know, which become new entities of the document.

>>> [(m.text, m.entity, m.via) for m in find_mentions("Turkish troops are at Camp Bondsteel.", _DocState(), {})]
[('Turkish', 'turkey', 'demonym'), ('Camp Bondsteel', 'camp-bondsteel', 'pattern')]
"""

from __future__ import annotations

import re

from ..lexicon import Entity, Lexicon, load_lexicon, name_key, slugify
from .model import Mention, _DocState

# --------------------------------------------------------------------------- name patterns

_NAME_WORD = r"(?:[A-Z][\w'\u2019\-]*|al-[A-Z][\w\-]*|(?:al|as|ad|ar|el|bin|ibn|de|du|la|le|di)(?![\w\u00c0-\u024f]))"
_NAME = rf"[A-Z][\w'\u2019\-]*(?:\s+{_NAME_WORD}){{0,3}}"
_BASE_SUFFIX = (
    r"(?:Air\s+Force\s+Base|Naval\s+Air\s+Station|[Aa]ir\s+[Bb]ase|[Aa]irbase|Air\s+Station|Air\s*[Ff]ield|[Aa]irfield|"
    r"[Nn]aval\s+[Bb]ase|Naval\s+Station|Naval\s+Facility|Naval\s+Support\s+Facility|[Mm]ilitary\s+[Bb]ase|Army\s+Base|"
    r"Garrison|Barracks|Cantonment|Logistics\s+Base|Base)"
)
_BASE_PREFIX = (
    r"(?:Naval\s+Support\s+Activity|Naval\s+Support\s+Facility|Naval\s+Air\s+Station|Naval\s+Station|"
    r"Joint\s+Base|Forward\s+Operating\s+Base|FOB|Camp|Fort|HMS|Base)"
)
_BASE_SUFFIX = (
    r"(?:Radar\s+Station|Space\s+(?:Force\s+)?Base|Air\s+Force\s+Station|Naval\s+Air\s+Facility|"
    r"Marine\s+Corps\s+(?:Air\s+Station|Base)|Army\s+Air\s*field|Naval\s+Submarine\s+Base|Kaserne|Field|"
    + _BASE_SUFFIX[3:]
)
_BASE_PREFIX = (
    r"(?:(?:United\s+States|U\.\s?S\.|US)\s+Army\s+Garrison|Army\s+Garrison|USAG|Royal\s+Air\s+Force|RAF|"
    r"R[A-Z]{1,2}AF(?:\s+Base)?|CFB|NAS|NAVSTA|NSA|NSF|JB|Naval\s+Air\s+Facility|Naval\s+Submarine\s+Base|"
    r"Marine\s+Corps\s+(?:Air\s+Station|Base)|Combat\s+Outpost|Camp\s+de\s+la|Camp\s+de|"
    r"Base\s+A[ée]rienne|Base\s+A[ée]rea|Base\s+Navale|Air\s+Station|Naval\s+Base|Navy\s+Base|Naval\s+Air\s+Base|"
    r"NATO\s+Air\s+Base|Fleet\s+Activities|" + _BASE_PREFIX[3:]
)
#: "the Tariq bin Ziyad base", "the Incirlik base": a proper name before a lowercase "base"
_LOWER_BASE_RE = re.compile(rf"\b({_NAME})\s+(base|airbase|air\s+base|naval\s+base|military\s+base)\b(?!\s+[A-Z])")
#: words that never make a base's name alone ("the Air Base", "a Forward Operating Base")
_GENERIC_NAME_WORDS = {
    "Military", "Air", "Naval", "Navy", "Army", "Main", "Forward", "Operating", "Joint", "New", "Old", "Former",
    "Largest", "Force", "Forces", "Foreign", "Overseas", "Strategic", "Key", "Major", "Logistics", "Support",
    "Training", "Base", "Station", "Field", "Marine", "Corps", "Space", "Radar", "Home", "Host", "Largest",
    "OCONUS", "CONUS", "Permanent", "Temporary", "Allied", "Coalition", "Regional", "International",
    "Aérea", "Aerea", "Aérienne", "Aerienne", "Navale", "Naval", "Militar", "Militaire", "Aérea",
}
#: a base-like name followed by one of these is a unit ("the 502nd Air Base Wing")
_UNIT_AFTER = re.compile(r"^\s+(?:Wing|Group|Squadron|Regiment|Command|Division|Brigade|Battalion|Detachment|"
                         r"Flight|Company|Task\s+Force|Element)\b")
_SUFFIX_BASE_RE = re.compile(rf"\b({_NAME})\s+({_BASE_SUFFIX})\b(?:\s+(\d{{1,4}})\b)?")
_PREFIX_BASE_RE = re.compile(rf"\b({_BASE_PREFIX})\s+({_NAME})")
#: "Air Base 201", "Base Aérienne 172": a base named by a number
_NUMBERED_BASE_RE = re.compile(
    r"\b((?:Air\s+Base|Base\s+A[ée]rienne|Base\s+A[ée]rea|Naval\s+Base|Military\s+Base|Air\s+Station|Base)"
    r"\s+(?:n\.?\s?[º°o]\.?\s?|No\.?\s?)?\d{1,4})\b")
#: "the Russian 102nd Military Base": an ordinal names it, and a leading country word belongs to the name
_ORDINAL_BASE_RE = re.compile(
    r"\b((?:[A-Z][a-z]+\s+)?\d{1,3}(?:st|nd|rd|th)\s+(?:Military\s+Base|Air\s+Base|Naval\s+Base|Base|"
    r"Guards\s+Military\s+Base))\b")
_ORG_SUFFIX = (
    r"(?:Treaty\s+Organi[sz]ation|Defen[cs]e\s+Organi[sz]ation|Pact|Alliance|Coalition|Council|League|"
    r"Organi[sz]ation|Treaty|Initiative|Union|Dialogue|Partnership|Community|Entente|Arrangements|Powers)"
)
_ORG_RE = re.compile(
    rf"\b((?:[A-Z][\w'\u2019\-]*\s+)(?:(?:of|for|the|and|on|in|to)\s+|[A-Z][\w'\u2019\-]*\s+){{0,6}}?){_ORG_SUFFIX}\b(?!-)(?!\s+{_ORG_SUFFIX}\b)(?:\s+(?:of|for)\s+(?:the\s+)?[A-Z][\w'\u2019\-]*(?:\s+(?:of\s+|and\s+)?[A-Z][\w'\u2019\-]*){{0,4}})?"
)
#: "Pact of the Seas", "Organization of American States": the head noun first
_ORG_OF_RE = re.compile(
    r"\b(?:Treaty|Pact|League|Organi[sz]ation|Union|Council|Alliance|Community|Conference|Entente)\s+(?:of|for)\s+"
    r"(?:the\s+)?[A-Z][\w'\u2019\-]*(?:\s+(?:and\s+|of\s+|the\s+)?[A-Z][\w'\u2019\-]*){0,4}")
_LEADING_STOP = {
    "The", "A", "An", "At", "In", "From", "To", "On", "By", "With", "Both", "While", "When", "And", "Near", "Of",
    "This", "That", "These", "Those", "Its", "Their", "His", "Her", "Our", "Some", "Several", "Many", "Most",
    "Since", "During", "After", "Before", "Today", "Meanwhile", "Also", "Major", "Key", "Shared", "Former",
    "New", "Other", "All", "Each", "Every", "As", "For", "Under", "Through", "Via", "Like", "Such", "Nearby",
    "Why", "How", "What", "Where", "Which", "Understanding", "Inside", "Our", "Your", "US-run", "Joint",
}
_GENERIC_ORG_HEADS = {"Security", "Defense", "Defence", "Military", "Strategic", "Regional", "Islamic", "Western"}
_GEO_BEFORE = re.compile(r"\b(?:Gulf|Bay|Sea|Strait|Straits|Isthmus|Gulf|Horn|Cape)\s+of\s+(?:the\s+)?$")
_GEO_AFTER = re.compile(r"^\s+(?:Sea|Strait|Straits|Gulf|Peninsula|Basin|Ocean|Highlands|Desert|Plateau|Plain|Channel)\b")
#: "Latin America", "Central American", "Our America": a region word makes a country's name part of another
_REGION_BEFORE = re.compile(r"\b(?:Latin|Central|Our|Middle|Greater|Upper|Lower|Ibero|Anglo|Pan|Meso)[\s\-]$")


# --------------------------------------------------------------------------- the lexicon, compiled


class _Matcher:
    """Compiled surface forms of the lexicon: one regex for names, one for concepts."""

    def __init__(self, lex: Lexicon):
        self.lex = lex
        forms: dict[str, tuple[str, str]] = {}
        for ent in lex.entities.values():
            if ent.is_concept:
                continue
            for name in (ent.label, *ent.aliases):
                forms.setdefault(name, (ent.id, "name"))
                if name.startswith("the "):
                    forms.setdefault(name[4:], (ent.id, "name"))
            for dem in ent.demonyms:
                forms.setdefault(dem, (ent.id, "demonym"))
                if dem[-1] in "niae":
                    forms.setdefault(dem + "s", (ent.id, "demonym"))
        for force, country in lex.forces.items():
            forms.setdefault(force, (country, "force"))
        self.forms = forms
        alts = sorted(forms, key=lambda s: (-len(s), s))
        self.name_re = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(a) for a in alts) + r")(?![\w])(?!-\w)")
        concept_forms: dict[str, str] = {}
        for ent in lex.entities.values():
            if ent.is_concept:
                for name in (ent.label, *ent.aliases):
                    concept_forms.setdefault(name.lower(), ent.id)
        self.concept_forms = concept_forms
        calts = sorted(concept_forms, key=lambda s: (-len(s), s))
        self.concept_re = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(a) for a in calts) + r")(?![\w-])", re.I)
        self.by_name = lex.by_name()


_MATCHERS: dict[int, _Matcher] = {}


def _matcher(lex: Lexicon | None = None) -> _Matcher:
    """The compiled matcher of a lexicon (the bundled one by default), cached."""
    lex = lex or load_lexicon()
    m = _MATCHERS.get(id(lex))
    if m is None or m.lex is not lex:
        m = _MATCHERS[id(lex)] = _Matcher(lex)
    return m


# --------------------------------------------------------------------------- names found by pattern


def _strip_leading(name: str, m: _Matcher, any_form: bool = False) -> tuple[str, int]:
    """Drop leading function words, countries and demonyms (any known name with ``any_form``)
    from a pattern name: "the German Incirlik Air Base" -> "Incirlik Air Base"."""
    words = name.split()
    dropped = 0
    while words:
        w = words[0]
        bare = re.sub(r"['\u2019]s$", "", w)
        known = bare in m.forms and (any_form or m.lex.entities[m.forms[bare][0]].kind == "Country")
        if w in _LEADING_STOP or known or w.endswith(("'s", "\u2019s")):
            dropped += len(w)
            words.pop(0)
            while dropped < len(name) and name[dropped].isspace():
                dropped += 1
            continue
        break
    return " ".join(words), dropped


def _strip_country_words(name: str, drop: int, m: _Matcher) -> tuple[str, int]:
    """Drop leading countries and services, however many words they take: "a United States Navy naval
    base", "a United States Space Force base" describe a base, they do not name it."""
    lead = m.name_re.match(name)
    while name and lead and m.lex.entities[m.forms[lead.group(0)][0]].kind == "Country":
        cut = len(name) - len(name[lead.end():].lstrip())
        drop += cut
        name = name[cut:]
        lead = m.name_re.match(name)
    return name, drop


def _base_kind(label: str) -> str:
    low = label.lower()
    if re.search(r"air|airfield|airbase", low):
        return "AirBase"
    if re.search(r"naval|hms |navy|port", low):
        return "NavalBase"
    return "MilitaryBase"


def _tidy_suffix(suffix: str) -> str:
    s = re.sub(r"\s+", " ", suffix)
    s = " ".join(w[:1].upper() + w[1:] for w in s.split())  # "air base" -> "Air Base"
    return {"Air Field": "Airfield", "Airbase": "Air Base"}.get(s, s)


#: long and short forms of base-name prefixes ("Royal Air Force Mildenhall" is "RAF Mildenhall")
_PREFIX_FORMS = (("Royal Air Force ", "RAF "), ("Naval Air Station ", "NAS "), ("Naval Station ", "NAVSTA "),
                 ("United States Army Garrison ", "USAG "), ("U.S. Army Garrison ", "USAG "),
                 ("US Army Garrison ", "USAG "), ("Naval Support Activity ", "NSA "))


def _resolve_pattern_entity(label: str, kind: str, ents: dict[str, Entity], m: _Matcher) -> str:
    known = m.by_name.get(name_key(label))
    for long, short in _PREFIX_FORMS:
        if known:
            break
        for a, b in ((long, short), (short, long)):
            if label.startswith(a):
                known = m.by_name.get(name_key(b + label[len(a):]))
    if known:
        return known
    eid = slugify(label)
    if eid not in ents:
        ents[eid] = Entity(eid, label, kind)
    return eid


#: a news dateline: "ROTA, Spain --", "CAMP HUMPHREYS, South Korea —"
_DATELINE = re.compile(r"^([A-Z][A-Z'\u2019.\- ]{2,}[A-Z])(?=,\s+[A-Z])")
_SMALL_WORDS = {"De", "La", "Le", "Du", "Di", "Al", "Of", "The", "And"}


def _titled(caps: str) -> str:
    """'CAMP HUMPHREYS' -> 'Camp Humphreys', 'RAF LAKENHEATH' -> 'RAF Lakenheath' (short acronyms kept)."""
    words = []
    for w in caps.split(" "):
        if len(w) <= 3 and w.isalpha() and w not in ("CAMP", "FORT"):
            words.append(w if w.title() not in _SMALL_WORDS else w.lower())
        else:
            words.append(w[:1] + w[1:].lower())
    return " ".join(words)


# --------------------------------------------------------------------------- mentions


def find_mentions(text: str, state: _DocState, ents: dict[str, Entity], m: _Matcher | None = None) -> list[Mention]:
    """All entity mentions in one sentence's clean text, longest first, no overlaps."""
    m = m or _matcher()
    cands: list[tuple[int, int, int, Mention]] = []  # (start, -len, priority, mention)
    original = text
    dateline = _DATELINE.match(text)
    if dateline:  # "CAMP HUMPHREYS, South Korea --": read the capitals as a name
        head = _titled(dateline.group(1))
        if len(head) == dateline.end(1):
            text = head + text[dateline.end(1):]

    def add(start, end, eid, kind, via, prio):
        cands.append((start, -(end - start), prio, Mention(start, end, eid, kind, via, original[start:end])))

    for mt in _ORDINAL_BASE_RE.finditer(text):
        if _UNIT_AFTER.match(text[mt.end():]):
            continue
        label = re.sub(r"\s+", " ", mt.group(1))
        first = label.split()[0]
        start = mt.start(1)
        if not (first in m.forms and m.forms[first][1] == "demonym") and not first[0].isdigit():
            label = label.split(" ", 1)[1]  # "The 102nd ..." / "At 102nd ...": not part of the name
            start = mt.start(1) + len(first) + 1
        eid = _resolve_pattern_entity(label, _base_kind(label), ents, m)
        add(start, mt.end(1), eid, (ents.get(eid) or m.lex.entities[eid]).kind, "pattern", 0)
    for mt in _NUMBERED_BASE_RE.finditer(text):
        label = re.sub(r"\s+", " ", mt.group(1))
        eid = _resolve_pattern_entity(label, _base_kind(label), ents, m)
        add(mt.start(1), mt.end(1), eid, (ents.get(eid) or m.lex.entities[eid]).kind, "pattern", 0)
    for mt in _LOWER_BASE_RE.finditer(text):
        name, drop = _strip_country_words(*_strip_leading(mt.group(1), m), m)
        if not name or all(w in _GENERIC_NAME_WORDS for w in name.split()):
            continue
        known = m.by_name.get(name_key(name))
        if known and not m.lex.entities[known].is_base:
            continue  # "the NATO base", "a Gulf base": no base's name
        if not known and len(name.split()) < 2:
            continue  # one unknown word before "base" is too weak a name
        label = known and m.lex.entities[known].label or f"{name} {_tidy_suffix(mt.group(2))}"
        eid = known or _resolve_pattern_entity(label, _base_kind(label), ents, m)
        add(mt.start(1) + drop, mt.end(), eid, (ents.get(eid) or m.lex.entities[eid]).kind, "pattern", 0)
    for rx in (_SUFFIX_BASE_RE,):
        for mt in rx.finditer(text):
            if _UNIT_AFTER.match(text[mt.end():]):
                continue
            name, drop = _strip_country_words(*_strip_leading(mt.group(1), m), m)
            if not name or all(w in _GENERIC_NAME_WORDS for w in name.split()):
                continue
            known_name = m.by_name.get(name_key(name))
            if known_name and (m.lex.entities[known_name].kind == "Country" or m.lex.entities[known_name].is_org):
                continue  # "United States Naval Station X", "a NATO air base": a country or alliance names no base
            if re.fullmatch(r"Field", mt.group(2)) and not (m.by_name.get(name_key(f"{name} Field"))):
                # "Lajes Field" is a base, "Oil Field" is not: a bare "Field" name needs a military context
                if not re.search(r"\b(?:air|base|military|force|airfield|squadron|wing)\b", text, re.I):
                    continue
            label = f"{name} {_tidy_suffix(mt.group(2))}"
            if mt.group(3):
                label += f" {mt.group(3)}"
            eid = _resolve_pattern_entity(label, _base_kind(label), ents, m)
            add(mt.start(1) + drop, mt.end(), eid, ents.get(eid, m.lex.entities.get(eid)).kind, "pattern", 0)
    for mt in _PREFIX_BASE_RE.finditer(text):
        if _UNIT_AFTER.match(text[mt.end():]):
            continue
        words = mt.group(2).split()
        first = words[0]
        if any(_UNIT_AFTER.match(" " + w) for w in words):
            continue  # "RAF Bomber Command" is a unit
        if first in _GENERIC_NAME_WORDS or first in _LEADING_STOP or (
                first in m.forms and m.lex.entities[m.forms[first][0]].kind == "Country"):
            continue
        keep = [words[0]]
        for w in words[1:]:
            if w in m.forms or w in _LEADING_STOP:
                break
            keep.append(w)
        name = " ".join(keep)
        prefix = re.sub(r"\s+", " ", mt.group(1))
        label = f"{prefix} {name}"
        end = mt.start(2) + len(mt.group(2).split(keep[-1], 1)[0]) + len(keep[-1]) if len(keep) > 1 else mt.start(2) + len(keep[0])
        kind = _base_kind(label)
        eid = _resolve_pattern_entity(label, kind, ents, m)
        add(mt.start(), end, eid, (ents.get(eid) or m.lex.entities[eid]).kind, "pattern", 0)
    for mt in m.name_re.finditer(text):
        eid, via = m.forms[mt.group(0)]
        if via == "force" and re.match(r"\s+of\s", text[mt.end():]):
            continue  # "the Royal Air Force of Oman" is Oman's, not Britain's
        if m.lex.entities[eid].kind == "Country" and via != "force" and (
                _GEO_BEFORE.search(text[max(0, mt.start() - 16):mt.start()]) or _GEO_AFTER.match(text[mt.end():])
                or _REGION_BEFORE.search(text[max(0, mt.start() - 12):mt.start()])):
            continue  # "the Gulf of Thailand", "the South China Sea", "the Korean Peninsula" are no country
        ent = m.lex.entities[eid]
        add(mt.start(), mt.end(), eid, ent.kind if via != "force" else "Country", via, 1)
    for mt in [*_ORG_RE.finditer(text), *_ORG_OF_RE.finditer(text)]:
        name, drop = _strip_leading(mt.group(0), m, any_form=True)
        if not name or len(name.split()) < 2 or name.split()[0] in _GENERIC_ORG_HEADS and len(name.split()) < 3:
            continue
        known = m.by_name.get(name_key(name))
        if not known and any(
            x.start() > 0 and m.lex.entities[m.forms[x.group(0)][0]].is_org for x in m.name_re.finditer(name)
        ):
            continue  # "Members of the Arab League": the known name inside wins
        kind = "MilitaryAlliance" if re.search(r"Pact|Alliance|Coalition|Treaty|Defen[cs]e|Security|Military", name) else "Organization"
        eid = known or _resolve_pattern_entity(name, kind, ents, m)
        add(mt.start() + drop, mt.end(), eid, (ents.get(eid) or m.lex.entities[eid]).kind, "pattern", 2)
    for alias, eid in state.aliases.items():
        for mt in re.finditer(rf"(?<![\w.]){re.escape(alias)}(?!\w)", text):
            ent = ents.get(eid) or m.lex.entities[eid]
            add(mt.start(), mt.end(), eid, ent.kind, "acronym", 1)
    for mt in m.concept_re.finditer(text):
        eid = m.concept_forms[mt.group(0).lower()]
        add(mt.start(), mt.end(), eid, m.lex.entities[eid].kind, "concept", 3)

    cands.sort(key=lambda c: (c[0], c[1], c[2]))
    out: list[Mention] = []
    taken_end = -1
    for start, _neg, _prio, men in cands:
        if start < taken_end:
            continue
        out.append(men)
        taken_end = men.end
    return _commands(original, out)


_COMMAND_GAP = re.compile(r"^\s(?:(?:Armed\s+)?Forces|Army|Navy|Air\s+Forces?|Marine\s+Corps|Naval\s+Forces)?\s?$")


def _commands(text: str, mentions: list[Mention]) -> list[Mention]:
    """'U.S. Army Japan', 'United States Forces Korea': a service (or a country and 'Forces') followed by
    the country it is posted in names a command of the first country, not the second."""
    out: list[Mention] = []
    for men in mentions:
        prev = out[-1] if out else None
        if (prev is not None and prev.kind == "Country" and men.kind == "Country" and men.via == "name"
                and prev.entity != men.entity and prev.via in ("force", "name")):
            gap = text[prev.end:men.start]
            if (prev.via == "force" and gap == " ") or (prev.via == "name" and _COMMAND_GAP.match(gap) and gap.strip()):
                out[-1] = Mention(prev.start, men.end, prev.entity, "Country", "force", text[prev.start:men.end])
                continue
        out.append(men)
    return out
