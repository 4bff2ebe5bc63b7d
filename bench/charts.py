#!/usr/bin/env python3
"""Charts of bench/compare's ratios as SVG, for docs/benchmarks.md (Python's standard library only).

    bench/charts.py [FIGURES.tsv ...]     default: docs/benchmarks/results.tsv

Each file holds bench/compare's figures, one line per workload and stack:
    workload <TAB> unit <TAB> higher-is-better (true|false) <TAB> stack <TAB> value <TAB> value ...
("#" lines are comments). A workload's figure is the median of its values. Writes, beside the first file:
- advantage.svg: per workload, how many times better Mailroom is than Postfix + Dovecot (log scale; the
  reference over Mailroom where lower is better, so right of 1 is Mailroom ahead);
- imaptest.svg: the imaptest rows of every file that has them, as ops/s of both stacks side by side.
A later file's workload replaces an earlier one's of the same name.
"""
import math
import statistics
import sys
from html import escape
from pathlib import Path

MAILROOM, REFERENCE = "Mailroom", "Postfix+Dovecot"


def read(paths):
    """{workload: {"unit", "higher", "Mailroom": median, "Postfix+Dovecot": median}}, in first-seen order."""
    rows = {}
    for path in paths:
        for line in Path(path).read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            workload, unit, higher, stack, *values = line.split("\t")
            row = rows.setdefault(workload, {"unit": unit, "higher": higher == "true"})
            row[stack] = statistics.median(float(v) for v in values)
    return {w: r for w, r in rows.items() if MAILROOM in r and REFERENCE in r}


def advantage(row):
    """Times better than the reference: above 1 is Mailroom ahead, whichever way the unit points."""
    m, ref = row[MAILROOM], row[REFERENCE]
    return m / ref if row["higher"] else ref / m


def svg(width, height, body):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">\n'
            f'<rect width="100%" height="100%" fill="white"/>\n{body}</svg>\n')


def text(x, y, s, anchor="start", weight="normal", size=12):
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-weight="{weight}" font-size="{size}">{escape(s)}</text>\n'


def advantage_chart(rows):
    label_w, plot_w, bar_h, top = 430, 420, 22, 50
    ratios = {w: advantage(r) for w, r in rows.items()}
    lo = min(0.01, *ratios.values()) if ratios else 0.01
    hi = max(1000, *ratios.values()) if ratios else 1000
    lo_e, hi_e = math.floor(math.log10(lo)), math.ceil(math.log10(hi))

    def x(v):
        return label_w + (math.log10(v) - lo_e) / (hi_e - lo_e) * plot_w

    height = top + bar_h * len(rows) + 40
    body = text(10, 22, "Mailroom against Postfix + Dovecot: times better (log scale; right of 1 is Mailroom ahead)", weight="bold", size=13)
    for e in range(lo_e, hi_e + 1):
        gx = x(10 ** e)
        body += f'<line x1="{gx:.1f}" y1="{top - 6}" x2="{gx:.1f}" y2="{height - 30}" stroke="{"#333" if e == 0 else "#ddd"}"/>\n'
        body += text(gx, height - 14, f"{10 ** e:g}", anchor="middle")
    for i, (workload, ratio) in enumerate(ratios.items()):
        y = top + i * bar_h
        x1, x0 = x(ratio), x(1)
        colour = "#2a7ab9" if ratio >= 1 else "#d9822b"
        body += f'<rect x="{min(x0, x1):.1f}" y="{y:.1f}" width="{max(abs(x1 - x0), 1):.1f}" height="{bar_h - 6}" fill="{colour}"/>\n'
        body += text(label_w - 8, y + bar_h - 10, workload, anchor="end")
        body += text(max(x0, x1) + 4 if ratio >= 1 else min(x0, x1) - 4, y + bar_h - 10,
                     f"{ratio:.2f}x", anchor="start" if ratio >= 1 else "end")
    return svg(label_w + plot_w + 60, height, body)


def imaptest_chart(rows):
    rows = {w: r for w, r in rows.items() if w.startswith("imaptest")}
    label_w, plot_w, bar_h, top = 330, 420, 16, 60
    top_value = max([max(r[MAILROOM], r[REFERENCE]) for r in rows.values()] or [1])
    scale = plot_w / (top_value * 1.15)
    height = top + len(rows) * (2 * bar_h + 12) + 20
    body = text(10, 22, "imaptest: commands per second (higher is better)", weight="bold", size=13)
    body += f'<rect x="{label_w}" y="32" width="12" height="12" fill="#2a7ab9"/>' + text(label_w + 16, 42, MAILROOM)
    body += f'<rect x="{label_w + 110}" y="32" width="12" height="12" fill="#999"/>' + text(label_w + 126, 42, "Postfix + Dovecot")
    for i, (workload, r) in enumerate(rows.items()):
        y = top + i * (2 * bar_h + 12)
        body += text(label_w - 8, y + bar_h + 4, workload, anchor="end")
        for j, (stack, colour) in enumerate(((MAILROOM, "#2a7ab9"), (REFERENCE, "#999"))):
            w = r[stack] * scale
            body += f'<rect x="{label_w}" y="{y + j * bar_h:.1f}" width="{w:.1f}" height="{bar_h - 2}" fill="{colour}"/>\n'
            body += text(label_w + w + 4, y + j * bar_h + bar_h - 4, f"{r[stack]:,.0f}", size=11)
        body += text(label_w + plot_w + 50, y + bar_h + 4, f"{advantage(r):.2f}x", anchor="end", weight="bold")
    return svg(label_w + plot_w + 60, height, body)


def main(args):
    repo = Path(__file__).resolve().parent.parent
    paths = args or [repo / "docs/benchmarks/results.tsv"]
    paths = [Path(p) for p in paths if Path(p).exists()]
    if not paths:
        sys.exit("bench/charts.py: no figures file found")
    rows = read(paths)
    out = paths[0].parent
    (out / "advantage.svg").write_text(advantage_chart(rows))
    (out / "imaptest.svg").write_text(imaptest_chart(rows))
    print(f"wrote {out / 'advantage.svg'} and {out / 'imaptest.svg'} from {len(rows)} workloads")


if __name__ == "__main__":
    main(sys.argv[1:])
