"""The overview's bar charts: a bar's height is its value on the chart's scale."""

import datetime
from xml.etree import ElementTree

from reports.charts import BAR, TEXT, bar_chart, triage_chart

SVG = "{http://www.w3.org/2000/svg}"

MONTHS = [datetime.date(2026, m, 1) for m in (9, 10, 11)]


def test_a_median_that_reads_zero_hours_draws_no_bar():
    chart = triage_chart([(MONTHS[0], 4, 0.02), (MONTHS[1], 0, None), (MONTHS[2], 2, 0.0)])
    assert "<rect" not in chart.svg
    assert ">0.0</text>" in chart.svg


def test_the_longest_median_is_the_tallest_bar_and_zero_beside_it_is_none():
    chart = triage_chart([(MONTHS[0], 4, 0.01), (MONTHS[1], 3, 2.0), (MONTHS[2], 5, 8.0)])
    heights = [
        float(part.split('height="')[1].split('"')[0]) for part in chart.svg.split("<rect")[1:]
    ]
    assert len(heights) == 2
    assert heights[1] == 4 * heights[0]


def test_every_bar_and_text_is_drawn_in_the_charts_colours_and_size():
    # Said once on each group and inherited (SVG presentation attributes), not per element.
    chart = triage_chart([(MONTHS[0], 4, 1.5), (MONTHS[1], 3, 2.0), (MONTHS[2], 5, 8.0)])
    svg = ElementTree.fromstring(chart.svg)
    parents = {child: parent for parent in svg.iter() for child in parent}

    def inherited(element, name):
        while element is not None:
            if name in element.attrib:
                return element.attrib[name]
            element = parents.get(element)
        return None

    bars, texts = svg.findall(f".//{SVG}rect"), svg.findall(f".//{SVG}text")
    assert len(bars) == 3 and len(texts) == 3 + 3 + 1  # values, months, the year
    assert {inherited(bar, "fill") for bar in bars} == {BAR}
    assert {inherited(text, "fill") for text in texts} == {TEXT}
    assert {inherited(text, "font-size") for text in texts} == {"12"}
    assert [inherited(text, "text-anchor") for text in texts].count("middle") == 6


def test_a_chart_drawn_again_from_memory_is_the_one_its_values_draw():
    def chart(values, title="Bullying"):
        return bar_chart(
            id="c",
            title=title,
            desc="d",
            months=MONTHS,
            values=values,
            texts=[str(v) for v in values],
            top_value=10,
        )

    first = chart([1, 2, 3])
    assert chart([1, 2, 3]).svg == first.svg
    assert chart([1, 2, 4]).svg != first.svg
    assert ">4</text>" in chart([1, 2, 4]).svg
    assert "Truancy" in chart([1, 2, 3], title="Truancy").svg
    # Each chart is its own: a heading given to one is not given to the next.
    first.heading = "Bullying (6)"
    assert chart([1, 2, 3]).heading == ""
