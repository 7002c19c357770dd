"""Campaigns and their daily ad spend (the marketing API's data)."""

from __future__ import annotations

import numpy as np

from . import refdata as ref
from .clock import US_PER_DAY, date_str
from .events import LiveCampaigns
from .shop import HOUR, _join

CHANNELS = np.array(list(ref.CAMPAIGN_CHANNELS))
_CPM = {"paid_search": 9.0, "paid_social": 6.0, "display": 2.5, "email": 0.5, "affiliate": 4.0}
_CTR = {
    "paid_search": 0.035,
    "paid_social": 0.012,
    "display": 0.004,
    "email": 0.03,
    "affiliate": 0.01,
}
CAMPAIGN_CURRENCIES = np.array(["USD", "EUR", "GBP"])


def new_campaigns(
    rng: np.random.Generator, ids: np.ndarray, start_day: np.ndarray
) -> dict[str, np.ndarray]:
    """Attributes of new campaigns starting on `start_day` (days since epoch)."""
    n = len(ids)
    channel = CHANNELS[rng.integers(0, len(CHANNELS), n)]
    source = np.array([rng.choice(ref.CAMPAIGN_CHANNELS[c][0]) for c in channel], dtype=object)
    medium = np.array([ref.CAMPAIGN_CHANNELS[c][1] for c in channel], dtype=object)
    theme = ref.CAMPAIGN_THEMES[rng.integers(0, len(ref.CAMPAIGN_THEMES), n)]
    year = np.asarray(start_day, dtype="datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    always_on = rng.random(n) < 0.2
    end_day = np.where(always_on, -1, start_day + rng.integers(14, 120, n))
    return {
        "campaign_id": ids,
        "name": _join(
            np.char.title(np.char.replace(theme, "_", " ")), " ", year, " (", channel, ")"
        ).astype(object),
        "channel": channel.astype(object),
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": _join(theme, "_", year, "_c", ids).astype(object),
        "start_day": start_day.astype(np.int64),
        "end_day": end_day,
        "daily_budget": rng.choice([50.0, 100.0, 150.0, 250.0, 500.0, 1000.0], n),
        "currency": CAMPAIGN_CURRENCIES[rng.choice(3, n, p=[0.7, 0.15, 0.15])].astype(object),
    }


def spend(
    rng: np.random.Generator, channel: np.ndarray, budget: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(impressions, clicks, spend) for one day of each campaign."""
    amount = np.round(budget * rng.uniform(0.6, 1.05, len(budget)), 2)
    cpm = np.array([_CPM[c] for c in channel]) * rng.uniform(0.8, 1.25, len(budget))
    impressions = np.round(amount / cpm * 1000).astype(np.int64)
    ctr = np.array([_CTR[c] for c in channel]) * rng.uniform(0.7, 1.3, len(budget))
    clicks = np.round(impressions * ctr).astype(np.int64)
    return impressions, clicks, amount


def restate(
    rng: np.random.Generator, impressions: np.ndarray, clicks: np.ndarray, amount: np.ndarray
):
    """Late corrections of recent days: figures move by a few percent."""
    f = rng.uniform(0.95, 1.05, len(amount))
    return (
        np.round(impressions * f).astype(np.int64),
        np.round(clicks * f).astype(np.int64),
        np.round(amount * f, 2),
    )


def live_campaigns(
    first_day: int,
    n_days: int,
    spend_day: np.ndarray,
    spend_campaign_row: np.ndarray,
    camp: dict[str, np.ndarray],
) -> LiveCampaigns:
    """Which campaigns spend on each day of a window (from the ad spend rows of those days)."""
    order = np.argsort(spend_day, kind="stable")
    d = spend_day[order] - first_day
    offsets = np.searchsorted(d, np.arange(n_days + 1))
    return LiveCampaigns(
        first_day=first_day,
        offsets=offsets,
        campaign_row=spend_campaign_row[order],
        utm_source=camp["utm_source"],
        utm_medium=camp["utm_medium"],
        utm_campaign=camp["utm_campaign"],
    )


def history(rng: np.random.Generator, n: int, first_day: int, now_day: int) -> tuple[dict, dict]:
    """Campaigns created over the history and all their ad spend up to yesterday.

    Returns (campaign columns incl. status/created_at/updated_at, ad spend columns with
    `campaign_row` indexing the campaigns).
    """
    start_day = np.sort(rng.integers(first_day - 20, now_day - 2, n))
    camp = new_campaigns(rng, np.arange(1, n + 1), start_day)
    created = start_day * US_PER_DAY - rng.integers(HOUR, 5 * US_PER_DAY, n)
    paused = rng.random(n) < 0.15
    pause_day = np.where(paused, rng.integers(start_day, now_day), np.iinfo(np.int64).max)
    end_day = np.where(camp["end_day"] < 0, np.iinfo(np.int64).max, camp["end_day"])
    # the day a campaign last spends; after it it is paused or ended
    last_day = np.minimum(np.minimum(end_day, pause_day - 1), now_day - 1)
    ended = end_day < now_day  # ended on end_day + 1
    status = np.where(ended, "ended", np.where(pause_day < now_day, "paused", "active"))
    change_day = np.where(ended, end_day + 1, np.where(pause_day < now_day, pause_day, -1))
    updated = np.where(
        change_day >= 0, change_day * US_PER_DAY + rng.integers(0, 2 * HOUR, n), created
    )
    camp.update(status=status.astype(object), created_at=created, updated_at=updated)

    days = np.maximum(last_day - start_day + 1, 0)
    row = np.repeat(np.arange(n), days)
    day = start_day[row] + np.arange(len(row)) - np.repeat(np.cumsum(days) - days, days)
    impressions, clicks, amount = spend(rng, camp["channel"][row], camp["daily_budget"][row])
    # a day's figures are restated on the 3 following days; the last restatement is what shows
    restated_on = np.minimum(day + 3, now_day - 1)
    updated_at = restated_on * US_PER_DAY + rng.integers(20 * HOUR, 24 * HOUR, len(row))
    ad = {
        "day": day,
        "campaign_row": row,
        "impressions": impressions,
        "clicks": clicks,
        "spend": amount,
        "updated_at": updated_at,
    }
    return camp, ad


def campaign_rows(camp: dict[str, np.ndarray]) -> dict[str, object]:
    """Campaign columns as stored in api.sqlite."""
    end = camp["end_day"]
    end_str = np.array(date_str(np.where(end < 0, 0, end)), dtype=object)
    end_str[end < 0] = None
    return {
        "campaign_id": camp["campaign_id"],
        "name": camp["name"],
        "channel": camp["channel"],
        "utm_source": camp["utm_source"],
        "utm_medium": camp["utm_medium"],
        "utm_campaign": camp["utm_campaign"],
        "status": camp["status"],
        "start_date": date_str(camp["start_day"]),
        "end_date": end_str,
        "daily_budget": camp["daily_budget"],
        "currency": camp["currency"],
        "created_at": camp["created_at"],
        "updated_at": camp["updated_at"],
    }
