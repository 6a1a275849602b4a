"""Reading Markdown: titles, sections, sentences and offsets into the original text."""

from __future__ import annotations

import pytest

from graph.corpus import parse_document, read_corpus, read_document, split_sentences
from graph.errors import CorpusError

from conftest import CORPUS


def test_offsets_index_the_original_text_for_every_corpus_sentence():
    docs = read_corpus(CORPUS)
    assert [d.path for d in docs] == ["shared-military-bases.md", "strategic-military-alliances.md"]
    for doc in docs:
        assert doc.sentences
        for s in doc.sentences:
            quote = doc.text[s.start:s.end]
            # the clean text is the quote without markup
            assert quote.replace("**", "") == s.text or s.text in quote.replace("**", "")


def test_titles_and_sections():
    doc = read_document(CORPUS / "shared-military-bases.md", root=CORPUS)
    assert doc.title == "Shared Military Bases in Islamic Nations"
    sections = sorted({s.section for s in doc.sentences})
    assert "A Glance at Islamic Nations' Shared Military Bases" in sections
    s = next(s for s in doc.sentences if "German forces" in s.text)
    assert s.section == "A Glance at Islamic Nations' Shared Military Bases"
    assert s.text == ("As an example, the German forces are based in Incirlik Air Base, in NATO ally Turkey, "
                      "reflecting a broader strategic alliance.")


def test_markup_is_removed_from_clean_text_but_not_from_offsets():
    text = "# T\n\n1. **Joint Drills**: The [U.S.](http://x) Army is *based* at **Camp Arifjan**. It stays.\n"
    doc = parse_document("t.md", text)
    texts = [s.text for s in doc.sentences]
    assert texts == ["T", "Joint Drills", "The U.S. Army is based at Camp Arifjan.", "It stays."]
    s = doc.sentences[2]
    assert doc.text[s.start:s.end] == "The [U.S.](http://x) Army is *based* at **Camp Arifjan**."
    lead = doc.sentences[1]
    assert lead.heading and doc.text[lead.start:lead.end] == "Joint Drills"


def test_abbreviations_do_not_end_sentences():
    t = "Kuwait hosts U.S. Army units at Camp Arifjan. The U.K. Royal Navy uses HMS Jufair. It opened in 2018."
    assert [t[a:b] for a, b in split_sentences(t)] == [
        "Kuwait hosts U.S. Army units at Camp Arifjan.",
        "The U.K. Royal Navy uses HMS Jufair.",
        "It opened in 2018.",
    ]


def test_title_falls_back_to_file_name():
    assert parse_document("gulf-bases.md", "No heading here.").title == "Gulf bases"


@pytest.mark.parametrize(
    "name, data, message, line",
    [
        ("latin1.md", "# Title\n\nT\u00fcrkiye hosts\n".encode("latin-1"), "not UTF-8", 3),
        ("blob.md", b"# x\n\x00\x01\x02", "binary file", 2),
        ("empty.md", b"  \n\n", "empty document", None),
    ],
)
def test_bad_documents_name_file_and_line(tmp_path, name, data, message, line):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(CorpusError) as err:
        read_document(p)
    assert message in str(err.value)
    assert err.value.path == str(p)
    assert err.value.line == line


def test_missing_and_empty_corpus_folders(tmp_path):
    with pytest.raises(CorpusError, match="corpus folder not found"):
        read_corpus(tmp_path / "nope")
    (tmp_path / "notes.txt").write_text("not markdown")
    with pytest.raises(CorpusError, match=r"no Markdown documents"):
        read_corpus(tmp_path)
