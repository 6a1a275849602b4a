"""Extraction rules on sentences of the genre that the seed corpus does not contain.

Each case gives a small document and the exact set of base/host/membership facts it states.
"""

from __future__ import annotations

import pytest

from graph.corpus import parse_document
from graph.extract import extract_document, find_mentions, _DocState

CONTRACT = {"locatedIn", "hostsForcesOf", "memberOf"}


def facts(text: str, props=CONTRACT) -> set[tuple[str, str, str]]:
    doc = parse_document("t.md", text)
    return {(f.subject, f.prop, f.object) for f in extract_document(doc).facts if f.prop in props}


CASES = [
    # bases and where they are
    ("Al Udeid Air Base in Qatar hosts American aircraft.",
     {("al-udeid-air-base", "locatedIn", "qatar"), ("al-udeid-air-base", "hostsForcesOf", "united-states")}),
    ("Kuwait hosts U.S. Army units at Camp Arifjan, a logistics hub south of Kuwait City.",
     {("camp-arifjan", "locatedIn", "kuwait"), ("camp-arifjan", "hostsForcesOf", "united-states")}),
    ("Turkish soldiers are stationed at the Tariq bin Ziyad Base near Doha, Qatar.",
     {("tariq-bin-ziyad-base", "locatedIn", "qatar"), ("tariq-bin-ziyad-base", "hostsForcesOf", "turkey")}),
    ("Incirlik Air Base, near Adana in southern Turkey, hosts US and NATO aircraft.",
     {("incirlik-air-base", "locatedIn", "turkey"), ("incirlik-air-base", "hostsForcesOf", "united-states")}),
    ("Camp Lemonnier, a U.S. Navy-run base in Djibouti, is the only permanent American base in Africa.",
     {("camp-lemonnier", "locatedIn", "djibouti"), ("camp-lemonnier", "hostsForcesOf", "united-states")}),
    ("France operates the Zarqa Airfield in Jordan alongside American drones.",
     {("zarqa-airfield", "locatedIn", "jordan"), ("zarqa-airfield", "hostsForcesOf", "france"),
      ("zarqa-airfield", "hostsForcesOf", "united-states")}),
    ("Qatar's Al Udeid Air Base is used by the air forces of the United Kingdom.",
     {("al-udeid-air-base", "locatedIn", "qatar"), ("al-udeid-air-base", "hostsForcesOf", "united-kingdom")}),
    ("Bahrain also hosts the Royal Navy: the British HMS Jufair naval support facility in Bahrain opened in 2018.",
     {("hms-jufair", "locatedIn", "bahrain"), ("hms-jufair", "hostsForcesOf", "united-kingdom")}),
    ("Turkish troops use the Tariq bin Ziyad air base in Qatar, while a Turkish air base in Qatar is planned.",
     {("tariq-bin-ziyad-air-base", "locatedIn", "qatar"), ("tariq-bin-ziyad-air-base", "hostsForcesOf", "turkey")}),
    # a host's own forces are not a foreign partner
    ("The Royal Air Force of Oman and British aircraft use Masirah Air Base in Oman.",
     {("masirah-air-base", "locatedIn", "oman"), ("masirah-air-base", "hostsForcesOf", "united-kingdom")}),
    # partners go with the base they modify
    ("Djibouti hosts Camp Lemonnier, the largest American military installation in Africa, "
     "and the French base at Chabelley Airfield.",
     {("camp-lemonnier", "locatedIn", "djibouti"), ("chabelley-airfield", "locatedIn", "djibouti"),
      ("camp-lemonnier", "hostsForcesOf", "united-states"), ("chabelley-airfield", "hostsForcesOf", "france")}),
    # negation: no hosting fact
    ("German forces are no longer based at Incirlik Air Base in Turkey.",
     {("incirlik-air-base", "locatedIn", "turkey")}),
    # memberships
    ("The Baghdad Pact was signed in 1955. Its members were Turkey, Iraq, Iran, Pakistan and the United Kingdom.",
     {(c, "memberOf", "baghdad-pact") for c in ("turkey", "iraq", "iran", "pakistan", "united-kingdom")}),
    ("Turkey joined NATO in 1952. Albania, a Muslim-majority country, became a member of NATO in 2009.",
     {("turkey", "memberOf", "nato"), ("albania", "memberOf", "nato")}),
    ("Members of the Arab League include Egypt, Iraq and Jordan. Qatar and Kuwait are also members of the Arab League.",
     {(c, "memberOf", "arab-league") for c in ("egypt", "iraq", "jordan", "qatar", "kuwait")}),
    ("The Islamic Military Counter Terrorism Coalition (IMCTC) was announced in 2015. Saudi Arabia leads the "
     "coalition, which includes Pakistan and Egypt. Afghanistan joined the coalition in 2017.",
     {(c, "memberOf", "imctc") for c in ("saudi-arabia", "pakistan", "egypt", "afghanistan")}),
    ("The League of Arab States was founded in Cairo in 1945 by Egypt, Iraq and Syria.",
     {(c, "memberOf", "arab-league") for c in ("egypt", "iraq", "syria")}),
    ("The Organisation of Islamic Cooperation counts 57 member states, among them Turkey, Iran and Indonesia.",
     {(c, "memberOf", "oic") for c in ("turkey", "iran", "indonesia")}),
    ("Pakistan was also a member of the Southeast Asia Treaty Organization (SEATO), together with the United States "
     "and France.",
     {(c, "memberOf", "seato") for c in ("pakistan", "united-states", "france")}),
    ("Oman, a member of the Gulf Cooperation Council, trains with NATO members Turkey and Albania.",
     {("oman", "memberOf", "gulf-cooperation-council"), ("turkey", "memberOf", "nato"),
      ("albania", "memberOf", "nato")}),
    ("Pakistan is a major non-NATO ally of the United States.", set()),
    ("Germany withdrew its Tornado jets from Incirlik Air Base in 2017.", set()),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[0][:40] for c in CASES])
