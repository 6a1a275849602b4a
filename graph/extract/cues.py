"""The words and gaps the surface rules look for: forces, presence, hosting, places, lists,
memberships, founding years and words that refer back to an organisation or a base.

>>> bool(_PRESENCE.search("German troops are stationed at the base"))
True
>>> bool(_LOC_GAP.match(", located in "))
True
"""

from __future__ import annotations

import re

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
_COLON_JOIN = re.compile(r"\b(?:joined|acceded\s+to|were\s+admitted\s+(?:to|into)|became\s+members\s+of)\b[^:;.]{0,80}?(?::|\u2014|\u2013|--)\s*")
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
_RENAMED = re.compile(r"\brenamed\s+(?:as\s+|to\s+)?(?:the\s+)?$")
_FOUNDED = re.compile(r"\b(?:was|were)?\s*(?:founded|formed|established|created|signed|set\s+up|launched|concluded)\s+in\s+(1[89]\d\d|20\d\d)\b")
_DISSOLVED = re.compile(r"\b(?:dissolved|disbanded|abolished|ended|terminated)\s+in\s+(1[89]\d\d|20\d\d)\b")
_ALLIED_GAP = re.compile(r"^\s+and\s+(?:the\s+)?$")
_ALLIED_TAIL = re.compile(r"^\s+(?:are|were|became|remain|have\s+been)\s+(?:close\s+|key\s+|strategic\s+|long-standing\s+)?allies\b")
_ALLIANCE_BETWEEN = re.compile(r"\b(?:alliance|partnership|defen[cs]e\s+pact|security\s+pact|defen[cs]e\s+agreement)\s+between\s+(?:the\s+)?$")
