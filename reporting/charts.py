"""What the dashboard's charts draw: one Chart.js configuration per chart, built here and passed to the page as
JSON (json_script), so the page's script only draws them and a test can read exactly what is drawn.

Counts are whole numbers from zero; agencies are horizontal bars with every agency named (one bar's height each);
ratings are drawn in their rating's colour and named by their words, as the tags in the table beside them.
"""

from thresholds.models import RatingColour

from .words import period_words

# GOV.UK colour palette, the colours the rating tags are drawn in.
RATING_HEX = {
    RatingColour.RED: "#d4351c",
    RatingColour.AMBER: "#f47738",
    RatingColour.YELLOW: "#ffdd00",
    RatingColour.GREEN: "#00703c",
    RatingColour.BLUE: "#1d70b8",
    RatingColour.PURPLE: "#4c2c92",
    RatingColour.GREY: "#505a5f",
}
BLUE, GREEN, BLACK = "#1d70b8", "#00703c", "#0b0c0c"
BAR_HEIGHT = 40  # pixels per horizontal bar, so every agency's name has room (two lines when long)
CHART_PADDING = 90  # legend and axis


def whole_numbers(**extra):
    """A count axis: starts at zero, ticks only at whole numbers."""
    return {"beginAtZero": True, "ticks": {"precision": 0}, **extra}


def rating_words(label, colour):
    """A rating's words as its tag says them: the label, and the colour when the label does not already say it."""
    colour_name = RatingColour(colour).label if colour in RatingColour.values else colour
    return label if label.lower() == str(colour_name).lower() else f"{label} ({colour_name})"


def _bar(labels, values, label, colour, *, y_title):
    return {
        "type": "bar",
        "data": {"labels": labels, "datasets": [{"label": label, "data": values, "backgroundColor": colour}]},
        "options": {
            "animation": False,
            "scales": {
                "x": {"ticks": {"autoSkip": False}},
                "y": whole_numbers(title={"display": True, "text": y_title}),
            },
        },
    }


def chart_configs(figures, labels):
    points = figures["trend"]["points"]
    trend = {
        "type": "bar",
        "data": {
            "labels": [period_words(p["period"], figures["trend"]["interval"]) for p in points],
            "datasets": [
                {
                    "type": "bar",
                    "label": "Contacts received",
                    "data": [p["contacts"] for p in points],
                    "backgroundColor": BLUE,
                    "yAxisID": "y",
                },
                {
                    "type": "line",
                    "label": "Decided within deadline (%)",
                    "data": [p["decided_within_deadline_pct"] for p in points],
                    "borderColor": BLACK,
                    "yAxisID": "pct",
                },
                {
                    "type": "line",
                    "label": "Returns on time (%)",
                    "data": [p["returns_on_time_pct"] for p in points],
                    "borderColor": GREEN,
                    "borderDash": [6, 4],
                    "yAxisID": "pct",
                },
            ],
        },
        "options": {
            "animation": False,
            "scales": {
                "y": whole_numbers(position="left", title={"display": True, "text": "Contacts"}),
                "pct": {
                    "min": 0,
                    "max": 100,
                    "position": "right",
                    "ticks": {"precision": 0},
                    "title": {"display": True, "text": "Per cent"},
                },
            },
        },
    }

    by_agency = figures["returns_on_time_pct_by_agency"]
    agency_labels = [labels["agencies"].get(slug, slug) for slug in by_agency]
    agencies = {
        "type": "bar",
        "data": {
            "labels": agency_labels,
            "datasets": [{"label": "Returns on time (%)", "data": list(by_agency.values()), "backgroundColor": GREEN}],
        },
        "options": {
            "indexAxis": "y",
            "animation": False,
            "layout": {"padding": {"right": 16}},  # room for the last tick's "100"
            "maintainAspectRatio": False,
            "scales": {
                "x": whole_numbers(max=100, title={"display": True, "text": "Returns on time (%)"}),
                "y": {"ticks": {"autoSkip": False}},
            },
        },
        "height": CHART_PADDING + BAR_HEIGHT * max(len(agency_labels), 1),
    }

    rating_words_colours = [labels["ratings"].get(code, (code, RatingColour.GREY)) for code in figures["ratings"]]
    ratings = _bar(
        [rating_words(label, colour) for label, colour in rating_words_colours],
        list(figures["ratings"].values()),
        "Contacts",
        [RATING_HEX.get(colour, RATING_HEX[RatingColour.GREY]) for _, colour in rating_words_colours],
        y_title="Contacts",
    )
    # Pale colours (yellow) keep a dark outline so every bar stands out from the page.
    ratings["data"]["datasets"][0].update(borderColor=BLACK, borderWidth=1)
    ratings["options"]["plugins"] = {"legend": {"display": False}}

    outcomes = _bar(
        [labels["outcomes"][c] for c in figures["outcomes"]],
        list(figures["outcomes"].values()),
        "Contacts",
        BLUE,
        y_title="Contacts",
    )
    return {"chart-trend": trend, "chart-agencies": agencies, "chart-ratings": ratings, "chart-outcomes": outcomes}
