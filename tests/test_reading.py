"""Extraction as a reader of real English: discourse, lists, names, filters, explain, --jobs.

Each case is a class of English (not a sentence from any evaluation set) with the exact
contract facts it states.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from graph.corpus import parse_document
from graph.errors import KGError
from graph.extract import extract_document, find_mentions, _DocState
from graph.depmatch import load_rules

from conftest import run_kg

CONTRACT = {"locatedIn", "hostsForcesOf", "memberOf"}


def facts(text: str) -> set[tuple[str, str, str]]:
    doc = parse_document("t.md", text)
    return {(f.subject, f.prop, f.object) for f in extract_document(doc).facts if f.prop in CONTRACT}


CASES = [
    # discourse: pronouns, definite descriptions, "there", the section's organisation
    ("# Camp Eagle\n\nCamp Eagle lies near Tuzla in Bosnia and Herzegovina.\n\nIt hosts American troops.\n",
     {("camp-eagle", "locatedIn", "bosnia-and-herzegovina"), ("camp-eagle", "hostsForcesOf", "united-states")}),
    ("Camp Eagle was opened in 1996. Norwegian soldiers were stationed there until 2004.",
     {("camp-eagle", "hostsForcesOf", "norway")}),
    ("The Pact of the Seas was signed in 1990. It was founded by Chile, Peru and Ecuador.",
     {(c, "memberOf", "pact-of-the-seas") for c in ("chile", "peru", "ecuador")}),
    ("## The Pact of the Seas\n\nFinland joined in 2023, and Sweden was admitted in 2024.\n",
     {("finland", "memberOf", "pact-of-the-seas"), ("sweden", "memberOf", "pact-of-the-seas")}),
    # member lists of several shapes
    ("The Pact of the Seas is an alliance comprising the following countries: Chile, Peru and Ecuador.",
     {(c, "memberOf", "pact-of-the-seas") for c in ("chile", "peru", "ecuador")}),
    ("The Pact of the Seas expanded to include Colombia and Bolivia in 1999.",
     {("colombia", "memberOf", "pact-of-the-seas"), ("bolivia", "memberOf", "pact-of-the-seas")}),
    ("# Pact of the Seas\n\nMembership Chile Chile Peru (withdrew in 2001) Ecuador\n",
     {(c, "memberOf", "pact-of-the-seas") for c in ("chile", "peru", "ecuador")}),
    ("The Pact of the Seas grew with the admission of Colombia and Bolivia.",
     {("colombia", "memberOf", "pact-of-the-seas"), ("bolivia", "memberOf", "pact-of-the-seas")}),
    ("The Pact of the Seas is a political alliance of four Pacific countries: Chile, Peru, Colombia, and Ecuador.",
     {(c, "memberOf", "pact-of-the-seas") for c in ("chile", "peru", "colombia", "ecuador")}),
    ("Chile is a party to the Pact of the Seas, along with Peru, The Bahamas and Ecuador.",
     {(c, "memberOf", "pact-of-the-seas") for c in ("chile", "peru", "bahamas", "ecuador")}),
    ("# Pact of the Seas\n\nmembers - (3) Chile, Peru, Ecuador\nassociate members - (1) Bolivia\n",
     {(c, "memberOf", "pact-of-the-seas") for c in ("chile", "peru", "ecuador")}),
    ("The Pact of the Seas is a trade agreement. Its members are the nations of Chile, Peru and Ecuador.",
     {(c, "memberOf", "pact-of-the-seas") for c in ("chile", "peru", "ecuador")}),
    ("United States Naval Station Tern Bay is located at Tern Bay, Cuba.",
     {("naval-station-tern-bay", "locatedIn", "cuba"), ("naval-station-tern-bay", "hostsForcesOf", "united-states")}),
    ("CAMP EAGLE, Bosnia and Herzegovina -- U.S. Army engineers returned after a five-month project.",
     {("camp-eagle", "locatedIn", "bosnia-and-herzegovina"), ("camp-eagle", "hostsForcesOf", "united-states")}),
    ("Naval Base Tern Bay was a repair facility of the United States Navy in Luzon, Philippines.",
     {("naval-base-tern-bay", "locatedIn", "philippines"), ("naval-base-tern-bay", "hostsForcesOf", "united-states")}),
    ("NATO Air Base Tornbach lies in Germany. It was operated as RAF Tornbach until 1968, when RAF Tornbach "
     "became a NATO base. Canadian squadrons were based at RAF Tornbach.",
     {("nato-air-base-tornbach", "locatedIn", "germany"), ("nato-air-base-tornbach", "hostsForcesOf", "canada")}),
    ("In 2004 seven countries joined the Pact of the Seas: Chile, Peru and Ecuador.",
     {(c, "memberOf", "pact-of-the-seas") for c in ("chile", "peru", "ecuador")}),
    ("## Pact\n\nChile, Peru and Ecuador signed a treaty in 1990. These nations joined the Pact of the Seas in 1992.\n",
     {(c, "memberOf", "pact-of-the-seas") for c in ("chile", "peru", "ecuador")}),
    ("The Pact of the Seas is an alliance of three countries: Chile, Peru and Ecuador. All three members of the Pact "
     "of the Seas joined NATO in 2004.",
     {(c, r, o) for c in ("chile", "peru", "ecuador") for r, o in (("memberOf", "pact-of-the-seas"), ("memberOf", "nato"))}),
    ("# Pact of the Seas\n\nmembers - (2) Chile, Peru\nnote - Ecuador left the organization in August 2009.\n",
     {(c, "memberOf", "pact-of-the-seas") for c in ("chile", "peru", "ecuador")}),
    ("The wing moved to Camp Tern and Camp Eagle in Bosnia and Herzegovina.",
     {("camp-tern", "locatedIn", "bosnia-and-herzegovina"), ("camp-eagle", "locatedIn", "bosnia-and-herzegovina")}),
    ("Camp Tern and Camp Eagle hold the armor elements of the 2nd Infantry Division (United States).",
     {("camp-tern", "hostsForcesOf", "united-states"), ("camp-eagle", "hostsForcesOf", "united-states")}),
    ("Qatar's Camp Tern houses a U.S. headquarters, and Turkish troops have been deployed to the Tariq bin Ziyad "
     "base in Qatar since 2015.",
     {("camp-tern", "locatedIn", "qatar"), ("camp-tern", "hostsForcesOf", "united-states"),
      ("tariq-bin-ziyad-base", "locatedIn", "qatar"), ("tariq-bin-ziyad-base", "hostsForcesOf", "turkey")}),
    ("The Fifth Fleet is headquartered at Camp Tern, while the Royal Navy operates from Camp Eagle.",
     {("camp-tern", "hostsForcesOf", "united-states"), ("camp-eagle", "hostsForcesOf", "united-kingdom")}),
    ("Pituffik Space Base is a United States Space Force base located in Greenland.",
     {("pituffik-space-base", "hostsForcesOf", "united-states")}),
    ("U.S. Fleet Activities Tern is a United States Navy naval base in Tern, Japan.",
     {("fleet-activities-tern", "locatedIn", "japan"), ("fleet-activities-tern", "hostsForcesOf", "united-states")}),
    # filters: observers, plans, negation
    ("Brazil and Argentina are observer states to the Pact of the Seas.", set()),
    ("Bolivia hopes to join the Pact of the Seas.", set()),
    ("It was decided that Bolivia will join the Pact of the Seas.", set()),
    ("Norwegian soldiers are not stationed at Camp Eagle.", set()),
    # base names of other shapes and their places
    ("The U.S. returned Air Base 201 in Niger in 2024.", {("nigerien-air-base-201", "locatedIn", "niger")}),
    ("CAMP EAGLE, Bosnia and Herzegovina -- Soldiers arrived on Monday.",
     {("camp-eagle", "locatedIn", "bosnia-and-herzegovina")}),
    ("Camp Eagle is near Tuzla. Today Eagle is home to Finnish troops.", {("camp-eagle", "hostsForcesOf", "finland")}),
    # a unit is not a base; a base named by the host's service does not host the host's forces
    ("The 502nd Air Base Wing is based in Texas.", set()),
    ("RMAF Butterworth is run by the Royal Malaysian Air Force.", set()),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[0][:40] for c in CASES])
def test_contract_facts_of_classes_of_english(text, expected):
    assert facts(text) == expected


def test_a_fact_read_through_a_pronoun_records_the_antecedent_sentence():
    text = "# Camp Eagle\n\nCamp Eagle lies near Tuzla in Bosnia and Herzegovina.\n\nIt hosts American troops.\n"
    doc = parse_document("t.md", text)
    (f,) = [f for f in extract_document(doc).facts if f.prop == "hostsForcesOf"]
    assert f.evidence.quote == "It hosts American troops."
    assert f.antecedent is not None and f.antecedent.quote == "Camp Eagle lies near Tuzla in Bosnia and Herzegovina."
    assert text[f.antecedent.start:f.antecedent.end] == f.antecedent.quote


def test_base_name_shapes():
    ms = find_mentions("Troops moved from the Russian 102nd Military Base to Base Aérienne 172, "
                       "then to United States Army Garrison Bavaria and RAF Lakenheath.", _DocState(), {})
    assert [m.text for m in ms if m.kind in ("MilitaryBase", "AirBase", "NavalBase")] == [
        "Russian 102nd Military Base", "Base Aérienne 172", "United States Army Garrison Bavaria", "RAF Lakenheath"]


def test_build_records_the_pipeline_and_the_antecedent(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "eagle.md").write_text("# Camp Eagle\n\nCamp Eagle lies near Tuzla in Bosnia and Herzegovina.\n\n"
                                     "It hosts American troops.\n")
    r = run_kg("build", "--corpus", corpus, "--out", tmp_path / "kg.ttl", "--quiet")
    assert r.returncode == 0, r.stderr
    ttl = (tmp_path / "kg.ttl").read_text()
    assert 'akg:extractedWith "en_core_web_sm 3.8.0 (spaCy 3.8.' in ttl
    assert "akg:antecedent akr:ev-" in ttl and 'akg:rule "antecedent"' in ttl


def test_an_antecedent_that_states_the_same_fact_is_still_valid(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "eagle.md").write_text("Camp Eagle is a U.S. Army base in Bosnia and Herzegovina. It hosts American troops.\n")
    r = run_kg("build", "--corpus", corpus, "--out", tmp_path / "kg.ttl", "--quiet")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "kg.ttl").read_text().count("akg:antecedent akr:ev-") == 1


def test_jobs_give_the_same_bytes(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    for i, country in enumerate(["Norway", "Finland", "Poland", "Italy", "Spain", "Greece", "Latvia", "Estonia",
                                 "Romania"]):
        (corpus / f"d{i}.md").write_text(f"# Camp {i}\n\nCamp Eagle lies near Tuzla in Bosnia and Herzegovina. "
                                         f"{country} joined NATO in 2004. It hosts troops from {country}.\n")
    outs = []
    for jobs in ("1", "2", "3"):
        out = tmp_path / f"kg{jobs}.trig"
        r = run_kg("build", "--corpus", corpus, "--out", out, "--quiet", "--jobs", jobs)
        assert r.returncode == 0, r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    assert b"hostsForcesOf" in outs[0] and b"akg:memberOf" in outs[0]


def test_explain_a_sentence_and_a_file(tmp_path):
    r = run_kg("explain", "Finland joined NATO in 2023.")
    assert r.returncode == 0, r.stderr
    assert "Finland [Country finland, name]" in r.stdout
    assert "COUNTRY <nsubj join >dobj ORG  [rule join-verb-org]" in r.stdout
    assert "fact: finland memberOf nato" in r.stdout
    doc = tmp_path / "a.md"
    doc.write_text("# Camp Eagle\n\nCamp Eagle lies near Tuzla in Bosnia and Herzegovina.\n\nIt hosts American troops.\n")
    r = run_kg("explain", doc)
    assert r.returncode == 0, r.stderr
    assert "It [MilitaryBase camp-eagle, coref]" in r.stdout
    assert "fact: camp-eagle hostsForcesOf united-states" in r.stdout
    r = run_kg("explain", tmp_path / "missing.md")
    assert r.returncode == 2 and r.stderr.strip().endswith("missing.md: file not found") and not r.stdout


def test_explain_says_why_nothing_was_read():
    r = run_kg("explain", "Norwegian soldiers are not stationed at Camp Eagle.")
    assert r.returncode == 0
    assert "(blocked: negation or modality)" in r.stdout and "fact:" not in r.stdout


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("[]{}()=\"'#\n abcxyz._-|\\")), max_size=200))
def test_rule_file_parser_never_crashes(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("rules") / "r.toml"
    path.write_text(text)
    try:
        load_rules.__wrapped__(path)
    except KGError as exc:
        assert "r.toml" in str(exc)


def test_invisible_characters_and_a_byte_order_mark_are_not_read(tmp_path):
    from graph.corpus import read_document

    path = tmp_path / "zw.md"
    path.write_bytes("\ufeff# Bases\n\nRamstein\u200b Air Base is in Ger\u00admany.\n".encode("utf-8"))
    doc = read_document(path)
    assert doc.title == "Bases"
    s = doc.sentences[-1]
    assert s.text == "Ramstein Air Base is in Germany."
    assert doc.text[s.start:s.end] == "Ramstein\u200b Air Base is in Ger\u00admany."
    assert {(f.subject, f.prop, f.object) for f in extract_document(doc).facts} == {
        ("ramstein-air-base", "locatedIn", "germany")}


def test_a_huge_one_sentence_document_is_read_in_parts(tmp_path):
    """A flattened table makes one 'sentence' of 65 KB: it is parsed in parts, not pair by pair."""
    text = "# T\n\n" + " ".join(f"Camp Alpha{i} in Germany hosts American troops and NATO members Poland and Italy,"
                               for i in range(800)) + "\n"
    facts_ = {(f.subject, f.prop, f.object) for f in extract_document(parse_document("t.md", text)).facts}
    assert ("camp-alpha799", "locatedIn", "germany") in facts_ and ("camp-alpha0", "hostsForcesOf", "united-states") in facts_
    assert ("poland", "memberOf", "nato") in facts_


def test_a_document_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    from graph import corpus
    from graph.errors import CorpusError

    monkeypatch.setattr(corpus, "MAX_DOCUMENT_CHARS", 100)
    path = tmp_path / "big.md"
    path.write_text("# Big\n\n" + "Camp Eagle lies in Bosnia. " * 10)
    with pytest.raises(CorpusError, match=r"document too large \(277 characters; the limit is 100\)") as exc:
        corpus.read_document(path)
    assert "big.md" in str(exc.value)
