"""A query answer as an HTML table, for Jupyter (``QueryResult._repr_html_``).

Labelled columns (``base`` beside ``baseLabel``) show the label over the compact IRI, as the
terminal table does; every value is escaped.

>>> from graph.query import QueryResult
>>> r = QueryResult("select", b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"<b>"}}]}}', ["x"])
>>> "&lt;b&gt;" in result_html(r) and "<b>" not in result_html(r)
True
"""

from __future__ import annotations

from html import escape

from .results import display_text


def table_columns(variables: list[str]) -> list[tuple[str, str | None]]:
    """The columns a result table shows: ``(variable, its label variable or None)``. A variable ``x``
    with a partner ``xLabel`` is one column showing the label over the compact IRI.

    >>> table_columns(["base", "baseLabel", "start"])
    [('base', 'baseLabel'), ('start', None)]
    """
    out: list[tuple[str, str | None]] = []
    for v in variables:
        if v.endswith("Label") and v[: -len("Label")] in variables:
            continue
        out.append((v, f"{v}Label" if f"{v}Label" in variables else None))
    return out


def result_html(result, max_rows: int = 500) -> str:
    """An HTML table of a SELECT answer (the first ``max_rows`` rows), or the ASK/update answer."""
    if result.kind == "ask":
        return f"<p>{'true' if result.boolean else 'false'}</p>"
    if result.kind == "update":
        return f"<p>update: {result.changed:+d} quads</p>"
    if result.kind == "graph":
        return f"<p>a graph of {len(result)} triples</p>"
    cols = table_columns(result.variables)
    index = {v: i for i, v in enumerate(result.variables)}
    head = "".join(f"<th>{escape(var)}</th>" for var, _label in cols)
    body = []
    solutions = result.solutions()
    for sol in solutions[:max_rows]:
        cells = []
        for var, label in cols:
            value = escape(display_text(sol[index[var]]))
            if label and sol[index[label]] is not None:
                value = f"{escape(display_text(sol[index[label]]))}<br><small>{value}</small>"
            cells.append(f"<td>{value}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = len(solutions) - max_rows
    note = f"{len(solutions)} row{'' if len(solutions) == 1 else 's'}" + (f" ({more} not shown)" if more > 0 else "")
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p><small>{note}</small></p>")


__all__ = ["result_html", "table_columns"]
