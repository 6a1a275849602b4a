"""Score a built graph against a gold file through the contract queries.

The contract queries ``base-locations``, ``shared-bases`` and ``memberships`` give what the graph
says; ``gold.tsv`` (see :mod:`benchmarks.generate`) what the documents state. Both become sets of
``(relation, name_key(subject), name_key(object))`` and are compared: precision, recall and F1 per
relation and over all three (micro-averaged).

>>> s = prf({("member_of", "qatar", "nato")}, {("member_of", "qatar", "nato"), ("member_of", "oman", "nato")})
>>> (s["precision"], s["recall"], round(s["f1"], 3))
(1.0, 0.5, 0.667)
"""

from __future__ import annotations

from graph.lexicon import name_key

from .generate import RELATIONS

#: contract query -> (relation, subject column, object column)
CONTRACT = {
    "base-locations": ("located_in", "baseLabel", "countryLabel"),
    "shared-bases": ("hosts_forces_of", "baseLabel", "partnerLabel"),
    "memberships": ("member_of", "memberLabel", "organizationLabel"),
}


def predicted_facts(store) -> set[tuple[str, str, str]]:
    """What the graph in a pyoxigraph store says, through the contract queries of graph.query."""
    from graph.query import run_query

    out = set()
    for name, (rel, subj_col, obj_col) in CONTRACT.items():
        for row in run_query(store, name).rows():
            if row.get(subj_col) and row.get(obj_col):
                out.add((rel, name_key(row[subj_col]), name_key(row[obj_col])))
    return out


def gold_facts(rows) -> set[tuple[str, str, str]]:
    """Distinct (relation, subject key, object key) of gold rows (documents ignored)."""
    return {(r, name_key(s), name_key(o)) for r, s, o, *_ in rows}


def prf(pred: set, gold: set) -> dict[str, float]:
    """Precision, recall, F1 and the counts behind them."""
    tp = len(pred & gold)
    p = tp / len(pred) if pred else (1.0 if not gold else 0.0)
    r = tp / len(gold) if gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "predicted": len(pred), "gold": len(gold)}


def score(pred: set, gold: set) -> dict[str, dict[str, float]]:
    """``prf`` per relation and over all relations (key ``"all"``)."""
    out = {rel: prf({t for t in pred if t[0] == rel}, {t for t in gold if t[0] == rel}) for rel in RELATIONS}
    out["all"] = prf(pred, gold)
    return out
