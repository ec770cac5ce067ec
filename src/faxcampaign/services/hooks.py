"""Results pushed by a provider: Sinch's fax-completed webhooks, recorded as `sync` records a poll's.

A webhook may arrive twice, late, or after `sync` has polled the same result: the job's end and its attempt
are each recorded once (by the job), so only the first final result counts and nothing is changed after."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from faxcampaign.services.base import load_campaign


@dataclasses.dataclass(frozen=True, slots=True)
class Pushed:
    recorded: bool  # this push ended the job (False: known already, or no such job of this campaign)
    job: str | None
    outcome: str | None
    reason: str


def hook_name(campaign_path: Path) -> str:
    """The `{campaign}` part of this campaign's webhook path."""
    from faxcampaign.campaign.facts import log_key
    from faxcampaign.send.sinch import hook_slug

    campaign = load_campaign(campaign_path)
    return hook_slug(log_key(campaign.data.title, campaign.data.reference))


def sinch_completed(campaign_path: Path, event: Mapping[str, Any], now: dt.datetime,
                    log_place: str | None = None) -> Pushed:
    """Record a FAX_COMPLETED event's fax for the job its label names."""
    from faxcampaign.log.roster import open_campaign_log
    from faxcampaign.send.run import settle
    from faxcampaign.send.sinch import LABEL, outcome_of

    fax = event.get("fax")
    if not isinstance(fax, Mapping):
        raise ValueError("the event has no fax object")
    labels = fax.get("labels")
    label = labels.get(LABEL) if isinstance(labels, Mapping) else None
    if not isinstance(label, str) or not label:
        return Pushed(False, None, None, "the fax carries no label of ours")
    result = outcome_of(fax)
    log, _ = open_campaign_log(campaign_path, log_place)
    with log:
        if not log.exists:
            return Pushed(False, label, None, "no such job in this campaign's log")
        project = fax.get("projectId")
        found = log.job(f"sinch://{project}", label) if isinstance(project, str) else None
        if found is None:
            found = next(((j, False) for j in log.open_jobs() if j.job == label and j.backend.startswith("sinch://")),
                         None)
        if found is None:
            return Pushed(False, label, None, "no such job in this campaign's log")
        job, ended = found
        if ended:
            return Pushed(False, label, result.outcome, "the job's result is recorded already")
        if not result.ended:
            settle(log, job, "sinch", result, now)
            return Pushed(False, label, None, f"the fax is {fax.get('status')}: nothing to record yet")
        recorded = settle(log, job, "sinch", result, now)
        return Pushed(recorded, label, result.outcome, "recorded" if recorded else "recorded already")
