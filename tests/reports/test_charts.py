"""The overview's bar charts: a bar's height is its value on the chart's scale."""

import datetime

from reports.charts import triage_chart

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
