"""Extraction: entity mentions and relations from the sentences of a document.

Mentions come from the lexicon (names, aliases, demonyms, named forces, concept
labels) and from name patterns for bases and organisations the lexicon does not
know ("<Name> Air Base", "Camp <Name>", "<Name> Pact", ...). Relations come from
rules over one sentence (or one clause of it); each fact keeps the sentence as
evidence and the name of the rule that read it.

>>> from graph.corpus import parse_document
>>> doc = parse_document("x.md", "German forces are based at Incirlik Air Base in Turkey.")
>>> sorted((f.subject, f.prop, f.object) for f in extract_document(doc).facts)
[('incirlik-air-base', 'hostsForcesOf', 'germany'), ('incirlik-air-base', 'locatedIn', 'turkey')]
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from .corpus import Document, Sentence
from .discourse import REFERRING, Discourse, implicit_org_tokens, plural_group_tokens, referring_tokens
from .lexicon import Entity, Lexicon, load_lexicon, name_key, slugify

# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Mention:
    start: int  #: offsets in the sentence's clean text
    end: int
    entity: str  #: entity id
    kind: str  #: entity kind (ontology class local name)
    via: str  #: name | demonym | force | pattern | acronym | concept | coref
    text: str


@dataclass(frozen=True)
class Evidence:
    doc: str  #: document path
    start: int  #: offsets into the document's original text
    end: int
    quote: str  #: the document's text between the offsets
    section: str
    rule: str


@dataclass(frozen=True)
class Fact:
    subject: str
    prop: str  #: ontology property local name
    object: str  #: entity id, or the text of a literal for datatype properties
    evidence: Evidence
    start_year: int | None = None  #: qualifier (membership start, founding year)
    end_year: int | None = None
    antecedent: Evidence | None = None  #: the sentence that named what a pronoun in the evidence stands for

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.subject, self.prop, self.object)


@dataclass
class Extraction:
    """What one document yields: the entities it mentions and the facts it states."""

    doc: Document
    entities: dict[str, Entity] = field(default_factory=dict)
    facts: list[Fact] = field(default_factory=list)
    mentions: Counter = field(default_factory=Counter)  #: entity id -> number of mentions
    extractor: str = ""  #: the linguistic pipeline and rule set that read it (build metadata)


# --------------------------------------------------------------------------- patterns

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
#: "ALBA or ALBA-TCP, formally the ...", "NORDEFCO, officially the ...": an acronym defined up front
_ACRONYM_LEAD = re.compile(r"^(?:The\s+)?([A-Z][A-Z0-9&\-]{1,9})\b[^.;:]{0,40}?,?\s+(?:formally|officially|in\s+full|"
                           r"short\s+for|which\s+stands\s+for)\s+(?:known\s+as\s+)?(?:the\s+)?")
_ACRONYM_RE = re.compile(r"\(\s*(?:the\s+)?([A-Z][A-Z.&\-]{1,9})\s*\)")
_LEADING_STOP = {
    "The", "A", "An", "At", "In", "From", "To", "On", "By", "With", "Both", "While", "When", "And", "Near", "Of",
    "This", "That", "These", "Those", "Its", "Their", "His", "Her", "Our", "Some", "Several", "Many", "Most",
    "Since", "During", "After", "Before", "Today", "Meanwhile", "Also", "Major", "Key", "Shared", "Former",
    "New", "Other", "All", "Each", "Every", "As", "For", "Under", "Through", "Via", "Like", "Such", "Nearby",
    "Why", "How", "What", "Where", "Which", "Understanding", "Inside", "Our", "Your", "US-run", "Joint",
}
_GENERIC_ORG_HEADS = {"Security", "Defense", "Defence", "Military", "Strategic", "Regional", "Islamic", "Western"}

FORCE_NOUN = (
    r"(?:armed\s+forces|forces|force|troops|military|army|navy|air\s+force|aircraft|jets|fighter\s+jets|fighters|"
    r"bombers|drones|units|personnel|soldiers|sailors|airmen|marines|marine\s+corps|fleet|squadrons?|contingents?|"
    r"battalions?|brigades?|warships|ships|vessels|special\s+forces|service\s*members|garrison|deployment|"
    r"tankers|detachments?|assets)"
)
_FORCE_AFTER = re.compile(
    rf"^(?:['\u2019]s)?(?:\s*(?:,|and|or|&)?\s*(?:[A-Z][\w.\-]*|special|naval|air|ground|combat|elite|"
    rf"allied|coalition|military|fighter|surveillance|transport|refuelling|refueling|tanker|attack|reconnaissance|"
    rf"patrol|cargo|training|support|strike|rapid|reaction|expeditionary|naval|marine|army|amphibious|mechanised|"
    rf"mechanized|infantry|armoured|armored|missile|defence|defense)){{0,3}}?\s+{FORCE_NOUN}\b",
    re.I,
)
_FORCE_DIRECT = re.compile(rf"^(?:['\u2019]s)?\s+{FORCE_NOUN}\b", re.I)
_PRESENCE = re.compile(
    r"\b(?:based|stationed|deployed|garrisoned|housed|hosts?|hosted|hosting|houses|home\s+to|operates?|operated|"
    r"operating|fly|flies|flew|flown|uses?|used|using|shares?|shared|sharing|presence|rotates?|rotating|"
    r"deploys?|station|stations|positioned|headquartered|welcomes?|access\s+to|maintains?|maintained|keeps?|kept|runs?|"
    r"\w+-run|\w+-operated|operated\s+by|controlled|manned|rotational|alongside)\b"
)
_NEGATION = re.compile(r"\b(?:not|no\s+longer|never|withdrew|withdrawn|withdrawing|left|leave|closed|expelled|evicted|ended)\b")
_HOST_VERB = re.compile(r"^\s*(?:\w+\s+){0,2}?(?:hosts|hosted|has\s+hosted|have\s+hosted|houses|housed|welcomes|welcomed|allows|allowed|gives|gave|grants|granted|provides|provided|offers|offered|is\s+home\s+to|was\s+home\s+to)\b")
_SHARE_VERB = re.compile(r"\bshare[sd]?\b|\bsharing\b")
_LOC_GAP = re.compile(
    r"^\s*(?:\)\s*)?,?\s*"
    r"(?:(?:naval|air|military|support|logistics|training|facility|base|station|hub|airfield|installation|complex|"
    r"headquarters|port|compound|garrison|depot)\s+){0,4}"
    r"(?:(?:which|that)\s+(?:is|was|lies)\s+|(?:is|was|lies|sits)\s+)?"
    r"(?:(?:located|situated|sited|based|lying|built)\s+)?"
    r"(?:in|at|inside|within)\s+"
    r"(?:the\s+)?(?:(?:city|town|capital|province|region|emirate|kingdom|state|sultanate|desert|country)\s+of\s+)?"
    r"(?:[\w\-]+\s+){0,3}?$"
)
_APPOS_LOC_GAP = re.compile(
    r"^\s*,\s*(?:an?|the|its)\s+(?:[\w\-'\u2019.]+\s+){0,6}?(?:in|at|inside)\s+(?:the\s+)?"
    r"(?:(?:north|south|east|west|central)\w*\s+)?$"
)
_NEAR_CITY_GAP = re.compile(
    r"^\s*,?\s*(?:(?:which|that)\s+(?:is|was|lies)\s+|(?:is|was|lies)\s+)?(?:(?:located|situated|sited|based)\s+)?"
    r"(?:near|outside|close\s+to|in|at|just\s+outside)\s+(?:the\s+(?:city|town|capital)\s+of\s+)?CITY\s*"
    r"(?:,\s*(?:in\s+)?|\s+in\s+)(?:the\s+)?(?:(?:north|south|east|west|central)\w*\s+)?$"
)
_OWNED_BASE_GAP = re.compile(
    r"\s*(?:(?:military\s+|naval\s+|air\s+|army\s+)?(?:base|facility|installation|airfield|outpost|garrison|camp)"
    r"\s+(?:at|in|of|called|named|known\s+as)?\s*(?:the\s+)?)?"
)
_CITY_COUNTRY_GAP = re.compile(r"^\s*,\s*(?:the\s+)?$")
_POSSESSIVE_GAP = re.compile(r"^['\u2019]s\s+(?:[a-z][\w\-]*\s+){0,2}$")
_LIST_GAP = re.compile(r"^\s*(?:,|;)?\s*(?:and|as\s+well\s+as|plus|along\s+with|together\s+with)?\s*(?:the\s+)?$")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")

#: a label that opens a list of members: "Membership", "Member states:", "Founding members"
_LABEL_LIST = re.compile(
    r"(?:^|(?<=\s))(?:(?:[Cc]urrent\s+|[Ff]ounding\s+|[Ff]ull\s+|[Ff]ormer\s+)?(?:[Mm]embers(?:hip)?|[Mm]ember\s+(?:states|countries|nations))|"
    r"[Ss]ignatories|[Pp]arties|Observers?|Candidates?|Partners)\s*(?::|-|\u2013|\u2014)?\s*(?:\(\d+\)\s*)?(?=[A-Z])"
)
#: words that make a statement a plan, a wish or a denial rather than a fact
_MODAL = re.compile(r"\b(?:will|shall|may|might|could|should|not|never|plans?|planned|hopes?|hoped|seeks?|sought|"
                    r"wants?|wanted|intends?|aims?|applied|applies|candidate|observer|invited|proposed|refused)\b")
#: a group noun and a colon (or dash) that opens a list: "four Central European countries: ..."
_COLON_LIST = re.compile(r"\b(?:countries|states|nations|members|member\s+states|member\s+countries|governments|powers|"
                         r"signatories|parties|founders)\s*(?::|\u2014|\u2013|--)\s*")
_PREP_BEFORE = re.compile(r"\b(?:from|of|with|by|after|before|against|between|than|over|toward|towards)\s+(?:the\s+)?$", re.I)
_GEO_BEFORE = re.compile(r"\b(?:Gulf|Bay|Sea|Strait|Straits|Isthmus|Gulf|Horn|Cape)\s+of\s+(?:the\s+)?$")
_GEO_AFTER = re.compile(r"^\s+(?:Sea|Strait|Straits|Gulf|Peninsula|Basin|Ocean|Highlands|Desert|Plateau|Plain|Channel)\b")
_COLON_JOIN = re.compile(r"\b(?:joined|acceded\s+to|were\s+admitted\s+(?:to|into)|became\s+members\s+of)\b[^:;.]{0,80}?(?::|\u2014|\u2013|--)\s*")
#: "Latin America", "Central American", "Our America": a region word makes a country's name part of another
_REGION_BEFORE = re.compile(r"\b(?:Latin|Central|Our|Middle|Greater|Upper|Lower|Ibero|Anglo|Pan|Meso)[\s\-]$")
_HOST_OWN = re.compile(r"\b(?:its\s+own|the\s+host(?:'s)?|home\s+to\s+the)\s+$", re.I)
_MEMBER_LIST_CUE = re.compile(
    r"\b(?:members|member\s+states|member\s+countries|signatories|founding\s+members|founders|parties)\s+"
    r"(?:were|are|include|included|includes|including|comprise|comprised|:|being|was|then\s+were)\s*:?\s*"
    r"|\b(?:brings\s+together|brought\s+together|bringing\s+together|comprises|comprised|comprising|consists\s+of|"
    r"consisted\s+of|composed\s+of|made\s+up\s+of|unites|united|grouping|groups|grouped|includes|included|including|"
    r"(?:(?:was|is|were)\s+)?(?:formed|founded|established|created|signed|set\s+up)\s+(?:in\s+[\w\s]{1,30}?\s+)?by|"
    r"members\s*:|(?:members|member\s+states|member\s+countries)\b[^.;:]{0,30}?,?\s*(?:among\s+them|among\s+which|"
    r"including|such\s+as|like)\s*:?)\s*"
)
_MEMBER_OF_CUE = re.compile(
    r"(?:\b(?:is|was|are|were|became|become|becomes|remains|remained|has\s+been|have\s+been|had\s+been|being)\s+"
    r"(?:also\s+|both\s+|still\s+|now\s+|later\s+)?(?:a\s+|an\s+)?(?:founding\s+|full\s+|original\s+|permanent\s+|"
    r"active\s+|key\s+|leading\s+)?(?:members?|member\s+states?|signator(?:y|ies)|part|parties)\s+(?:of|to)\s+"
    r"|\b(?:joined|join|joins|acceded\s+to|accede\s+to|entered|signed|co-founded|founded|formed|established|created|"
    r"leads|led|heads|headed|chairs|chaired)\s+"
    r"|,\s*(?:itself\s+|also\s+)?(?:a|an)\s+(?:founding\s+|full\s+)?member(?:\s+state)?\s+of\s+)"
    r"(?:the\s+)?$"
)
_COREF_ORG_NOUN = r"(?:the|this|that)\s+(?:alliance|coalition|pact|organi[sz]ation|bloc|council|league|grouping|treaty)\b"
_MEMBER_COREF_CUE = re.compile(
    r"\b(?:joined|acceded\s+to|leads|led|heads|headed|chairs|chaired|"
    r"(?:is|was|are|were|became|remains|has\s+been)\s+(?:also\s+)?(?:a\s+|an\s+)?(?:founding\s+|full\s+)?"
    r"(?:members?|member\s+states?)\s+of)\s+" + _COREF_ORG_NOUN
)
_MEMBERS_OF_ORG = re.compile(r"\b(?:[Mm]embers|[Mm]ember\s+states|[Mm]ember\s+countries)\s+of\s+(?:the\s+)?$")
_MEMBERS_OF_TAIL = re.compile(r"^\s+(?:include|includes|included|are|were|comprise|comprised)\s*:?\s*(?:the\s+)?")
_OPERATOR_VERB = re.compile(
    r"^\s*(?:also\s+|still\s+|now\s+|currently\s+|jointly\s+)?(?:operates|operated|maintains|maintained|runs|ran|"
    r"uses|used|keeps|kept|stations|stationed|deploys|deployed|flies|flew|rotates|"
    r"has\s+(?:long\s+)?(?:deployed|stationed|kept|maintained|operated|used))\b"
)
_LEFT_CUE = re.compile(r"\b(?:withdrew|withdrawn|left|exited|quit|suspended)\b")
_ORG_MEMBER_GAP = re.compile(r"^\s+(?:ally|allies|member|members|member\s+state|member\s+states|founding\s+member)\s+(?:the\s+)?$")
_MEMBER_APPOS = re.compile(r"^\s*,\s*(?:a|an|the|another)\s+(?:fellow\s+|founding\s+|key\s+|full\s+)?$")
_APPOS_TAIL = re.compile(r"^\s+(?:member|ally|member\s+state|signatory)\b")
_ORG_COREF = re.compile(
    r"\b(?:[Ii]ts|[Tt]he\s+(?:alliance|pact|organi[sz]ation|bloc|coalition|council|treaty|league|union|group(?:ing)?)(?:['\u2019]s)?|"
    r"[Tt]his\s+(?:alliance|pact|organi[sz]ation|bloc|coalition|council|treaty|league|union))\b"
)
_PLURAL_ORG_COREF = re.compile(r"\b(?:[Tt]hese|[Tt]hose|[Bb]oth)\s+(?:pacts|alliances|organi[sz]ations|blocs|coalitions|treaties|groupings)\b")
_BASE_COREF = re.compile(r"\b[Tt]he\s+(?:base|air\s+base|airbase|airfield|facility|installation|camp|station|naval\s+base|garrison)\b")
_ALLIANCE_CUE = re.compile(
    r"\b(?:alliances?|allies|allied|partnerships?|partners?|pacts?|coalitions?|cooperation|co-operation|collaboration|"
    r"security\s+arrangements?|arrangements|accords?|treat(?:y|ies)|blocs?|shared\s+(?:military\s+)?bases|bases)\b",
    re.I,
)
_GROUP_RE = re.compile(r"\b([A-Z][a-z]+)\s+(nations|states|countries)\b")
_RENAMED = re.compile(r"\brenamed\s+(?:as\s+|to\s+)?(?:the\s+)?$")
_FOUNDED = re.compile(r"\b(?:was|were)?\s*(?:founded|formed|established|created|signed|set\s+up|launched|concluded)\s+in\s+(1[89]\d\d|20\d\d)\b")
_DISSOLVED = re.compile(r"\b(?:dissolved|disbanded|abolished|ended|terminated)\s+in\s+(1[89]\d\d|20\d\d)\b")
_ALLIED_GAP = re.compile(r"^\s+and\s+(?:the\s+)?$")
_ALLIED_TAIL = re.compile(r"^\s+(?:are|were|became|remain|have\s+been)\s+(?:close\s+|key\s+|strategic\s+|long-standing\s+)?allies\b")
_ALLIANCE_BETWEEN = re.compile(r"\b(?:alliance|partnership|defen[cs]e\s+pact|security\s+pact|defen[cs]e\s+agreement)\s+between\s+(?:the\s+)?$")


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


@dataclass
class _DocState:
    """What extraction remembers while it reads one document."""

    aliases: dict[str, str] = field(default_factory=dict)  #: acronym or alias -> entity id (this document)
    last_org: str | None = None
    last_base: str | None = None
    orgs_seen: list[str] = field(default_factory=list)
    network: str | None = None  #: label of the document's alliance network ("Alliances of Islamic nations")


_MATCHERS: dict[int, _Matcher] = {}


def _matcher(lex: Lexicon | None = None) -> _Matcher:
    """The compiled matcher of a lexicon (the bundled one by default), cached."""
    lex = lex or load_lexicon()
    m = _MATCHERS.get(id(lex))
    if m is None or m.lex is not lex:
        m = _MATCHERS[id(lex)] = _Matcher(lex)
    return m


# --------------------------------------------------------------------------- mentions


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


# --------------------------------------------------------------------------- helpers


def _is_country(men: Mention) -> bool:
    return men.kind == "Country"


def _is_place(men: Mention) -> bool:
    return men.kind in ("Country", "City")


def _is_base(men: Mention) -> bool:
    return men.kind in ("MilitaryBase", "AirBase", "NavalBase")


def _is_org(men: Mention) -> bool:
    return men.kind in ("Organization", "MilitaryAlliance")


def _force_like(text: str, men: Mention, mentions: list[Mention]) -> bool:
    """Does this country mention stand for armed forces ("German forces", "the Royal Navy")?"""
    if men.via == "force":
        return True
    after = text[men.end:men.end + 60]
    if men.via == "demonym":
        if _FORCE_AFTER.match(after):
            return True
        nxt = [x for x in mentions if x.start >= men.end]
        if nxt and _is_base(nxt[0]) and _OWNED_BASE_GAP.fullmatch(text[men.end:nxt[0].start]):
            return True  # "the British HMS Jufair", "the French base at Chabelley"
        return False
    if _FORCE_DIRECT.match(after) or _FORCE_AFTER.match(after):
        return True
    if re.search(rf"\b{FORCE_NOUN}\s+(?:of|from)\s+(?:the\s+)?$", text[max(0, men.start - 40):men.start], re.I):
        return True  # "the air forces of Qatar"
    nxt = [x for x in mentions if x.start >= men.end]
    return bool(nxt and _is_base(nxt[0]) and re.fullmatch(r"\s*", text[men.end:nxt[0].start]))  # "US Naval Support Activity Bahrain"


def _gap_text(text: str, mentions: list[Mention], i: int, j: int) -> str:
    """Text between mentions i and j, the mentions in between replaced by CITY or ENT."""
    parts, pos = [], mentions[i].end
    for x in mentions[i + 1:j]:
        parts.append(text[pos:x.start])
        parts.append("CITY" if x.kind == "City" else "ENT")
        pos = x.end
    parts.append(text[pos:mentions[j].start])
    return "".join(parts)


def _bases_for_partner(text: str, men: Mention, bases: list[Mention], rule: str) -> list[Mention]:
    """The bases of a clause that a partner mention speaks of.

    A partner named before or after all bases (a subject, "share ... such as") goes with every base;
    one between two bases goes with the next base when it modifies it ("the French base at X"),
    else with the previous one (an apposition: "Camp Lemonnier, the largest American ...").
    """
    if len(bases) == 1 or rule == "share-bases-such-as":
        return bases
    if men.end <= bases[0].start or men.start >= bases[-1].end:
        return bases
    nxt = next(x for x in bases if x.start >= men.end)
    prev = [x for x in bases if x.end <= men.start][-1]
    between = text[men.end:nxt.start]
    if "," not in between and (len(between.split()) <= 3 or _PRESENCE.search(between)):
        return [nxt]  # "the French base at X", "Turkish troops have been deployed to X"
    return [prev]


def _clauses(text: str) -> list[tuple[int, int]]:
    """Split a sentence at clause boundaries that separate independent statements."""
    spans, start = [], 0
    for mt in re.finditer(r";|,\s+(?:while|whereas|but|when|after|before|until|although|though)\s+|\s+while\s+|\s+whereas\s+", text):
        spans.append((start, mt.start()))
        start = mt.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if b > a]


def _list_after(text: str, mentions: list[Mention], i: int, pred) -> list[Mention]:
    """Mentions from index i on that form a list ("A, B and the C")."""
    out = []
    prev_end = None
    for men in mentions[i:]:
        if prev_end is not None and not _LIST_GAP.match(text[prev_end:men.start]):
            break
        if not pred(men):
            break
        out.append(men)
        prev_end = men.end
    return out


def _list_before(text: str, mentions: list[Mention], j: int, pred) -> list[Mention]:
    """Mentions ending at index j (inclusive), going backwards, that form a list."""
    out = []
    nxt_start = None
    for men in reversed(mentions[: j + 1]):
        if nxt_start is not None and not _LIST_GAP.match(text[men.end:nxt_start]):
            break
        if not pred(men):
            break
        if out and _PREP_BEFORE.search(text[max(0, men.start - 16):men.start]):
            break  # "... independence from the United Kingdom, and Vietnam joined": not one list
        out.append(men)
        nxt_start = men.start
    return list(reversed(out))


def _year_after(text: str, pos: int, limit: int = 40) -> int | None:
    mt = re.match(r"^[^.;]{0,%d}?\bin\s+(1[89]\d\d|20\d\d)\b" % limit, text[pos:])
    return int(mt.group(1)) if mt else None


# --------------------------------------------------------------------------- extraction

_JOIN_CUE = re.compile(r"\b(?:join(?:s|ed)?|acceded?|accession|admi(?:tted|ssion)|rejoin(?:s|ed)?)\b", re.I)
_PARSE_KINDS = ("Country", "Organization", "MilitaryAlliance", "MilitaryBase", "AirBase", "NavalBase")


def extractor_name() -> str:
    """'en_core_web_sm 3.8.0 (spaCy 3.8.x); relation rules <sha1>': what read the documents."""
    import hashlib

    from .depmatch import RULES_FILE
    from .nlp import pipeline_name

    digest = hashlib.sha1(RULES_FILE.read_bytes()).hexdigest()[:12]
    return f"{pipeline_name()}; relation rules {digest}"


def _title_mentions(reader) -> list[Mention]:
    for s, mentions in zip(reader.doc.sentences, reader.sentence_mentions):
        if s.heading and s.index == 0 and s.text == reader.doc.title:
            return mentions
    return []


#: sentences longer than this are parsed in parts cut after a comma or semicolon (a flattened list or
#: table can make one "sentence" of many thousand characters; pairs of mentions grow with its square)
MAX_PARSE_CHARS = 1000


def _windows(text: str, limit: int = MAX_PARSE_CHARS) -> list[tuple[int, int]]:
    """Spans of ``text`` of at most about ``limit`` characters, cut after ', ' or '; ' where possible."""
    if len(text) <= limit:
        return [(0, len(text))]
    out, start = [], 0
    while len(text) - start > limit:
        cut = max(text.rfind(", ", start, start + limit), text.rfind("; ", start, start + limit))
        cut = cut + 2 if cut > start + limit // 4 else start + limit
        out.append((start, cut))
        start = cut
    out.append((start, len(text)))
    return out


def _shift(men: Mention, by: int) -> Mention:
    return Mention(men.start + by, men.end + by, men.entity, men.kind, men.via, men.text)


def _in_window(mentions: list[Mention], a: int, b: int) -> list[Mention]:
    """The mentions inside [a, b), in the window's coordinates."""
    return [_shift(x, -a) for x in mentions if a <= x.start and x.end <= b]


