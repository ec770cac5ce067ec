"""Commands that fax automatic lines: send, sync, cancel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from faxcampaign.cli.options import (
    campaign_argument,
    log_option,
    now,
    now_option,
    recipient_option,
    signer_options,
    signing,
    tz_option,
)


def policy_options(func: Any) -> Any:
    """--per-office-per-day, --allow-invalid and --calls-per-job: what `send` and `sync` may queue."""
    func = click.option("--calls-per-job", "calls", type=click.IntRange(1, 20), default=3, show_default=True,
                        help="Calls the fax server may make for one job within its window.")(func)
    func = click.option("--allow-invalid", is_flag=True,
                        help="Also dial numbers not valid under today's numbering plan.")(func)
    return click.option("--per-office-per-day", "per_day", type=click.IntRange(1, 100), default=3, show_default=True,
                        help="At most this many deliveries to one office on one of its days.")(func)


def via_option(func: Any) -> Any:
    func = click.option("--callback-url", metavar="URL", envvar="FAXCAMPAIGN_BASE_URL",
                        help="With sinch://: the address `faxcampaign serve` is reached at, for Sinch's "
                             "completion webhooks (with $FAXCAMPAIGN_SINCH_WEBHOOK_SECRET); or "
                             "$FAXCAMPAIGN_BASE_URL. Without it, `sync` polls.")(func)
    return click.option("--via", required=True, metavar="URL", envvar="FAXCAMPAIGN_VIA",
                        help="hylafax://[user@]host[:port], smtp[s]://[user@]host[:port][?starttls=yes] "
                             "(password in $FAXCAMPAIGN_SMTP_PASSWORD) or sinch://PROJECT_ID (key in "
                             "$FAXCAMPAIGN_SINCH_KEY_ID and $FAXCAMPAIGN_SINCH_KEY_SECRET); or "
                             "$FAXCAMPAIGN_VIA.")(func)


@click.command("send")
@campaign_argument
@via_option
@signer_options
@recipient_option()
@click.option("--days", type=click.IntRange(1, 60), default=7, show_default=True,
              help="How far ahead to look for open windows.")
@policy_options
@click.option("--dry-run", is_flag=True, help="Print every job it would submit; submit nothing.")
@tz_option()
@now_option("With --dry-run: plan as at this time (your zone).")
@log_option
def send_command(campaign: Path, via: str, callback_url: str | None, signer: str | None, organisation: str | None,
                 address: tuple[str, ...], email: str | None, signers_file: Path | None, only: tuple[str, ...],
                 days: int, per_day: int, allow_invalid: bool, calls: int, dry_run: bool, zone: str,
                 now_text: str | None, log_path: str | None) -> None:
    """Fax the letters to automatic lines, only inside each office's own open hours.

    Each job is queued to start in the office's next open window and to
    give up at that window's end. One job per office at a time; at most
    --per-office-per-day deliveries, spread over the office's day. Manual
    lines are never sent: they are listed for `faxcampaign callsheet`.
    Run it (and `sync`) from cron every few minutes: it never queues a letter
    twice.

    \b
    Example:
      faxcampaign send campaign.yaml --via hylafax://localhost --dry-run
      faxcampaign send campaign.yaml --via hylafax://fax@faxserver --signers volunteers.csv
      faxcampaign send campaign.yaml --via smtp://mail.example.org:587?starttls=yes
      faxcampaign send campaign.yaml --via sinch://YOUR_PROJECT_ID
    """
    from faxcampaign.outputs.sending import describe
    from faxcampaign.services.send import SendRequest, send

    if now_text and not dry_run:
        raise click.UsageError("--now is for --dry-run: real jobs are planned from the real time")
    report = send(SendRequest(campaign, via, now(now_text, zone), signing(signer, organisation, address, email,
                                                                          signers_file),
                              only, days, per_day, calls, allow_invalid, dry_run, log_path, callback_url))
    for line in describe(report, zone, dry_run):
        click.echo(line)


@click.command()
@campaign_argument
@via_option
@signer_options
@click.option("--days", type=click.IntRange(1, 60), default=7, show_default=True,
              help="How far ahead re-queued jobs may go.")
@policy_options
@click.option("--no-requeue", is_flag=True, help="Only record results; queue nothing new.")
@click.option("--reports", metavar="SOURCE", envvar="FAXCAMPAIGN_REPORTS",
              help="With smtp://: read the gateway's reports from imaps://user@host[:port]/FOLDER, "
                   "imap://... (STARTTLS) or maildir:PATH (password in $FAXCAMPAIGN_IMAP_PASSWORD; "
                   "?cafile=PATH trusts a private certificate); or $FAXCAMPAIGN_REPORTS.")
@tz_option()
@log_option
def sync(campaign: Path, via: str, callback_url: str | None, signer: str | None, organisation: str | None,
         address: tuple[str, ...], email: str | None, signers_file: Path | None, days: int, per_day: int,
         allow_invalid: bool, calls: int, no_requeue: bool, reports: str | None, zone: str,
         log_path: str | None) -> None:
    """Record the fax server's results in the log, then queue what is due again.

    Outcomes are in the log's vocabulary (HylaFAX's "No answer from remote"
    is no-answer, "Busy signal detected" busy, done delivered with its
    pages). A letter that did not go is queued again within the policy:
    back-off by failure type, the office's next window. Give the same signer
    options as to `send`.

    \b
    With an email-to-fax gateway, --reports reads the gateway's report mails
    (matched to their jobs by Message-ID, else by number and time); a
    report that matches no job, or whose outcome cannot be told, is listed
    and left in the mailbox, which is only ever read.

    \b
    Example:
      faxcampaign sync campaign.yaml --via hylafax://localhost
      faxcampaign sync campaign.yaml --via smtp://mail.example.org --reports imaps://fax@mail.example.org/INBOX
      faxcampaign sync campaign.yaml --via sinch://YOUR_PROJECT_ID
    """
    from faxcampaign import clock
    from faxcampaign.outputs.sending import describe, synced, unread
    from faxcampaign.services.send import SendRequest
    from faxcampaign.services.send import sync as sync_jobs

    done = sync_jobs(SendRequest(campaign, via, clock.utc_now(), signing(signer, organisation, address, email,
                                                                         signers_file),
                                 (), days, per_day, calls, allow_invalid, False, log_path, callback_url, reports),
                     requeue=not no_requeue)
    for line in synced(done.ended) + unread(done.left):
        click.echo(line)
    if done.report is not None:
        for line in describe(done.report, zone, False):
            click.echo(line)


@click.command("cancel")
@campaign_argument
@via_option
@recipient_option("Only this recipient's jobs (repeatable).")
@log_option
def cancel_command(campaign: Path, via: str, callback_url: str | None, only: tuple[str, ...],
                   log_path: str | None) -> None:
    """Remove the campaign's queued fax jobs from the server.

    \b
    Example:
      faxcampaign cancel campaign.yaml --via hylafax://localhost
      faxcampaign cancel campaign.yaml --via hylafax://localhost --recipient president
    """
    from faxcampaign import clock
    from faxcampaign.services.send import cancel

    removed = cancel(campaign, via, only, clock.utc_now(), log_path)
    for job in removed:
        click.echo(f"{job.recipient}: cancelled job {job.job}")
    if not removed:
        click.echo("no queued jobs", err=True)
