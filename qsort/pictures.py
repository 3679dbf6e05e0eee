"""SVG pictures for the results pages, drawn on the server (no script, no CDN: they pass the CSP).

``scree_svg`` draws eigenvalues against the parallel-analysis line; ``grid_svg`` draws a viewpoint's composite
Q-sort (from ``analysis.cribsheet.composite_grid``) as the study's grid, Ken-Q style. Labels come in already
translated: this module has no Flask and no words of its own.
"""
from __future__ import annotations

import textwrap
from xml.sax.saxutils import escape

FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" {FONT}><title>{escape(title)}</title>'
            f'<rect width="100%" height="100%" fill="#fff"/>{"".join(body)}</svg>')


def scree_svg(eigenvalues: list[float], parallel: list[float] | None, labels: dict[str, str], n: int = 12) -> str:
    """Eigenvalues 1..n as points on a line, the parallel-analysis threshold dashed, Kaiser's 1.0 dotted.

    labels: ``title``, ``eigen`` (legend of the eigenvalues), ``parallel``, ``kaiser``, ``factor``.
    """
    eigs = list(eigenvalues)[:n]
    par = list(parallel or [])[:len(eigs)]
    width, height, left, right, top, bottom = 600, 260, 44, 16, 16, 58
    top_value = max([*eigs, *par, 1.0]) * 1.1
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (plot_w * i / max(1, len(eigs) - 1))

    def y(v: float) -> float:
        return top + plot_h * (1 - v / top_value)

    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#555"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#555"/>']
    step = max(1, round(top_value / 5))
    for tick in range(0, int(top_value) + 1, step):
        body.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">{tick}</text>')
    for i in range(len(eigs)):
        body.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle">{i + 1}</text>')
    body.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h + 32}" font-size="11" text-anchor="middle">'
                f'{escape(labels["factor"])}</text>')
    body.append(f'<line x1="{left}" y1="{y(1):.1f}" x2="{left + plot_w}" y2="{y(1):.1f}" stroke="#999" '
                f'stroke-dasharray="2 3"/>')
    if par:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(par))
        body.append(f'<polyline points="{points}" fill="none" stroke="#d4630b" stroke-width="2" '
                    f'stroke-dasharray="6 4"/>')
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(eigs))
    body.append(f'<polyline points="{points}" fill="none" stroke="#1f6feb" stroke-width="2"/>')
    body += [f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="#1f6feb"><title>{i + 1}: {v:.2f}</title>'
             f'</circle>' for i, v in enumerate(eigs)]
    # The legend in one row, each item placed after the previous one's text (about 6 px a character at 11 px).
    legend_y, x0 = height - 10, left
    for key, stroke, dash in (("eigen", "#1f6feb", ""), ("parallel", "#d4630b", "6 4"), ("kaiser", "#999", "2 3")):
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(f'<line x1="{x0}" y1="{legend_y - 4}" x2="{x0 + 20}" y2="{legend_y - 4}" stroke="{stroke}" '
                    f'stroke-width="2"{dashed}/><text x="{x0 + 26}" y="{legend_y}" font-size="11">'
                    f'{escape(labels[key])}</text>')
        x0 += 26 + 6 * len(labels[key]) + 14
    return _svg(width, height, body, labels["title"])


CARD_W, CARD_H, GAP = 132, 78, 6


def _card_lines(text: str, width_chars: int = 21, lines: int = 4) -> list[str]:
    wrapped = textwrap.wrap(text or "", width_chars)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width_chars - 1].rstrip() + "\u2026"
    return wrapped


def grid_svg(grid: dict, title: str, colour: str, legend: list[tuple[str, str]]) -> str:
    """The composite Q-sort: one column per score (ascending, left to right), cards by z-score from the top.

    Each card shows the statement id with its marks (*, **, ►, ◄) and its text; consensus cards are shaded.
    ``legend``: (symbol, meaning) pairs, already translated; the consensus shading is drawn as a swatch.
    """
    columns = grid["columns"]
    tallest = max((len(c["cards"]) for c in columns), default=0)
    width = max(len(columns) * (CARD_W + GAP) + GAP, 480)
    head = 56
    grid_h = tallest * (CARD_H + GAP)
    legend_h = 20 * len(legend) + 16
    height = head + grid_h + legend_h + 10
    body = [f'<text x="{GAP}" y="22" font-size="16" font-weight="600">{escape(title)}</text>']
    for c, column in enumerate(columns):
        x = GAP + c * (CARD_W + GAP)
        score = column["score"]
        label = f"{score:+d}" if isinstance(score, int) and score else str(score)
        body.append(f'<rect x="{x}" y="32" width="{CARD_W}" height="20" fill="{escape(colour)}" rx="3"/>'
                    f'<text x="{x + CARD_W / 2}" y="46" font-size="12" fill="#fff" font-weight="600" '
                    f'text-anchor="middle">{escape(label)}</text>')
        for r, card in enumerate(column["cards"]):
            y = head + r * (CARD_H + GAP)
            fill = "#e6e6e6" if card["consensus"] else "#fff"
            marks = f'{card["distinguishing"]}{card["direction"]}'
            body.append(f'<g><title>{escape(card["statement"])} z = {card["zscore"]:.2f}</title>'
                        f'<rect x="{x}" y="{y}" width="{CARD_W}" height="{CARD_H}" rx="4" fill="{fill}" '
                        f'stroke="{escape(colour)}" stroke-width="1.5"/>'
                        f'<text x="{x + 6}" y="{y + 15}" font-size="11" font-weight="700">'
                        f'{escape(card["statement"])} {escape(marks)}</text>')
            for k, line in enumerate(_card_lines(card.get("text") or "")):
                body.append(f'<text x="{x + 6}" y="{y + 30 + 12 * k}" font-size="10">{escape(line)}</text>')
            body.append("</g>")
    y = head + grid_h + 14
    for symbol, meaning in legend:
        if symbol == "consensus":
            body.append(f'<rect x="{GAP}" y="{y - 10}" width="22" height="12" fill="#e6e6e6" stroke="#999"/>')
        else:
            body.append(f'<text x="{GAP}" y="{y}" font-size="12" font-weight="700">{escape(symbol)}</text>')
        body.append(f'<text x="{GAP + 30}" y="{y}" font-size="12">{escape(meaning)}</text>')
        y += 20
    return _svg(width, height, body, title)