def test_contract_facts_from_unseen_phrasings(text, expected):
    assert facts(text) == expected


def test_renamed_alliance_is_one_entity_and_years_are_qualifiers():
    doc = parse_document("t.md", "## The Baghdad Pact\n\nThe Baghdad Pact was signed in 1955. Its members were "
                                 "Turkey and Iraq. After Iraq withdrew in 1959, the alliance was renamed the "
                                 "Central Treaty Organization (CENTO), which was dissolved in 1979.\n")
    ex = extract_document(doc)
    got = {(f.subject, f.prop, f.object, f.start_year, f.end_year) for f in ex.facts}
    assert ("baghdad-pact", "startYear", "1955", None, None) in got
    assert ("baghdad-pact", "endYear", "1979", None, None) in got
    assert ("iraq", "memberOf", "baghdad-pact", None, 1959) in got
    assert ("baghdad-pact", "formedIn", "cold-war", None, None) in got


def test_concepts_attach_to_the_alliance_the_sentence_speaks_of():
    text = ("## The Gulf Cooperation Council\n\nThe Gulf Cooperation Council, founded in 1981, brings together "
            "Saudi Arabia and Oman. Its members coordinate on intelligence sharing and maritime security.\n")
    got = facts(text, props={"coversArea", "memberOf"})
    assert got == {
        ("saudi-arabia", "memberOf", "gulf-cooperation-council"),
        ("oman", "memberOf", "gulf-cooperation-council"),
        ("gulf-cooperation-council", "coversArea", "intelligence-sharing"),
        ("gulf-cooperation-council", "coversArea", "maritime-security"),
    }


def test_generic_alliances_become_the_groups_alliance_network():
    text = ("In recent times, with challenges like terrorism and cyber warfare emerging, the alliances of "
            "Islamic nations have adapted.")
    assert facts(text, props={"addressesThreat", "formedIn"}) == {
        ("alliances-of-islamic-nations", "addressesThreat", "terrorism"),
        ("alliances-of-islamic-nations", "addressesThreat", "cyber-warfare"),
        ("alliances-of-islamic-nations", "formedIn", "contemporary-era"),
    }


def test_section_heading_names_the_country_of_an_unplaced_base():
    text = "## Kuwait\n\nAmerican troops rotate through Camp Buehring.\n"
    assert facts(text) == {("camp-buehring", "locatedIn", "kuwait"), ("camp-buehring", "hostsForcesOf", "united-states")}


def test_mentions_prefer_the_longest_name_and_patterns_find_unknown_bases():
    ents: dict = {}
    ms = find_mentions("Naval Support Activity Bahrain hosts the Fifth Fleet; Camp Dawson lies in Kuwait.",
                       _DocState(), ents)
    assert [(m.text, m.entity, m.kind, m.via) for m in ms] == [
        ("Naval Support Activity Bahrain", "naval-support-activity-bahrain", "NavalBase", "name"),  # in the lexicon
        ("Fifth Fleet", "united-states", "Country", "force"),
        ("Camp Dawson", "camp-dawson", "MilitaryBase", "pattern"),
        ("Kuwait", "kuwait", "Country", "name"),
    ]
    assert ents["camp-dawson"].label == "Camp Dawson"


def test_evidence_is_the_sentence_with_offsets():
    text = "# Bases\n\nFiller sentence here. German forces are based at **Incirlik Air Base** in Turkey.\n"
    doc = parse_document("t.md", text)
    f = next(f for f in extract_document(doc).facts if f.prop == "hostsForcesOf")
    assert f.evidence.quote == "German forces are based at **Incirlik Air Base** in Turkey."
    assert text[f.evidence.start:f.evidence.end] == f.evidence.quote
    assert f.evidence.section == "Bases" and f.evidence.rule == "forces-at-base"
