"""Bar charts drawn on the server as SVG: no JavaScript, every bar labelled with its value.

A chart is geometry worked out here and drawn by templates/reports/_bar_chart.html as an
inline SVG with role="img", a <title> and a <desc>; the page puts the same figures in a
table beside it for anyone who cannot see the picture.
"""

from dataclasses import dataclass

# GOV.UK Frontend's colours: blue bars (5.2:1 on white) and black text.
BAR = "#1d70b8"
TEXT = "#0b0c0c"
AXIS = "#505a5f"

FONT = 11
TOP = 18  # room for the tallest bar's value above it
BOTTOM = 30  # two lines of labels under the axis: month, then the year where it changes


def _n(value: float) -> str:
    # SVG coordinates as plain numbers, whatever the locale's decimal separator.
    return f"{value:.1f}".removesuffix(".0")


@dataclass
class Bar:
    x: str
    y: str
    width: str
    height: str
    centre: str
    value_y: str
    value_text: str  # above the bar; empty for a month with no value
    label: str  # under the axis
    sublabel: str  # the year, under the first month and under January


@dataclass
class BarChart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    bars: list
    baseline: str
    label_y: str
    sublabel_y: str
    colour: str = BAR
    text: str = TEXT
    axis: str = AXIS
    font: int = FONT
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
    top_value = top_value or max((v for v in values if v), default=0) or 1
    plot = height - TOP - BOTTOM
    slot = width / len(months)
    bars = []
    for i, (month, value, text) in enumerate(zip(months, values, texts, strict=True)):
        bar_height = plot * (value or 0) / top_value
        y = TOP + plot - bar_height
        bars.append(
            Bar(
                x=_n(i * slot + slot * 0.15),
                y=_n(y),
                width=_n(slot * 0.7),
                height=_n(bar_height) if value else "",
                centre=_n(i * slot + slot / 2),
                value_y=_n(y - 4),
                value_text=text,
                label=f"{month:%b}",
                sublabel=f"{month:%Y}" if i == 0 or month.month == 1 else "",
            )
        )
    baseline = TOP + plot
    return BarChart(
        id,
        title,
        desc,
        width,
        height,
        bars,
        baseline=_n(baseline),
        label_y=_n(baseline + 13),
        sublabel_y=_n(baseline + 26),
    )


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
    medians = [median for _, _, median in triage]
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
