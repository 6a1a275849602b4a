#!/usr/bin/env python3
"""Score alliance-kg's document-to-graph extraction against one or more gold sets.

Usage:
    python eval/score.py NAME=DOCS_DIR:GOLD_TSV [NAME=DOCS_DIR:GOLD_TSV ...] [--details] [--kg KG]

For each set, the documents of DOCS_DIR (alone) are built into a graph with the project's own CLI
(`kg build --corpus DIR --out FILE`), the three contract queries are read as CSV
(`kg query base-locations|shared-bases|memberships --graph FILE --format csv`), and the
(relation, subject, object) triples are compared with GOLD_TSV by normalised label.

GOLD_TSV lines: `relation<TAB>subject<TAB>object[<TAB>document]`, `#` lines are comments.
Relations: located_in, hosts_forces_of, member_of. An `aliases.tsv` beside the gold file
(`alias<TAB>canonical`) adds name variants for that set only.

Prints one table (per set: one row per relation and an overall row; columns tp fp fn P R F1).
--details also lists, per set, the gold facts missed and the extra facts produced.
Exit status: 0 when every set was built and scored; 1 (with a one-line message) when a build or
query fails or an argument is wrong. Standard library only; the logic follows
shared/dev-eval/score.py.
"""
from __future__ import annotations

import argparse
import csv
import io
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Aliases every set shares (after normalisation); each set adds its own aliases.tsv on top.
BASE_ALIASES = {
    "us": "united states", "u s": "united states", "usa": "united states",
    "u s a": "united states", "united states of america": "united states",
    "america": "united states", "the united states": "united states",
    "uk": "united kingdom", "u k": "united kingdom", "britain": "united kingdom",
    "great britain": "united kingdom",
    "united kingdom of great britain and northern ireland": "united kingdom",
    "turkiye": "turkey", "republic of turkey": "turkey", "republic of turkiye": "turkey",
    "uae": "united arab emirates", "emirates": "united arab emirates",
    "kingdom of saudi arabia": "saudi arabia", "ksa": "saudi arabia",
    "state of qatar": "qatar",
    "north atlantic treaty organization": "nato", "north atlantic treaty organisation": "nato",
    "north atlantic alliance": "nato",
    "imctc": "islamic military counter terrorism coalition",
    "islamic military coalition to fight terrorism": "islamic military counter terrorism coalition",
    "islamic military alliance": "islamic military counter terrorism coalition",
    "cento": "baghdad pact", "central treaty organization": "baghdad pact",
    "central treaty organisation": "baghdad pact",
    "seato": "southeast asia treaty organization",
    "south east asia treaty organization": "southeast asia treaty organization",
    "gcc": "gulf cooperation council",
    "cooperation council for the arab states of the gulf": "gulf cooperation council",
    "league of arab states": "arab league",
    "islamic republic of iran": "iran", "islamic republic of pakistan": "pakistan",
    "inter american treaty of reciprocal assistance": "rio treaty", "rio pact": "rio treaty",
    "tiar": "rio treaty",
}

RELATIONS = {
    # relation: (library query, subject column, object column)
    "located_in": ("base-locations", "baseLabel", "countryLabel"),
    "hosts_forces_of": ("shared-bases", "baseLabel", "partnerLabel"),
    "member_of": ("memberships", "memberLabel", "organizationLabel"),
}


class EvalError(Exception):
    """A failure that ends the run with a one-line message."""


def norm_text(label: str) -> str:
    s = label.strip().lower()
    s = s.replace("\u00fc", "u").replace("\u0130", "i").replace("\u0131", "i")
    s = re.sub(r"[\u2019'`]s\b", "", s)
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    s = re.sub(r"^the ", "", s)
    return s


class Normaliser:
    def __init__(self, aliases_file: Path | None = None):
        self.aliases = dict(BASE_ALIASES)
        if aliases_file is not None and aliases_file.exists():
            for n, line in enumerate(aliases_file.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip() or line.startswith("#"):
                    continue
                parts = line.split("\t")
                if len(parts) < 2:
                    raise EvalError(f"{aliases_file}:{n}: expected 'alias<TAB>canonical'")
                self.aliases[norm_text(parts[0])] = self(parts[1])

    def __call__(self, label: str) -> str:
        s = norm_text(label)
        for _ in range(2):
            s = self.aliases.get(s, s)
        return s


def read_gold(path: Path, norm: Normaliser) -> set[tuple[str, str, str]]:
    gold = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3 or parts[0] not in RELATIONS:
            raise EvalError(f"{path}:{n}: expected 'relation<TAB>subject<TAB>object' with a known relation")
        gold.add((parts[0], norm(parts[1]), norm(parts[2])))
    return gold


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900)


