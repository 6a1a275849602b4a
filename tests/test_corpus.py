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
    (tmp_path / "notes.csv").write_text("not a document")  # (a .txt file would be: plain text is read)
    with pytest.raises(CorpusError, match=r"no Markdown documents"):
        read_corpus(tmp_path)


# --------------------------------------------------------------------------- markup-only lines, code blocks


@pytest.mark.parametrize(
    "text, texts",
    [
        ("**\nfoo", ["foo"]),
        ("```\nfoo\n```\nbar", ["bar"]),
        ("![](fig.png)\nA caption.", ["A caption."]),
        (">\nfoo", ["foo"]),
        ("-\nfoo", ["foo"]),
        ("1.\nfoo", ["foo"]),
        ("# T\n\n**\n**\n", ["T"]),
    ],
)
def test_a_paragraph_opening_with_a_markup_only_line_parses(text, texts):
    doc = parse_document("t.md", text)
    assert [s.text for s in doc.sentences] == texts
    for s in doc.sentences:
        assert doc.text[s.start:s.end] == s.text


def test_fenced_code_blocks_are_not_prose():
    text = ("# T\n\nBefore the code. It ends here.\n```python\nx = 1. The U.S. Army is in Kuwait.\n\n"
            "```\nAfter it.\n\n~~~~\nTurkey hosts NATO.\n~~~\nstill code\n~~~~\n---\nLast one.\n")
    doc = parse_document("t.md", text)
    assert [s.text for s in doc.sentences] == ["T", "Before the code.", "It ends here.", "After it.", "Last one."]
    assert [doc.text[s.start:s.end] for s in doc.sentences] == [s.text for s in doc.sentences]
    # an unclosed fence runs to the end of the document; inline code spans are prose
    assert [s.text for s in parse_document("t.md", "A.\n\n```\nB. C.\n").sentences] == ["A."]
    assert [s.text for s in parse_document("t.md", "Use ```x``` here.").sentences] == ["Use x here."]


def test_a_markup_only_document_builds_through_read_corpus(tmp_path):
    (tmp_path / "a.md").write_text("```\n# not a heading\n```\n**\nfoo\n", encoding="utf-8")
    (doc,) = read_corpus(tmp_path)
    assert [s.text for s in doc.sentences] == ["foo"]
    assert doc.title == "A"


def test_a_parser_failure_names_the_document_and_line(monkeypatch):
    import graph.corpus as corpus

    def broken(text):
        raise IndexError("list index out of range")

    monkeypatch.setattr(corpus, "split_sentences", broken)
    with pytest.raises(CorpusError) as err:
        parse_document("docs/a.md", "# T\n\nline two\nline three\n")
    assert str(err.value) == "docs/a.md:4: cannot parse the document (IndexError: list index out of range)"
    assert (err.value.path, err.value.line) == ("docs/a.md", 4)


# --------------------------------------------------------------------------- property-based

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

#: Markdown-ish text: markup characters, line breaks of every kind Python splits on, prose, non-ASCII
_MARKDOWN_PIECES = st.sampled_from([
    "```", "~~~", "**", "__", "*", "_", "`", "#", "# ", "## ", ">", "> ", "- ", "-", "* ", "1. ", "1.", "---",
    "![](fig.png)", "![alt](x)", "[U.S.](http://x)", "[", "]", "(", ")", "**Lead**: ", "\n", "\n\n", "\r\n",
    "\r", " ", "\t", "\u2028", "\x0b", "\x85", ". ", "! ", "? ", "U.S. ", "Dr. ", "The ", "Army", "Kuwait.",
    "It stays.", "\u00e9", "\u201c", "\U0001f600", "\u200b",
])
_MARKDOWN = st.one_of(st.lists(_MARKDOWN_PIECES, max_size=40).map("".join), st.text(max_size=200))


def _check_offsets(doc):
    text = doc.text
    for s in doc.sentences:
        assert 0 <= s.start < s.end <= len(text)
        assert len(s.offsets) == len(s.text) and s.offsets[0] == s.start and s.offsets[-1] == s.end - 1
        assert s.text == s.text.strip()
        for i, (c, o) in enumerate(zip(s.text, s.offsets)):
            assert s.start <= o < s.end
            if i:
                assert o >= s.offsets[i - 1]
            # every clean character is the original one, except a space that joins two lines
            # (it maps to the character before it)
            assert text[o] == c or (c == " " and i and o == s.offsets[i - 1]), (c, o, text)


@settings(derandomize=True, max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MARKDOWN)
def test_parse_document_never_raises_and_offsets_slice_back(text):
    doc = parse_document("p.md", text)
    _check_offsets(doc)
    assert [s.index for s in doc.sentences] == list(range(len(doc.sentences)))
    assert doc.title


@settings(derandomize=True, max_examples=500, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=6), st.lists(st.text(max_size=30), max_size=4))
def test_code_block_contents_never_become_sentences(before, code):
    words = [w for w in before if w.strip() and "`" not in w and "~" not in w]
    secret = "ZQXJcodeonly"
    body = "\n".join(code + [secret + "."]).replace("```", "")
    text = "\n\n".join(words) + "\n\n```\n" + body + "\n```\nAfter.\n"
    doc = parse_document("c.md", text)
    _check_offsets(doc)
    assert not any(secret in s.text for s in doc.sentences)
    assert doc.sentences[-1].text == "After."


# --------------------------------------------------------------------------- plain text and skipped files


def test_plain_text_is_read_with_no_markup():
    text = "Bases abroad\n\n# Kuwait, * and _ are text here\nThe *U.S.* Army is in\nKuwait.\n"
    doc = parse_document("news.txt", text)
    assert doc.title == "Bases abroad"
    assert [(s.text, s.section, s.heading) for s in doc.sentences] == [
        ("Bases abroad", "Bases abroad", True),
        ("# Kuwait, * and _ are text here The *U.S.* Army is in Kuwait.", "Bases abroad", False),
    ]
    para = doc.sentences[1]
    assert text[para.start:para.end] == "# Kuwait, * and _ are text here\nThe *U.S.* Army is in\nKuwait."
    assert parse_document("news.md", text).title == "Kuwait, * and _ are text here"  # Markdown reads the markup


def test_files_that_are_not_documents_are_named_in_one_warning(tmp_path):
    from graph.corpus import find_documents

    (tmp_path / "a.md").write_text("Qatar hosts the base.\n")
    (tmp_path / "gold.tsv").write_text("x\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "scan.pdf").write_text("x\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD.md").write_text("hidden folders are not read\n")
    told = []
    assert [p.name for p in find_documents(tmp_path, warn=told.append)] == ["a.md"]
    assert told == [f"{tmp_path}: skipped 2 files that are not a document (documents are .md, .markdown, .txt): "
                    "gold.tsv, sub/scan.pdf"]