_PARENTHETICAL = re.compile(r"\(([^()]{0,160})\)")


def _for_parse(text: str, mentions: list[Mention]) -> str:
    """The sentence as the parser sees it: parentheticals that name no base, organisation or country
    ("(ICAO: LGSA)", "(also spelled Tongduchon)", a pronunciation) are blanked out, character for
    character, so that they do not break the parse and offsets stay the same."""
    def blank(mt):
        inside = [x for x in mentions if mt.start() <= x.start and x.end <= mt.end()
                  and x.via in ("name", "pattern", "acronym") and x.kind in _PARSE_KINDS]
        return mt.group(0) if inside else " " * len(mt.group(0))
    return _PARENTHETICAL.sub(blank, text)


def _shared_places(d, mentions: list[Mention], readings) -> list:
    """'Misawa Air Base and Yokota Air Base in Japan': a place after the last of coordinated bases
    belongs to all of them when none of the others has a place of its own."""
    from .depmatch import Reading

    out = []
    placed = {r.subject.mention.entity for r in readings if r.relation == "locatedIn"}
    for r in readings:
        if r.relation != "locatedIn" or r.rule != "base-prep-place":
            continue
        last = d.char_span(r.subject.mention.start, r.subject.mention.end, alignment_mode="expand")
        if last is None or last.root.dep_ != "conj":
            continue
        chain, tok = [], last.root
        while tok.dep_ == "conj" and tok.head.i != tok.i:
            tok = tok.head
            chain.append(tok.i)
        if any(c.dep_ == "conj" and c.i > last.root.i for c in last.root.children):
            continue  # not the last member of the coordination
        for men in mentions:
            if men.kind not in ("MilitaryBase", "AirBase", "NavalBase") or men.entity in placed:
                continue
            span = d.char_span(men.start, men.end, alignment_mode="expand")
            if span is None or span.root.i not in chain:
                continue
            if any(c.dep_ in ("prep", "acl", "relcl", "appos") for c in span.root.children):
                continue  # it has a place (or a description) of its own
            out.append(Reading(r.subject.__class__(men, span.root.i, "BASE", span.root.i), "locatedIn", r.object,
                               "coordinated-bases-share-place", r.path))
    return out