def last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def extract(kg: str, docs: Path, name: str, norm: Normaliser) -> set[tuple[str, str, str]]:
    tmp = Path(tempfile.mkdtemp(prefix=f"kg-eval-{name}-"))
    try:
        corpus = tmp / "corpus"
        shutil.copytree(docs, corpus)
        out = tmp / "kg.ttl"
        r = run([kg, "build", "--corpus", str(corpus), "--out", str(out)])
        if r.returncode != 0 or not out.exists():
            why = last_line(r.stderr) or last_line(r.stdout) or "no output"
            raise EvalError(f"set {name}: kg build failed (exit {r.returncode}): {why}")
        got = set()
        for rel, (query, scol, ocol) in RELATIONS.items():
            q = run([kg, "query", query, "--graph", str(out), "--format", "csv"])
            if q.returncode != 0:
                why = last_line(q.stderr) or last_line(q.stdout) or "no output"
                raise EvalError(f"set {name}: kg query {query} failed (exit {q.returncode}): {why}")
            reader = csv.DictReader(io.StringIO(q.stdout))
            if reader.fieldnames and (scol not in reader.fieldnames or ocol not in reader.fieldnames):
                raise EvalError(f"set {name}: query {query} lacks columns {scol}/{ocol}: has {reader.fieldnames}")
            for row in reader:
                if row.get(scol) and row.get(ocol):
                    got.add((rel, norm(row[scol]), norm(row[ocol])))
        return got
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def parse_set(spec: str) -> tuple[str, Path, Path]:
    m = re.fullmatch(r"([^=]+)=(.+):([^:]+)", spec)
    if not m:
        raise EvalError(f"bad set '{spec}': expected NAME=DOCS_DIR:GOLD_TSV")
    name, docs, gold = m.group(1), Path(m.group(2)), Path(m.group(3))
    if not docs.is_dir():
        raise EvalError(f"set {name}: documents folder {docs} not found")
    if not gold.is_file():
        raise EvalError(f"set {name}: gold file {gold} not found")
    return name, docs, gold


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="+", metavar="NAME=DOCS_DIR:GOLD_TSV")
    ap.add_argument("--details", action="store_true", help="list missed and extra facts per set")
    ap.add_argument("--kg", default=None, help="the project's CLI (default .venv/bin/kg, else kg on PATH)")
    a = ap.parse_args(argv)
    try:
        kg = a.kg or (".venv/bin/kg" if Path(".venv/bin/kg").exists() else shutil.which("kg"))
        if not kg:
            raise EvalError("no kg command found (expected .venv/bin/kg; run `make install`)")
        specs = [parse_set(s) for s in a.sets]
        results = []
        for name, docs, gold_path in specs:
            norm = Normaliser(gold_path.with_name("aliases.tsv"))
            gold = read_gold(gold_path, norm)
            got = extract(kg, docs, name, norm)
            results.append((name, gold, got))
    except EvalError as e:
        print(f"eval: {e}")
        return 1

    header = f"{'set':<8} {'relation':<16} {'tp':>4} {'fp':>4} {'fn':>4} {'P':>5} {'R':>5} {'F1':>5}"
    print(header)
    print("-" * len(header))
    for name, gold, got in results:
        totals = [0, 0, 0]
        for rel in RELATIONS:
            g = {t for t in gold if t[0] == rel}
            p = {t for t in got if t[0] == rel}
            tp, fp, fn = len(g & p), len(p - g), len(g - p)
            totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
            print(f"{name:<8} {rel:<16} {tp:>4} {fp:>4} {fn:>4} " + " ".join(f"{x:>5.2f}" for x in prf(tp, fp, fn)))
        tp, fp, fn = totals
        print(f"{name:<8} {'overall':<16} {tp:>4} {fp:>4} {fn:>4} " + " ".join(f"{x:>5.2f}" for x in prf(tp, fp, fn)))
        print("-" * len(header))
    if a.details:
        for name, gold, got in results:
            print(f"\n== {name}: {len(gold - got)} missed, {len(got - gold)} extra")
            for t in sorted(gold - got):
                print("  miss ", *t, sep="\t")
            for t in sorted(got - gold):
                print("  extra", *t, sep="\t")
    return 0


if __name__ == "__main__":
    sys.exit(main())
