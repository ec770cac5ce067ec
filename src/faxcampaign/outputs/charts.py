"""The campaign's charts as inline SVG, from `status`'s progress: the dashboard of `serve` and
`status --format html` (outputs/status.py) draw the same ones. Every label is escaped; nothing is fetched."""

from __future__ import annotations

import collections
import datetime as dt
import html
from collections.abc import Sequence

from faxcampaign import clock
from faxcampaign.log.progress import Progress

BAR = 18
WIDTH = 320


def _bars(title: str, rows: Sequence[tuple[str, int]]) -> str:
    top = max((n for _, n in rows), default=0) or 1
    height = BAR * len(rows) + 28
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH + 160}" height="{height}" '
             f'aria-label="{html.escape(title)}"><title>{html.escape(title)}</title>',
             f'<text x="0" y="14" font-size="13" font-weight="bold">{html.escape(title)}</text>']
    for i, (label, n) in enumerate(rows):
        y = 24 + i * BAR
        width = round(WIDTH * n / top)
        parts.append(f'<text x="0" y="{y + 12}" font-size="11">{html.escape(label[:24])}</text>'
                     f'<rect x="150" y="{y}" width="{width}" height="{BAR - 4}" fill="#3a6ea5"/>'
                     f'<text x="{154 + width}" y="{y + 12}" font-size="11">{n}</text>')
    if not rows:
        parts.append('<text x="0" y="36" font-size="11">nothing yet</text>')
    parts.append("</svg>")
    return "".join(parts)


def charts(p: Progress, zone: str) -> list[str]:
    """Attempts by outcome, offices reached and not, deliveries per day (on ``zone``'s clock, each UTC
    hour's deliveries on the day the hour starts in) and, with a saved rota, its uncovered hours by hour of
    the day."""
    outcomes: collections.Counter[str] = collections.Counter()
    for o in p.offices:
        outcomes.update(o.by_outcome)
    reached = p.reached
    per_day: collections.Counter[dt.date] = collections.Counter()
    for hour, count in p.deliveries_by_hour:  # by the hour's start: exact for zones a whole hour off UTC
        per_day[clock.local_date(hour, zone)] += count
    out = [
        _bars("Attempts by outcome", sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0]))),
        _bars("Offices", [("reached", reached), ("not reached", p.in_campaign - reached)]),
        _bars("Deliveries per day", [(f"{d:%a %d %b}", n) for d, n in sorted(per_day.items())]),
    ]
    if p.rota is not None:
        hours: collections.Counter[int] = collections.Counter()
        for _office, start, end in p.rota.uncovered:
            at = start
            while at < end:
                hours[clock.convert(at, zone).hour] += 1
                at += dt.timedelta(hours=1)
        out.append(_bars("Uncovered rota hours (by hour)", [(f"{h:02d}:00", n) for h, n in sorted(hours.items())]))
    return out