def _coordinated_countries(windows, mentions: list[Mention]) -> list[str]:
    """The countries a sentence names as one coordinated list ("Poland, Hungary and the Czech
    Republic"), in order: what a later "these nations" or "the three countries" stands for."""
    best: list[str] = []
    for a, d in windows:
        heads: dict[int, list[str]] = {}
        for men in mentions:
            if not (_is_country(men) and men.via == "name") or not (a <= men.start and men.end <= a + len(d.text)):
                continue
            span = d.char_span(men.start - a, men.end - a, alignment_mode="expand")
            if span is None:
                continue
            tok = span.root
            while tok.dep_ == "conj" and tok.head.i != tok.i:
                tok = tok.head
            heads.setdefault(tok.i, [])
            if men.entity not in heads[tok.i]:
                heads[tok.i].append(men.entity)
        for group in heads.values():
            if len(group) > len(best):
                best = group
    return best


def _year_near(doc, reading) -> int | None:
    """A year attached by 'in' to a word on the rule's path ('Finland joined NATO in 2023')."""
    for t in (reading.subject.token, reading.object.token):
        tok = doc[t]
        for anc in [tok, *tok.ancestors][:4]:
            for child in anc.children:
                if child.dep_ == "prep" and child.lower_ == "in":
                    for obj in child.children:
                        if obj.dep_ == "pobj" and re.fullmatch(r"1[89]\d\d|20\d\d", obj.text):
                            return int(obj.text)
    return None



