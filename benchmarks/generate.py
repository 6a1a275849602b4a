"""A synthetic corpus in the genre of ``corpus/*.md``, with the facts it plants written beside it.

A *world* is drawn first from the seed: military bases (the lexicon's known bases with their real
host countries, plus invented ones named with the patterns extraction recognises: "<Name> Air
Base", "Camp <Name>", "<Name> Naval Base", "Naval Support Activity <Name>", "<Name> Airfield"),
each with one host country and a few partner countries whose forces it hosts, and the members of
the lexicon's organisations with the year each joined. Every article then states some of those
facts with varied sentence templates, between filler prose, and every fact a sentence states is
written to ``gold.tsv``::

    relation<TAB>subject<TAB>object<TAB>document
    located_in	Camp Torvath	Kuwait	doc-00001.md
    hosts_forces_of	Camp Torvath	France	doc-00001.md
    member_of	Qatar	Gulf Cooperation Council	doc-00001.md

Subjects and objects are labels (compared after :func:`graph.lexicon.name_key`). Some sentences
are distractors that state no fact ("Oman no longer hosts Dutch troops at ..."), so precision
is tested too. The same seed and size give byte-identical files.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     stats = generate_corpus(tmp, 3, seed=1)
...     (stats.documents, stats.facts > 0, (Path(tmp) / "gold.tsv").exists())
(3, True, True)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from graph.lexicon import Lexicon, load_lexicon, name_key, slugify

RELATIONS = ("located_in", "hosts_forces_of", "member_of")
GOLD_HEADER = "# relation\tsubject\tobject\tdocument\n"

#: real host countries of the lexicon's bases (bases not listed here are not used)
LEXICON_BASE_HOSTS = {
    "al-udeid-air-base": "qatar", "prince-sultan-air-base": "saudi-arabia", "incirlik-air-base": "turkey",
    "naval-support-activity-bahrain": "bahrain", "hms-jufair": "bahrain", "al-dhafra-air-base": "united-arab-emirates",
    "camp-arifjan": "kuwait", "ali-al-salem-air-base": "kuwait", "camp-buehring": "kuwait",
    "camp-lemonnier": "djibouti", "ramstein-air-base": "germany", "muwaffaq-salti-air-base": "jordan",
    "bagram-airfield": "afghanistan", "thumrait-air-base": "oman", "masirah-air-base": "oman",
    "khmeimim-air-base": "syria", "tartus-naval-facility": "syria", "chabelley-airfield": "djibouti",
    "manas-air-base": "kyrgyzstan", "al-asad-airbase": "iraq", "king-abdulaziz-air-base": "saudi-arabia",
    "camp-as-sayliyah": "qatar",
}
#: the country of some lexicon cities ("<base>, located in <city>, <country>")
CITY_COUNTRY = {
    "manama": "bahrain", "doha": "qatar", "riyadh": "saudi-arabia", "jeddah": "saudi-arabia",
    "abu-dhabi": "united-arab-emirates", "dubai": "united-arab-emirates", "kuwait-city": "kuwait",
    "muscat": "oman", "ankara": "turkey", "adana": "turkey", "baghdad": "iraq", "amman": "jordan",
    "cairo": "egypt", "kabul": "afghanistan", "damascus": "syria", "djibouti-city": "djibouti",
    "karachi": "pakistan", "islamabad": "pakistan", "london": "united-kingdom", "paris": "france",
    "berlin": "germany", "moscow": "russia",
}
#: countries whose forces are often abroad; partners are drawn mostly from here
PARTNER_POOL = (
    "united-states", "united-kingdom", "france", "germany", "italy", "turkey", "russia", "china", "india",
    "pakistan", "saudi-arabia", "egypt", "japan", "spain", "netherlands", "canada", "australia", "south-korea",
    "greece", "poland", "jordan", "united-arab-emirates", "qatar", "iran",
)
BASE_PATTERNS = ("{} Air Base", "Camp {}", "{} Naval Base", "Naval Support Activity {}", "{} Airfield")

_ONSETS = ("b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
           "br", "dr", "gr", "kr", "tr", "st", "th", "sh", "ch", "w")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou", "ea")
_CODAS = ("", "", "n", "r", "l", "s", "th", "rk", "nd", "m", "sk")

FILLER = (
    "Over time, regional states have crafted various strategic partnerships with countries across the globe.",
    "These arrangements serve not just national security but also a sense of mutual support among neighbours.",
    "Shared installations are a visible sign of these military relations.",
    "Such facilities operate under predefined agreements and protocols for shared usage.",
    "Observers note that the arrangements have evolved in response to changing regional dynamics.",
    "Analysts describe the network of agreements as dense and layered.",
    "The agreements are reviewed periodically by the governments involved.",
    "Defence planners stress the value of interoperability and common procedures.",
    "Parliamentary debates about these commitments are frequent and sometimes heated.",
    "Public opinion on foreign deployments varies from one capital to another.",
    "Budget constraints shape how much each partner can contribute.",
    "The facilities also support humanitarian relief after natural disasters.",
    "Local economies benefit from contracts, jobs and infrastructure investment.",
    "Environmental concerns around large installations have drawn attention in recent debates.",
    "Officials describe the relationship as pragmatic rather than ideological.",
    "Over the decades, the footprint of foreign forces has grown and shrunk several times.",
    "Access agreements usually specify the number of personnel and the duration of their stay.",
    "Negotiations over renewal often coincide with wider diplomatic talks.",
    "Critics argue that the presence of foreign forces can complicate domestic politics.",
    "Supporters counter that the arrangements deter aggression and reassure neighbours.",
)
_TITLES = (
    "Shared Military Bases in {}", "{} and Its Defence Partners", "Foreign Forces and Basing Rights in {}",
    "Security Cooperation Around {}", "Military Installations of {}",
)
_SECTION_BASES = ("Bases and Partner Forces", "Where Foreign Forces Are Based", "Shared Installations")
_SECTION_ORGS = ("Alliances and Memberships", "Membership in Regional Organisations", "Formal Alliances")
_SECTION_COOP = ("Areas of Cooperation", "Common Threats and Shared Priorities")
_SECTION_END = ("Conclusion", "Outlook")
_FORCE_NOUNS = ("forces", "troops", "aircraft", "personnel", "units", "soldiers")
_COOP_AREAS = ("counter-terrorism", "intelligence sharing", "maritime security", "joint military exercises",
               "cybersecurity", "logistics", "military training", "technology transfer", "surveillance")
_THREATS = ("terrorism", "piracy", "missile threats", "cyber warfare", "nuclear proliferation", "regional crises")


# --------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class Base:
    label: str
    host: str  #: country id
    partners: tuple[str, ...]  #: country ids whose forces the base hosts


@dataclass
class World:
    """Everything the articles may state, drawn once from the seed."""

    bases: list[Base]
    members: dict[str, list[tuple[str, int]]]  #: org id -> [(country id, year joined)]
    cities: dict[str, list[str]] = field(default_factory=dict)  #: country id -> city ids
    founded: dict[str, int] = field(default_factory=dict)  #: org id -> founding year


def _forbidden_words(lex: Lexicon) -> set[str]:
    words = set()
    for ent in lex.entities.values():
        for name in (ent.label, *ent.aliases, *ent.demonyms):
            words.update(w.lower() for w in name.split())
    for force in lex.forces:
        words.update(w.lower() for w in force.split())
    return words


def invented_names(rng: random.Random, n: int, lex: Lexicon) -> list[str]:
    """``n`` distinct pronounceable capitalised words that are no lexicon name or word."""
    bad = _forbidden_words(lex)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(rng.choice((2, 2, 3))))
        if len(word) < 5 or word in seen or word in bad:
            continue
        seen.add(word)
        out.append(word.capitalize())
    return out


def make_world(seed: int, n_docs: int, lex: Lexicon | None = None) -> World:
    """The world of an ``n_docs``-article corpus: about one invented base per two articles."""
    lex = lex or load_lexicon()
    rng = random.Random(f"world:{seed}")
    countries = sorted(e.id for e in lex.entities.values() if e.kind == "Country" and e.demonyms and e.id != "soviet-union")
    partner_pool = [c for c in PARTNER_POOL if c in lex.entities]
    bases: list[Base] = []
    taken: set[str] = set()

    def partners_for(host: str) -> tuple[str, ...]:
        k = rng.choice((1, 1, 2, 2, 3))
        pool = [c for c in partner_pool if c != host]
        return tuple(sorted(rng.sample(pool, k)))

    for bid, host in sorted(LEXICON_BASE_HOSTS.items()):
        if bid in lex.entities and host in lex.entities:
            bases.append(Base(lex.entities[bid].label, host, partners_for(host)))
            taken.add(slugify(lex.entities[bid].label))
    n_invented = max(10, n_docs // 2)
    for i, name in enumerate(invented_names(rng, n_invented, lex)):
        label = BASE_PATTERNS[i % len(BASE_PATTERNS)].format(name)
        if slugify(label) in taken or slugify(label) in lex.entities:
            continue
        taken.add(slugify(label))
        bases.append(Base(label, rng.choice(countries), ()))
    bases = [b if b.partners else Base(b.label, b.host, partners_for(b.host)) for b in bases]
    orgs = sorted(e.id for e in lex.entities.values() if e.is_org)
    members: dict[str, list[tuple[str, int]]] = {}
    for org in orgs:
        chosen = sorted(rng.sample(countries, rng.randint(6, 24)))
        members[org] = [(c, rng.randint(1950, 2020)) for c in chosen]
    founded = {org: min(y for _, y in m) - rng.randint(0, 5) for org, m in members.items()}
    cities: dict[str, list[str]] = {}
    for city, country in sorted(CITY_COUNTRY.items()):
        if city in lex.entities and country in lex.entities:
            cities.setdefault(country, []).append(city)
    return World(bases=bases, members=members, cities=cities, founded=founded)


# --------------------------------------------------------------------------- one article


class _Article:
    """Writes one article and records the facts its sentences state."""

    def __init__(self, world: World, lex: Lexicon, rng: random.Random, path: str):
        self.world, self.lex, self.rng, self.path = world, lex, rng, path
        self.gold: list[tuple[str, str, str, str]] = []

    def label(self, eid: str) -> str:
        return self.lex.entities[eid].label

    def demonym(self, eid: str) -> str:
        return self.lex.entities[eid].demonyms[0]

    def plant(self, rel: str, subj: str, obj: str) -> None:
        self.gold.append((rel, subj, obj, self.path))

    def filler(self, k: int) -> list[str]:
        return self.rng.sample(FILLER, k)

    # -- base sentences

    def base_sentences(self, base: Base) -> list[str]:
        rng, host = self.rng, base.host
        partner = rng.choice(base.partners)
        noun = rng.choice(_FORCE_NOUNS)
        t = rng.randrange(5)
        if t == 1 and self.world.cities.get(host):
            city = rng.choice(self.world.cities[host])
            out = [f"{base.label}, located in {self.label(city)}, {self.label(host)}, houses {self.demonym(partner)} {noun}."]
        elif t == 2:
            out = [f"{self.label(host)} hosts {self.label(partner)} {noun} at {base.label}."]
        elif t == 3 and self._alliances_of(host):
            org = rng.choice(self._alliances_of(host))
            out = [f"{self.demonym(partner)} {noun} are based at {base.label}, in {self.label(org)} ally {self.label(host)}."]
            self.plant("member_of", self.label(host), self.label(org))
        else:
            out = [f"{base.label} in {self.label(host)} hosts {self.demonym(partner)} {noun}."]
        self.plant("located_in", base.label, self.label(host))
        self.plant("hosts_forces_of", base.label, self.label(partner))
        others = [p for p in base.partners if p != partner]
        if others and rng.random() < 0.5:
            other = rng.choice(others)
            out.append(f"The base also hosts {self.demonym(other)} {rng.choice(_FORCE_NOUNS)}.")
            self.plant("hosts_forces_of", base.label, self.label(other))
        if rng.random() < 0.15:  # a distractor: states no fact
            absent = [c for c in PARTNER_POOL if c in self.lex.entities and c != host and c not in base.partners]
            out.append(f"{self.label(host)} no longer hosts {self.demonym(rng.choice(absent))} troops at {base.label}.")
        return out

    def _alliances_of(self, country: str) -> list[str]:
        return sorted(o for o, m in self.world.members.items()
                      if self.lex.entities[o].kind == "MilitaryAlliance" and any(c == country for c, _ in m))

    # -- membership sentences

    def membership_sentences(self, org: str) -> list[str]:
        rng = self.rng
        members = self.world.members[org]
        name = self.label(org)
        the = "" if name.isupper() else "the "
        out = [f"{the.capitalize()}{name} remains a pillar of regional security." if rng.random() < 0.5 else
               f"{name} has shaped the security policy of the region for decades."]
        if rng.random() < 0.3:
            out.append(f"{the.capitalize()}{name} was founded in {self.world.founded[org]}.")
        t = rng.randrange(4)
        picked = rng.sample(members, min(len(members), rng.randint(2, 4)))
        labels = [self.label(c) for c, _ in picked]
        listed = ", ".join(labels[:-1]) + " and " + labels[-1]
        if t == 0:
            out.append(f"Its members include {listed}.")
        elif t == 1:
            out.append(f"The alliance brings together {listed}.")
        elif t == 2:
            out.append(f"{listed} are members of {the}{name}.")
        else:
            country, year = picked[0]
            out.append(f"{self.label(country)} joined {name} in {year}.")
            labels = labels[:1]
        for lab in labels:
            self.plant("member_of", lab, name)
        return out

    def cooperation_sentences(self) -> list[str]:
        a, b = self.rng.sample(_COOP_AREAS, 2)
        return [f"The alliance's cooperation covers {a} and {b}.",
                f"Its agenda is shaped by threats such as {self.rng.choice(_THREATS)}."]

    # -- the whole article

    def write(self, n_bases: int, n_orgs: int) -> str:
        rng = self.rng
        bases = rng.sample(self.world.bases, min(n_bases, len(self.world.bases)))
        orgs = rng.sample(sorted(self.world.members), n_orgs)
        place = self.label(bases[0].host)
        lines = [f"# {rng.choice(_TITLES).format(place)}", "", " ".join(self.filler(rng.randint(3, 5))), ""]
        lines += [f"## {rng.choice(_SECTION_BASES)}", ""]
        for k in range(0, len(bases), 2):
            para: list[str] = []
            for base in bases[k:k + 2]:
                para += self.base_sentences(base)
            para += self.filler(1)
            lines += [" ".join(para), ""]
        lines += [f"## {rng.choice(_SECTION_ORGS)}", ""]
        for org in orgs:
            para = self.membership_sentences(org)
            if rng.random() < 0.5:
                para += self.cooperation_sentences()
            para += self.filler(rng.randint(0, 2))
            lines += [" ".join(para), ""]
        lines += [f"## {rng.choice(_SECTION_END)}", "", " ".join(self.filler(rng.randint(3, 5))), ""]
        return "\n".join(lines)


# --------------------------------------------------------------------------- the corpus


@dataclass
class CorpusStats:
    documents: int
    bytes: int
    facts: int  #: distinct planted (relation, subject, object) triples
    gold_rows: int  #: planted facts with their document


def generate_documents(n_docs: int, seed: int = 0, lex: Lexicon | None = None):
    """Yield ``(path, text, gold_rows)`` for each of ``n_docs`` articles."""
    lex = lex or load_lexicon()
    world = make_world(seed, n_docs, lex)
    width = max(5, len(str(n_docs)))
    for i in range(1, n_docs + 1):
        path = f"doc-{i:0{width}d}.md"
        rng = random.Random(f"doc:{seed}:{n_docs}:{i}")
        art = _Article(world, lex, rng, path)
        text = art.write(n_bases=rng.randint(2, 5), n_orgs=rng.randint(1, 3))
        yield path, text, art.gold


def generate_corpus(out_dir: str | Path, n_docs: int, seed: int = 0) -> CorpusStats:
    """Write ``out_dir/corpus/doc-NNNNN.md`` and ``out_dir/gold.tsv``; return their sizes.

    Streams: each article and its gold rows are written as they are drawn, so the memory it takes
    is the world's (about one base per two articles), not the corpus's. ``gold.tsv`` is written to a
    temporary name and renamed when complete.
    """
    out = Path(out_dir)
    folder = out / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    facts: set[tuple[str, str, str]] = set()  # distinct facts: bounded by the world, not the corpus
    n_bytes = n_rows = 0
    gold_path, tmp = out / "gold.tsv", out / ".gold.tsv.tmp"
    try:
        with tmp.open("w", encoding="utf-8", newline="\n") as fh:
            fh.write(GOLD_HEADER)
            for path, text, gold in generate_documents(n_docs, seed):
                data = text.encode("utf-8")
                (folder / path).write_bytes(data)
                n_bytes += len(data)
                for row in dict.fromkeys(gold):  # one row per fact and document
                    fh.write("\t".join(row) + "\n")
                    facts.add((row[0], name_key(row[1]), name_key(row[2])))
                    n_rows += 1
        tmp.replace(gold_path)
    finally:
        tmp.unlink(missing_ok=True)
    return CorpusStats(documents=n_docs, bytes=n_bytes, facts=len(facts), gold_rows=n_rows)


def read_gold(path: str | Path) -> list[tuple[str, str, str, str]]:
    """Rows of a gold file (comment lines start with '#'); raises ValueError naming a bad line."""
    rows = []
    with Path(path).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4 or parts[0] not in RELATIONS:
                raise ValueError(f"{path}:{lineno}: expected relation<TAB>subject<TAB>object<TAB>document")
            rows.append(tuple(parts))
    return rows


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.generate OUT_DIR N [SEED]``"""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        raise SystemExit("usage: python -m benchmarks.generate OUT_DIR N [SEED]")
    stats = generate_corpus(args[0], int(args[1]), int(args[2]) if len(args) == 3 else 0)
    print(f"{stats.documents} documents, {stats.bytes} bytes, {stats.facts} distinct planted facts in {args[0]}")


if __name__ == "__main__":
    main()
