"""Bar charts drawn on the server as SVG: no JavaScript, every bar labelled with its value.

A chart is an inline SVG with role="img", named by its <title> and described by its
<desc>; the text inside is for sighted readers, and the page puts the same figures in a
table beside it for everyone. The markup is built here rather than in a template loop: a
page of fifteen charts has some three thousand elements, which Django's template engine
took most of the page's time to draw.
"""

import functools
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# GOV.UK Frontend's colours: blue bars (5.2:1 on white), black text, a dark grey axis.
BAR = "#1d70b8"
TEXT = "#0b0c0c"
AXIS = "#505a5f"

FONT = 12
TOP = 18  # room for the tallest bar's value above it
BOTTOM = 32  # two lines of labels under the axis: month, then the year where it changes


def _n(value: float) -> str:
    # SVG coordinates as plain numbers, whatever the locale's decimal separator.
    return f"{value:.1f}".removesuffix(".0")


def _text(x: float, y: float, text: str, anchor: str = "") -> str:
    # Size, colour and (unless given) centring come from the chart's group of texts.
    anchor = f' text-anchor="{anchor}"' if anchor else ""
    return f'<text x="{_n(x)}" y="{_n(y)}"{anchor}>{escape(text)}</text>'


@dataclass
class BarChart:
    id: str
    title: str
    desc: str
    svg: SafeString
    heading: str = ""


def bar_chart(
    *,
    id: str,
    title: str,
    desc: str,
    months: list,
    values: list,
    texts: list,
    width: int = 320,
    height: int = 160,
    top_value: float | None = None,
) -> BarChart:
    """One bar per month. `top_value` fixes the scale, so small multiples compare."""
    svg = _svg(
        id, title, desc, tuple(months), tuple(values), tuple(texts), width, height, top_value
    )
    return BarChart(id, title, desc, svg)


# A chart is drawn from its arguments alone, so one drawn before is drawn again from memory:
# after a concern is logged, one of the overview's fifteen charts has changed, not fifteen.
# (The figures' scope cannot leak through it: the same arguments draw the same chart.)
@functools.lru_cache(maxsize=512)
def _svg(id, title, desc, months, values, texts, width, height, top_value) -> SafeString:
    top_value = top_value or max((v for v in values if v), default=0) or 1
    plot = height - TOP - BOTTOM
    baseline = TOP + plot
    slot = width / len(months)
    parts = [
        f'<svg class="app-chart" role="img" aria-labelledby="{id}-title {id}-desc" '
        f'viewBox="0 0 {width} {height}" width="100%" focusable="false" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{id}-title">{escape(title)}</title>',
        f'<desc id="{id}-desc">{escape(desc)}</desc>',
    ]
    # What every bar and every text share is said once, on their group (SVG's presentation
    # attributes are inherited): fifteen charts are a good part of the page's weight.
    bars = [f'<g fill="{BAR}">']
    labels = [f'<g font-size="{FONT}" fill="{TEXT}" text-anchor="middle">']
    for i, (month, value, text) in enumerate(zip(months, values, texts, strict=True)):
        centre = i * slot + slot / 2
        bar_height = plot * (value or 0) / top_value
        y = baseline - bar_height
        if value:
            bars.append(
                f'<rect x="{_n(i * slot + slot * 0.15)}" y="{_n(y)}" width="{_n(slot * 0.7)}" '
                f'height="{_n(bar_height)}"/>'
            )
        if text:
            labels.append(_text(centre, y - 4, text))
        labels.append(_text(centre, baseline + 14, f"{month:%b}"))
        if i == 0 or month.month == 1:
            # Read from the left edge of the year's first bar (of the chart, for the first),
            # so December's year and January's never run into each other.
            left = 0 if i == 0 else i * slot + slot * 0.15
            labels.append(_text(left, baseline + 28, f"{month:%Y}", anchor="start"))
    parts += bars + ["</g>"] + labels + ["</g>"]
    parts.append(
        f'<line x1="0" y1="{_n(baseline)}" x2="{width}" y2="{_n(baseline)}" '
        f'stroke="{AXIS}" stroke-width="1"/></svg>'
    )
    return mark_safe("".join(parts))  # every text escaped above


def _month_range(months) -> str:
    return f"{months[0]:%B %Y} to {months[-1]:%B %Y}"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def category_charts(months, categories) -> list[BarChart]:
    """Small multiples: a chart per category, all on the busiest category's scale."""
    top = max((max(per_month) for _, per_month, _ in categories), default=0)
    charts = []
    for i, (label, per_month, total) in enumerate(categories):
        peak = max(per_month)
        peak_month = months[per_month.index(peak)]
        charts.append(
            bar_chart(
                id=f"category-chart-{i}",
                title=f"{label}: concerns logged each month",
                desc=(
                    f"{_plural(total, 'concern', 'concerns')} from {_month_range(months)}; "
                    f"the most in {peak_month:%B %Y} ({peak})."
                ),
                months=months,
                values=per_month,
                texts=[str(n) if n else "" for n in per_month],
                top_value=top,
            )
        )
        charts[-1].heading = f"{label} ({total})"
    return charts


def hours(value) -> str:
    return "" if value is None else f"{value:.1f}"


def triage_chart(triage) -> BarChart:
    months = [month for month, _, _ in triage]
    # The bars show what the labels say: a median of a few minutes reads "0.0" and is no
    # bar, instead of being the scale's top and drawn full height.
    medians = [None if median is None else round(median, 1) for _, _, median in triage]
    known = [(median, month) for month, _, median in triage if median is not None]
    if known:
        low, high = min(known), max(known)
        desc = (
            f"Median hours from logging to triage, by the month concerns were logged, "
            f"{_month_range(months)}: lowest {hours(low[0])} hours in {low[1]:%B %Y}, "
            f"highest {hours(high[0])} hours in {high[1]:%B %Y}."
        )
        if len(known) < len(months):
            desc += (
                f" No concerns triaged in {_plural(len(months) - len(known), 'month', 'months')}."
            )
    else:
        desc = f"No concerns logged from {_month_range(months)} have been triaged."
    return bar_chart(
        id="triage-chart",
        title="Median hours from logging to triage, each month",
        desc=desc,
        months=months,
        values=medians,
        texts=[hours(m) for m in medians],
        width=640,
        height=220,
    )