class _Reader:
    """Reads the facts of one document, sentence by sentence."""

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

    # -- bookkeeping

    def entity(self, eid: str) -> Entity:
        return self.ents.get(eid) or self.lex.entities[eid]

    def fact(self, s: Sentence, subj: str, prop: str, obj: str, rule: str, start_year=None, end_year=None,
             antecedent: int | None = None):
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
        for men in mentions:
            self.result.mentions[men.entity] += 1
            if men.entity in self.lex.entities and men.entity not in self.ents:
                self.ents[men.entity] = self.lex.entities[men.entity]

    # -- the document

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

    # -- the rules over the dependency parse

    def sentences_to_parse(self) -> list[int]:
        """Indices of the sentences that could state a fact: two or more mentions (a referring word
        such as 'it' or 'the base' counts) with at least one base, organisation or country."""
        out = []
        for s, mentions in zip(self.doc.sentences, self.sentence_mentions):
            if s.heading:
                continue
            key = [x for x in mentions if x.kind in _PARSE_KINDS]
            n = len([x for x in mentions if x.via != "concept"]) + (1 if REFERRING.search(s.text) else 0) + (
                1 if _JOIN_CUE.search(s.text) else 0)
            if (key or REFERRING.search(s.text)) and n >= 2:
                out.append(s.index)
        return out

    def _parse_rules(self, parsed: dict | None):
        from .depmatch import read_relations

        wanted = self.sentences_to_parse()
        parsed = dict(parsed or {})
        missing = [i for i in wanted if i not in parsed]
        if missing:
            from .nlp import parse

            by_index = {s.index: s for s in self.doc.sentences}
            jobs = []  # (sentence, window start, text to parse)
            for i in missing:
                text = _for_parse(by_index[i].text, self.sentence_mentions[i])
                jobs.extend((i, a, text[a:b]) for a, b in _windows(text))
            for (i, a, _text), d in zip(jobs, parse([j[2] for j in jobs])):
                parsed.setdefault(i, []).append((a, d))
        self.parsed = parsed
        self.coref: dict[int, list[Mention]] = {}
        self.antecedents: dict[tuple[int, int], int] = {}  #: (sentence, offset of a referring word) -> sentence
        disc = Discourse()
        title = [x for x in self.doc.sentences[:1] if x.heading and x.text == self.doc.title]
        title_mentions = find_mentions(title[0].text, self.state, self.ents, self.m) if title else []
        disc.start_document(self._kinds_of(title_mentions, 0))
        section = None
        for s, mentions in zip(self.doc.sentences, self.sentence_mentions):
            if s.heading:
                if s.text == self.doc.title and s.index == 0:
                    continue
                disc.start_section(self._kinds_of(mentions, s.index))
                section = s.section
                continue
            if s.section != section:
                section = s.section
                disc.start_section([])
            self._label_list(s, mentions, disc)
            self._colon_list(s, mentions, disc)
            self._dateline(s, mentions)
            for a, d in parsed.get(s.index, ()):
                local = _in_window(mentions, a, a + len(d.text))
                extra = self._referring_mentions(d, local, disc, s.index, a)
                self.coref.setdefault(s.index, []).extend(_shift(x, a) for x in extra)
                readings = read_relations(d, [*local, *extra])
                readings += _shared_places(d, local, readings)
                for r in readings:
                    subj, obj = r.subject.mention, r.object.mention
                    if r.relation == "hostsForcesOf" and obj.kind != "Country":
                        continue
                    year = _year_near(d, r) if r.relation == "memberOf" else None
                    ante = self.antecedents.get((s.index, a + subj.start)) if subj.via in ("coref", "implicit") else None
                    if ante is None and obj.via in ("coref", "implicit"):
                        ante = self.antecedents.get((s.index, a + obj.start))
                    self.fact(s, subj.entity, r.relation, obj.entity, r.rule, start_year=year, antecedent=ante)
            for men in mentions:
                if _is_base(men):
                    disc.saw(men.entity, "base", s.index)
                elif _is_org(men):
                    disc.saw(men.entity, "org", s.index)
            group = _coordinated_countries(parsed.get(s.index, ()), mentions)
            if len(group) >= 2:
                disc.group = (group, s.index)

    def _colon_list(self, s: Sentence, mentions: list[Mention], disc: Discourse):
        """'O is an alliance of four Central European countries: A, B, C and D': a list of
        countries after a colon that spells out the members of the organisation the sentence
        is about (named before the colon, or 'It'/'The alliance' for the section's)."""
        text = s.text
        cues = list(_COLON_LIST.finditer(text))
        joined = _COLON_JOIN.search(text)  # "Seven countries joined NATO in 2004: A, B, C"
        if joined:
            cues.append(joined)
        for cue in cues:
            head = text[:cue.start()]
            if _MODAL.search(head) or re.search(r"\b(?:observers?|partners?|associate|candidates?|non-?members?|"
                                                r"neighbou?rs?|except|excluding|other\s+than|outside)\b", head, re.I):
                continue
            orgs = [x for x in mentions if _is_org(x) and x.end <= cue.end()]
            if orgs:
                org = orgs[0].entity
            elif re.match(r"\s*(?:It|The\s+(?:alliance|organi[sz]ation|group|union|pact|bloc|treaty|coalition))\b", text):
                org = disc.resolve("org")
            else:
                org = None
            if org is None:
                continue
            listed, pos = [], cue.end()
            for men in (x for x in mentions if x.start >= cue.end()):
                gap = text[pos:men.start]
                if not re.fullmatch(r"\s*(?:,|;)?\s*(?:and\s+|&\s+)?(?:the\s+)?", gap):
                    break
                if not (_is_country(men) and men.via == "name"):
                    break
                listed.append(men)
                pos = men.end
            if len(listed) >= 2:
                for men in listed:
                    self.fact(s, men.entity, "memberOf", org, "org-colon-member-list")

    def _dateline(self, s: Sentence, mentions: list[Mention]):
        """'CAMP HUMPHREYS, South Korea -- ...': a dateline that opens with a base places it."""
        if (len(mentions) >= 2 and mentions[0].start == 0 and _is_base(mentions[0]) and _is_country(mentions[1])
                and mentions[1].via == "name" and _DATELINE.match(s.text)
                and re.fullmatch(r",\s*", s.text[mentions[0].end:mentions[1].start])
                and re.match(r"\s*(?:--|\u2014|\u2013|-)\s", s.text[mentions[1].end:])):
            self.fact(s, mentions[0].entity, "locatedIn", mentions[1].entity, "dateline-base-country")
        if mentions and mentions[0].start == 0 and _is_base(mentions[0]) and _DATELINE.match(s.text):
            # the forces a dateline story names act at the dateline's base ("KUNSAN AIR BASE, ... --
            # U.S. Air Force F-16s returned ..."), unless the clause is negated or a plan
            body = s.text[mentions[0].end:]
            if not _NEGATION.search(body) and not _MODAL.search(body):
                for men in mentions[1:]:
                    if _is_country(men) and (men.via == "force" or (
                            men.via == "demonym" and _FORCE_DIRECT.match(s.text[men.end:men.end + 40]))):
                        self.fact(s, mentions[0].entity, "hostsForcesOf", men.entity, "dateline-base-forces")

    def _label_list(self, s: Sentence, mentions: list[Mention], disc: Discourse):
        """A 'Members'/'Member states' label followed by nothing but countries (an infobox or a list
        flattened into text): each is a member of the organisation named before the label, else of
        the one the section speaks of. Notes in parentheses are skipped; a repeated name (a flag's
        alt text) counts once; the list ends at the first other word ('Observers', 'Dissolved')."""
        text = s.text
        starts = [x.start for x in mentions]
        org_mentions = sorted((x for x in mentions if _is_org(x)), key=lambda x: x.end)
        org_ends = [x.end for x in org_mentions]
        for cue in _LABEL_LIST.finditer(text):
            context = text[max(0, cue.start() - 25):cue.end()]
            if re.search(r"\b(?:observers?|candidates?|applicants?|partners?|associate|affiliate|dialogue|aspiring|"
                         r"non-?members?)\b", context, re.I):
                continue
            k = bisect.bisect_right(org_ends, cue.start())
            last = org_mentions[k - 1] if k else None
            org = last.entity if last is not None and not text[last.end:cue.start()].strip(" :-") else disc.topic("org")
            if org is None:
                continue
            pos = cue.end()
            for men in mentions[bisect.bisect_left(starts, cue.end()):]:
                gap = text[pos:men.start]
                gap = re.sub(r"\([^()]{0,60}\)", " ", gap)
                # names the lexicon does not know ("Tokelau") may stand between members: skipped
                gap = re.sub(r"(?:^|,)\s*[A-Z][\w'\u2019.\-]*(?:\s+(?:and\s+|of\s+|the\s+)?[A-Z][\w'\u2019.\-]*){0,3}\s*(?=,)",
                             ",", gap)
                if gap.strip(" ,:\t\n\u2022*-") and gap.strip() not in ("and", "&"):
                    break
                if not (_is_country(men) and men.via == "name"):
                    break
                self.fact(s, men.entity, "memberOf", org, "members-label-list")
                pos = men.end

    def _referring_mentions(self, d, mentions: list[Mention], disc: Discourse, index: int,
                            offset: int = 0) -> list[Mention]:
        """Mentions for the referring words of a parsed sentence ('it', 'there', 'the alliance');
        ``d`` is the part of sentence ``index`` that starts at ``offset``, ``mentions`` in its coordinates."""
        out = []
        found = [(tok, want, "coref") for tok, want in referring_tokens(d)]
        found += [(tok, "org", "implicit") for tok in implicit_org_tokens(d)]  # "Finland joined in 2023"
        for tok in plural_group_tokens(d):  # "these nations", "all four members of the Visegrad Group"
            if any(x.start <= tok.idx < x.end for x in mentions):
                continue
            orgs = [x for x in mentions if _is_org(x) and x.start > tok.idx and x.start - tok.idx < 40
                    and re.fullmatch(r"\w*\s+of\s+(?:the\s+)?", d.text[tok.idx:x.start])]
            if orgs and tok.lemma_.lower() in ("member", "state", "country", "nation"):
                members = sorted({f.subject for f in self.result.facts
                                  if f.prop == "memberOf" and f.object == orgs[0].entity
                                  and self.entity(f.subject).kind == "Country"})
                sentence = None
            elif disc.group is not None and not orgs:
                members, sentence = disc.group
            else:
                continue
            for eid in members:
                out.append(Mention(tok.idx, tok.idx + len(tok.text), eid, "Country", "coref", tok.text))
                if sentence is not None:
                    self.antecedents[(index, offset + tok.idx)] = sentence
        for tok, want, via in found:
            if via == "coref" and any(x.start <= tok.idx < x.end for x in mentions):
                continue
            before = [x for x in mentions if x.end <= tok.idx]
            if via == "implicit" and tok.pos_ == "NOUN" and tok.lemma_.lower() in ("country", "state", "nation", "member"):
                eid = disc.topic("org")  # "The ten member countries are ...": the members of what the text is about
                if eid is not None:
                    out.append(Mention(tok.idx, tok.idx + len(tok.text), eid, self.entity(eid).kind, via, tok.text))
                continue
            eid = self._recent_in(before, want)
            if eid is None:
                hit = disc.resolve_with_sentence(want)
                if hit is None:
                    continue
                eid, sentence = hit
                self.antecedents[(index, offset + tok.idx)] = sentence
            out.append(Mention(tok.idx, tok.idx + len(tok.text), eid, self.entity(eid).kind, via, tok.text))
        return out

    def _recent_in(self, mentions: list[Mention], want: str) -> str | None:
        for men in reversed(mentions):
            if (want in ("base", "any") and _is_base(men)) or (want in ("org", "any") and _is_org(men)):
                return men.entity
        return None

    @staticmethod
    def _kinds_of(mentions: list[Mention], sentence: int = -1) -> list[tuple[str, str, int]]:
        return [(m.entity, "base" if _is_base(m) else "org", sentence) for m in mentions if _is_base(m) or _is_org(m)]

    def _network_entity(self) -> str | None:
        """Label of the doc's informal alliance network, named after the group it speaks of most
        ("Islamic nations" -> "Alliances of Islamic nations")."""
        groups = Counter(f"{g} {kind}" for g, kind in _GROUP_RE.findall(self.doc.text) if g not in ("United",))
        if not groups:
            return None
        group = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        return f"Alliances of {group}"

    def _ensure_network(self) -> str | None:
        """The document's alliance network entity, created when a fact first needs it."""
        label = self.state.network
        if label is None:
            return None
        eid = slugify(label)
        if eid not in self.ents:
            self.ents[eid] = Entity(eid, label, "AllianceNetwork")
        return eid

    def _short_part(self, label: str) -> str | None:
        part = re.sub(rf"^(?:{_BASE_PREFIX})\s+|\s+(?:{_BASE_SUFFIX})(?:\s+\d+)?$", "", label)
        if (part != label and re.fullmatch(r"[A-Z][a-z\u00e0-\u00ff'\u2019\-]{3,}", part) and part not in self.m.forms
                and part not in _GENERIC_NAME_WORDS and part not in _LEADING_STOP):
            return part
        return None

    def _same_base(self, mentions: list[Mention]) -> list[Mention]:
        """'RAF Geilenkirchen' after 'NATO Air Base Geilenkirchen': a base name the document made up of
        the same distinctive word as a base it already named is that base."""
        out = []
        for men in mentions:
            if _is_base(men) and men.via == "pattern" and men.entity not in self.lex.entities:
                part = self._short_part(self.entity(men.entity).label)
                same = self.state.aliases.get(part) if part else None
                if same and same != men.entity:
                    men = Mention(men.start, men.end, same, self.entity(same).kind, men.via, men.text)
            out.append(men)
        return out

    def _short_names(self, mentions: list[Mention]):
        """'Camp Humphreys' makes a later bare 'Humphreys' the same base in this document (a
        one-word distinctive name that is no other known name)."""
        for men in mentions:
            if not _is_base(men) or men.via not in ("pattern", "name"):
                continue
            part = self._short_part(self.entity(men.entity).label)
            if part:
                self.state.aliases.setdefault(part, men.entity)

    def _define_acronyms(self, text: str):
        """'the Central Treaty Organization (CENTO)' makes CENTO an alias in this document, and so does
        'ALBA or ALBA-TCP, formally the Bolivarian Alliance for the Peoples of Our America'."""
        lead = _ACRONYM_LEAD.match(text)
        if lead and lead.group(1) not in self.m.forms:
            after = find_mentions(text[lead.end():], self.state, self.ents, self.m)
            if after and after[0].start == 0 and _is_org(after[0]):
                self.state.aliases[lead.group(1)] = after[0].entity
        for mt in _ACRONYM_RE.finditer(text):
            acro = mt.group(1)
            if acro in self.m.forms:
                continue
            before = find_mentions(text[: mt.start()].rstrip(), self.state, self.ents, self.m)
            if before and before[-1].end >= len(text[: mt.start()].rstrip()) and not before[-1].via == "concept":
                self.state.aliases[acro] = before[-1].entity
                ent = self.ents.get(before[-1].entity)
                if ent is not None and acro not in ent.aliases and before[-1].entity not in self.lex.entities:
                    ent.aliases = tuple(sorted({*ent.aliases, acro}))

    # -- one sentence

    def _sentence(self, s: Sentence, all_mentions: list[Mention]):
        """The surface rules, on the sentence (or, for a very long one, on each part of it as the
        parser sees it, so that the work grows with the length and not with its square)."""
        for w0, w1 in _windows(s.text):
            text = s.text[w0:w1]
            mentions = _in_window(all_mentions, w0, w1) if w0 or w1 < len(s.text) else all_mentions
            self._locations(s, text, mentions)
            for a, b in _clauses(text):
                sub = [men for men in mentions if men.start >= a and men.end <= b]
                self._hosting(s, text, sub, a, b)
            self._memberships(s, text, mentions)
            self._org_years(s, text, mentions)
            self._renamed(s, text, mentions)
            self._allied(s, text, mentions)
            self._concepts(s, text, mentions)

    def _locations(self, s: Sentence, text: str, mentions: list[Mention]):
        for i, men in enumerate(mentions):
            if not _is_base(men):
                continue
            # "<base> in <country>", "<base>, located in <city>, <country>", "<base>, a ... base in <country>",
            # "<base>, near <city> in southern <country>", "<base>, in NATO ally <country>"
            for j in range(i + 1, min(i + 6, len(mentions))):
                nxt = mentions[j]
                if _is_base(nxt):
                    break
                if not (_is_place(nxt) and nxt.via == "name"):
                    continue
                gap = _gap_text(text, mentions, i, j)
                rule = None
                if "CITY" not in gap and (_LOC_GAP.match(gap) or _APPOS_LOC_GAP.match(gap)):
                    rule = "base-in-place"
                elif nxt.kind == "Country" and _NEAR_CITY_GAP.match(gap):
                    rule = "base-near-city-in-country"
                if rule is None:
                    if nxt.kind == "Country" and not _force_like(text, nxt, mentions):
                        break  # a place we cannot attach: stop looking further
                    continue
                self.fact(s, men.entity, "locatedIn", nxt.entity, rule)
                if nxt.kind == "City" and j + 1 < len(mentions):
                    after = mentions[j + 1]
                    if _is_country(after) and after.via == "name" and _CITY_COUNTRY_GAP.match(text[nxt.end:after.start]):
                        self.fact(s, nxt.entity, "locatedIn", after.entity, "city-country")
                        self.fact(s, men.entity, "locatedIn", after.entity, "base-in-city-country")
                break
            # "<base>, Qatar's largest military facility, ..."
            if i + 1 < len(mentions) and _is_country(mentions[i + 1]) and mentions[i + 1].via == "name":
                if re.fullmatch(r"\s*,\s*(?:the\s+)?", text[men.end:mentions[i + 1].start]) and re.match(
                        r"['\u2019]s\s", text[mentions[i + 1].end:]):
                    self.fact(s, men.entity, "locatedIn", mentions[i + 1].entity, "base-appositive-country-possessive")
            # "In Saudi Arabia, Prince Sultan Air Base hosts ..."
            lead = re.match(r"^(?:In|Inside|Within)\s+(?:the\s+)?", text)
            if lead and mentions and mentions[0].kind == "Country" and mentions[0].via == "name" \
                    and mentions[0].start == lead.end() and re.match(r"\s*,", text[mentions[0].end:]) \
                    and not any(f.subject == men.entity and f.prop == "locatedIn" and f.evidence.start == s.start
                                for f in self.result.facts):
                self.fact(s, men.entity, "locatedIn", mentions[0].entity, "sentence-opens-in-country")
            # "<country>'s <base>"
            if i > 0:
                prev = mentions[i - 1]
                if _is_country(prev) and prev.via == "name" and _POSSESSIVE_GAP.match(text[prev.end:men.start]):
                    self.fact(s, men.entity, "locatedIn", prev.entity, "country-possessive-base")

    def _hosting(self, s: Sentence, text: str, mentions: list[Mention], a: int, b: int):
        clause = text[a:b]
        if not _PRESENCE.search(clause) or _NEGATION.search(clause):
            return
        bases = [men for men in mentions if _is_base(men)]
        if not bases:
            coref = _BASE_COREF.search(clause)
            if coref and self.state.last_base:
                bases = [Mention(a + coref.start(), a + coref.end(), self.state.last_base,
                                 self.entity(self.state.last_base).kind, "coref", coref.group(0))]
            else:
                return
        countries = [men for men in mentions if _is_country(men)]
        located = set()
        for i, men in enumerate(mentions):
            if _is_place(men) and i > 0:
                prev = [x for x in mentions[:i] if _is_base(x) or _is_place(x)]
                if prev and _LOC_GAP.match(text[prev[-1].end:men.start]):
                    located.add(men.start)
        hosts, partners = set(), {}
        for men in countries:
            if men.start in located:
                continue
            after = text[men.end:b]
            if men.via == "name" and _HOST_VERB.match(after):
                hosts.add(men.entity)
                for base in bases:
                    if base.start > men.end:
                        self.fact(s, base.entity, "locatedIn", men.entity, "host-hosts-at-base")
                continue
        listed = set()  # "aircraft from the United States, France and the United Kingdom"
        for k, men in enumerate(mentions):
            if _is_country(men) and _force_like(text, men, mentions):
                listed.update(x.start for x in _list_after(text, mentions, k, _is_country))
        for men in countries:
            if men.start in located or men.entity in hosts:
                continue
            before = text[a:men.start]
            after = text[men.end:b]
            rule = None
            if men.via in ("demonym", "force") and (men.via == "force" or _FORCE_DIRECT.match(after)) \
                    and not _HOST_OWN.search(text[max(0, men.start - 30):men.start]):
                rule = "forces-at-base"  # "Indian troops", "the Luftwaffe": forces named as such
            elif re.search(r"\b(?:hosts|hosted|houses|housed|welcomes)\s+(?:\w+\s+){0,3}$", before) and hosts:
                rule = "host-hosts-partner"
            elif men.via == "name" and _OPERATOR_VERB.match(after) and any(x.start > men.end for x in bases):
                rule = "country-operates-base"
            elif _SHARE_VERB.search(after[:40]) and men.via in ("name", "demonym"):
                rule = "share-bases-such-as"
            if rule:
                for base in _bases_for_partner(text, men, bases, rule):
                    self.fact(s, base.entity, "hostsForcesOf", men.entity, rule)

    def _section_country_locations(self):
        """A base whose country no sentence states, under a heading that is just a country's name
        ("## Kuwait", "## The United Arab Emirates"), is located in that country."""
        located = {f.subject for f in self.result.facts if f.prop == "locatedIn"}
        for eid, s in sorted(self.base_sentence.items()):
            if eid in located:
                continue
            for heading in dict.fromkeys((s.section, self.doc.title)):  # the section's heading, then the title
                heads = [x for x in self.section_mentions.get(heading, []) if x.via != "concept"]
                if len(heads) != 1 or heads[0].kind != "Country" or heads[0].via != "name":
                    continue
                before = heading[: heads[0].start].strip().lower()
                after = heading[heads[0].end:].strip()
                # "## Kuwait", "## Bases in the UAE", "# Foreign forces in Japan"
                if not after and (before in ("", "the") or re.search(r"(?:^|\s)in(?:\s+the)?$", before)):
                    self.fact(s, eid, "locatedIn", heads[0].entity, "section-heading-country")
                    break

    def _drop_hosts_that_are_locations(self):
        """A country whose forces are at a base it is itself the location of is not a foreign partner;
        nor is the country whose service names the base ("RMAF Butterworth" is Malaysia's own)."""
        loc = {(f.subject, f.object) for f in self.result.facts if f.prop == "locatedIn"}
        for f in self.result.facts:
            if f.prop == "hostsForcesOf":
                label = self.entity(f.subject).label
                for mt in self.m.name_re.finditer(label):
                    eid, via = self.m.forms[mt.group(0)]
                    if via == "force" and mt.start() == 0:
                        loc.add((f.subject, eid))
        self.result.facts = [
            f for f in self.result.facts if not (f.prop == "hostsForcesOf" and (f.subject, f.object) in loc)
        ]

    def _org_for(self, text: str, mentions: list[Mention], upto: int) -> str | None:
        """The organisation a clause speaks of before position ``upto``: named, or by 'its'/'the alliance'."""
        orgs = [men for men in mentions if _is_org(men) and men.end <= upto]
        if orgs:
            return orgs[-1].entity
        if _ORG_COREF.search(text[:upto]) and self.state.last_org:
            return self.state.last_org
        return None

    def _memberships(self, s: Sentence, text: str, mentions: list[Mention]):
        member_pred = lambda x: _is_country(x) and x.via == "name" or _is_org(x)  # noqa: E731
        # 1. "<org> ... members were/include A, B and C" / "<org> brings together A, B, C"
        for cue in _MEMBER_LIST_CUE.finditer(text):
            org = self._org_for(text, mentions, cue.start())
            if not org:
                continue
            idx = next((k for k, x in enumerate(mentions) if x.start >= cue.end()), None)
            if idx is None or text[cue.end():mentions[idx].start].strip() not in ("", "the", ":"):
                continue
            for men in _list_after(text, mentions, idx, member_pred):
                if men.entity != org:
                    self.fact(s, men.entity, "memberOf", org, "members-list")
        # 2. "A (and B) joined / became a member of / signed <org> (in YEAR)"
        for j, org in enumerate(mentions):
            if not _is_org(org):
                continue
            before = text[: org.start]
            if re.search(r"non-$", before):
                continue
            cue = _MEMBER_OF_CUE.search(before)
            if cue:
                subj_idx = max((k for k, x in enumerate(mentions[:j]) if x.end <= cue.start()), default=None)
                if subj_idx is not None and re.search(r"\b(?:members|states|countries|nations|leaders|forces|troops)\s+of\s+"
                                                      r"(?:the\s+)?$", text[:mentions[subj_idx].start]):
                    subj_idx = None  # "All four members of the Visegrad Group joined ...": not the group itself
                if subj_idx is not None:
                    gap = text[mentions[subj_idx].end:cue.start()]
                    modal = _MODAL.search(text[mentions[subj_idx].end:cue.end()])
                    if not modal and (re.fullmatch(r"\s*(?:,[^,]{0,40},\s*)?(?:\w+\s+){0,2}", gap)
                                      or re.fullmatch(r"\s*,[^,]{0,60},\s*", gap)):
                        verb = cue.group(0)
                        rule = "joined-org" if re.search(r"join|acced|enter", verb) else (
                            "founded-org" if re.search(r"found|form|establish|creat|sign", verb) else "member-of-org")
                        dated = rule != "member-of-org" or re.search(r"became|become", verb)
                        year = _year_after(text, org.end) if dated else None
                        for men in _list_before(text, mentions, subj_idx, member_pred):
                            if men.entity != org.entity and not (rule == "founded-org" and not _is_country(men)):
                                self.fact(s, men.entity, "memberOf", org.entity, rule, start_year=year)
                        # "..., together with A, B and C"
                        tail = re.match(r"^\s*(?:\([^)]*\)\s*)?,?\s*(?:together\s+with|along\s+with|alongside|with)\s+(?:the\s+)?", text[org.end:])
                        if tail:
                            k = next((k for k, x in enumerate(mentions) if x.start >= org.end + tail.end()), None)
                            if k is not None and mentions[k].start == org.end + tail.end():
                                for men in _list_after(text, mentions, k, member_pred):
                                    self.fact(s, men.entity, "memberOf", org.entity, "member-together-with")
            # "NATO ally Turkey", "GCC members Qatar and Bahrain"
            if j + 1 < len(mentions) and _ORG_MEMBER_GAP.match(text[org.end:mentions[j + 1].start]):
                for men in _list_after(text, mentions, j + 1, lambda x: _is_country(x) and x.via == "name"):
                    self.fact(s, men.entity, "memberOf", org.entity, "org-ally-country")
            # "Turkey, a NATO member"
            if j > 0 and _is_country(mentions[j - 1]) and mentions[j - 1].via == "name":
                if _MEMBER_APPOS.match(text[mentions[j - 1].end:org.start]) and _APPOS_TAIL.match(text[org.end:]):
                    self.fact(s, mentions[j - 1].entity, "memberOf", org.entity, "country-appositive-member")
        # "Members of the Arab League include A, B and C"
        for j, org in enumerate(mentions):
            if _is_org(org) and _MEMBERS_OF_ORG.search(text[: org.start]):
                tail = _MEMBERS_OF_TAIL.match(text[org.end:])
                k = j + 1
                if tail and k < len(mentions) and mentions[k].start == org.end + tail.end():
                    for men in _list_after(text, mentions, k, member_pred):
                        self.fact(s, men.entity, "memberOf", org.entity, "members-of-org-include")
        # "Afghanistan joined the coalition in 2017", "Saudi Arabia leads the coalition"
        if self.state.last_org or any(_is_org(x) for x in mentions):
            for cue in _MEMBER_COREF_CUE.finditer(text):
                org = self._org_for(text, mentions, cue.start()) or self.state.last_org
                subj_idx = max((k for k, x in enumerate(mentions) if x.end <= cue.start()), default=None)
                if org is None or subj_idx is None:
                    continue
                if not re.fullmatch(r"\s*(?:\w+\s+){0,2}", text[mentions[subj_idx].end:cue.start()]):
                    continue
                year = _year_after(text, cue.end()) if re.match(r"joined|acceded|became", cue.group(0)) else None
                for men in _list_before(text, mentions, subj_idx, member_pred):
                    if men.entity != org:
                        self.fact(s, men.entity, "memberOf", org, "member-of-coreferent-org", start_year=year)
        # 3. "A withdrew from <org> in YEAR" / "After A withdrew in YEAR, the alliance ..."
        for cue in _LEFT_CUE.finditer(text):
            subj = [x for x in mentions if x.end <= cue.start() and _is_country(x) and x.via == "name"]
            if not subj or not re.fullmatch(r"\s*(?:\w+\s+){0,2}", text[subj[-1].end:cue.start()]):
                continue
            orgs_after = [x for x in mentions if _is_org(x) and x.start >= cue.end()]
            org = None
            if orgs_after and re.fullmatch(r"\s*(?:from\s+)?(?:the\s+)?", text[cue.end():orgs_after[0].start]):
                org = orgs_after[0].entity
            elif self.state.last_org and re.match(
                r"^\s*(?:(?:from\s+)?(?:the|this)\s+(?:alliance|pact|organi[sz]ation|coalition|bloc|treaty|council|league|"
                r"union|group|community)\s*)?(?:in\s+(?:[A-Z][a-z]+\s+)?\d{4}\s*)?[,.;]", text[cue.end():]
            ):
                org = self.state.last_org
            if org:
                year = _year_after(text, cue.end(), 60)
                self.fact(s, subj[-1].entity, "memberOf", org, "withdrew-from-org", end_year=year)

    def _org_years(self, s: Sentence, text: str, mentions: list[Mention]):
        """Founding and dissolution years of the organisation the sentence is about."""
        for rx, prop in ((_FOUNDED, "startYear"), (_DISSOLVED, "endYear")):
            for mt in rx.finditer(text):
                org = self._org_for(text, mentions, mt.start())
                if org is None and re.match(r"\s*(?:It|It was)\b", text) and self.state.last_org:
                    org = self.state.last_org
                if org is None:
                    continue
                between = [x for x in mentions if x.start > (max((x.end for x in mentions if x.entity == org and x.end <= mt.start()), default=0)) and x.end <= mt.start() and (_is_country(x) or _is_base(x))]
                if between:
                    continue
                year = mt.group(1)
                self.fact(s, org, prop, year, "org-founded-in" if prop == "startYear" else "org-dissolved-in")
                if prop == "startYear":
                    for period in self._periods_of_year(int(year)):
                        self.fact(s, org, "formedIn", period, "founding-year-in-period")

    def _periods_of_year(self, year: int) -> list[str]:
        out = []
        for ent in self.lex.entities.values():
            if ent.kind == "HistoricalPeriod" and ent.start_year is not None:
                if ent.start_year <= year <= (ent.end_year if ent.end_year is not None else 9999):
                    out.append(ent.id)
        return sorted(out)

    def _renamed(self, s: Sentence, text: str, mentions: list[Mention]):
        """'the alliance was renamed the X': X names the same organisation."""
        for j, men in enumerate(mentions):
            if not _is_org(men) or not _RENAMED.search(text[: men.start]):
                continue
            prev = self._org_for(text, mentions[:j], men.start)
            if prev and prev != men.entity and men.entity in self.ents and men.entity not in self.lex.entities:
                ent = self.ents.pop(men.entity)
                target = self.entity(prev)
                if target.id in self.ents and target.id not in self.lex.entities:
                    target.aliases = tuple(sorted({*target.aliases, ent.label, *ent.aliases}))
                self.state.aliases[ent.label] = prev
                for alias in ent.aliases:
                    self.state.aliases[alias] = prev
                for k, v in list(self.state.aliases.items()):
                    if v == men.entity:
                        self.state.aliases[k] = prev

    def _allied(self, s: Sentence, text: str, mentions: list[Mention]):
        for i in range(len(mentions) - 1):
            a, b = mentions[i], mentions[i + 1]
            if not (_is_country(a) and _is_country(b) and a.via == "name" and b.via == "name"):
                continue
            if _ALLIED_GAP.match(text[a.end:b.start]) and (
                _ALLIED_TAIL.match(text[b.end:]) or _ALLIANCE_BETWEEN.search(text[: a.start])
            ):
                self.fact(s, a.entity, "alliedWith", b.entity, "allies-pair")

    def _concepts(self, s: Sentence, text: str, mentions: list[Mention]):
        concepts = [men for men in mentions if men.via == "concept"]
        if not concepts:
            return
        first = concepts[0].start
        orgs = [men for men in mentions if _is_org(men)]
        subjects = [men.entity for men in orgs if men.start < first] or [men.entity for men in orgs]
        rule = "alliance-named"
        coref = _ORG_COREF.search(text)
        if coref and coref.start() < first and self.state.last_org and not any(men.start < coref.start() for men in orgs):
            subjects, rule = [self.state.last_org], "alliance-coref"
        elif not subjects and _PLURAL_ORG_COREF.search(text) and self.state.orgs_seen:
            subjects, rule = list(self.state.orgs_seen), "these-alliances"
        elif not subjects and _ORG_COREF.search(text) and self.state.last_org:
            subjects, rule = [self.state.last_org], "alliance-coref"
        elif not subjects and _ALLIANCE_CUE.search(text) and self.state.network:
            subjects, rule = [self._ensure_network()], "alliance-network"
        if not subjects:
            return
        prop_of = {"CooperationArea": "coversArea", "Threat": "addressesThreat", "Purpose": "servesPurpose",
                   "HistoricalPeriod": "formedIn"}
        for men in concepts:
            ent = self.entity(men.entity)
            for kind in ent.kinds or (ent.kind,):
                for subj in subjects:
                    self.fact(s, subj, prop_of[kind], men.entity, f"{rule}-{prop_of[kind]}")


def extract_document(doc: Document, lexicon: Lexicon | None = None, *, parse: bool = True) -> Extraction:
    """Mentions and facts of one document (with the bundled lexicon unless one is given).

    ``parse=False`` reads with the surface rules alone (no spaCy pipeline is loaded).
    """
    return _Reader(doc, lexicon, use_parse=parse).run()


def extract_corpus(docs, lexicon: Lexicon | None = None) -> list[Extraction]:
    """Extract every document (in the given order)."""
    return [extract_document(d, lexicon) for d in docs]
