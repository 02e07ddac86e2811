"""Figures for the console's overview and chart (issue 12): per integration and per hour over the
last day, comments synced and failed polls; AI units used against the quota; the newest success.

- Comments come from each bucket's change feed (`comment_changes`), read from the window's start.
  Every comment created in the window is in that feed (a change key is never older than the
  creation), so `created` is exact. The feed keeps one row per comment, its latest change: a
  comment changed twice in the window counts once in `updated`, at its latest change.
- Errors: each mailbox's state counts its failed polls per hour (`failed_polls`, the last 48
  hours), successes in between or not, so `errors` is exact. A state written before that count
  existed has only its current failing run (`failures` from `failing_since` to `last_sync_at`),
  spread evenly over the run; then `errors` is a lower bound and `errors_exact` is false.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field

from commsync.api.auth import BEARER, requires
from commsync.api.context import ApiContext
from commsync.engine import Engine
from commsync.models import Integration, MailboxState, SourceKind
from commsync.models.access import Permission
from commsync.models.comment_feed import feed_time
from commsync.models.common import DomainModel, UtcDatetime
from commsync.models.usage import usage_period
from commsync.ports import CommentEntry
from commsync.services.manage import lag_seconds

HOUR = timedelta(hours=1)
FEED_PAGE = 1000
# A bucket that changed more than this in the window is charted from its first changes only
# (`truncated`): the page must answer within API Gateway's 29 s, whatever a backfill wrote.
FEED_CAP = 20_000


class HourFigures(DomainModel):
    start: UtcDatetime
    created: int = 0
    updated: int = 0
    errors: int = 0


class IntegrationMetrics(DomainModel):
    key: str
    kind: SourceKind
    bucket: str
    hours: list[HourFigures]
    comments_created: int
    comments_updated: int
    # Since each mailbox was added (the mailboxes' own counters), not only in the window.
    comments_total: int
    errors: int
    errors_exact: bool = False
    failing_mailboxes: int
    last_success_at: UtcDatetime | None
    # The oldest "newest success" of its enabled mailboxes: how far behind the worst one is.
    lag_seconds: int | None
    # mailbox -> folder -> comments created or changed in the window (a backfill's progress).
    folders: dict[str, dict[str, int]] = Field(default_factory=dict)
    truncated: bool = False


class ProjectUsage(DomainModel):
    project: str
    period: str
    ai_units: int
    quota: int  # 0: no quota


class Metrics(DomainModel):
    start: UtcDatetime
    end: UtcDatetime
    integrations: list[IntegrationMetrics]
    projects: list[ProjectUsage]


def register(app: APIGatewayRestResolver, ctx: ApiContext) -> None:
    @app.get(
        "/metrics",
        tags=["integrations"],
        security=BEARER,
        summary="Per integration and hour: comments synced and failed polls; AI units against the quota",
    )
    @requires(Permission.VIEW)
    def metrics(hours: Annotated[int, Query(ge=1, le=168)] = 24) -> Metrics:
        return collect(ctx.engine, hours)


@dataclass
class _Window:
    start: datetime
    end: datetime
    hours: int

    def index(self, at: datetime) -> int | None:
        slot = int((at - self.start) // HOUR)
        return slot if 0 <= slot < self.hours else None


@dataclass
class _Feed:
    entries: list[CommentEntry] = field(default_factory=list)
    truncated: bool = False


def collect(engine: Engine, hours: int) -> Metrics:
    now = engine.clock()
    first = now.replace(minute=0, second=0, microsecond=0) - (hours - 1) * HOUR
    window = _Window(first, now, hours)
    integrations = engine.state.list_integrations()
    feeds = {bucket: _read_feed(engine, bucket, window) for bucket in {i.bucket for i in integrations}}
    figures = [_integration(engine, i, feeds[i.bucket], window) for i in integrations]
    period = usage_period(now)
    projects = [
        ProjectUsage(
            project=p,
            period=period,
            ai_units=engine.state.get_usage(p, period).ai_units,
            quota=engine.ai_unit_quota,
        )
        for p in sorted({i.project for i in integrations})
    ]
    return Metrics(start=window.start, end=now, integrations=figures, projects=projects)


def _read_feed(engine: Engine, bucket: str, window: _Window) -> _Feed:
    feed = _Feed()
    after = feed_time(window.start)
    while len(feed.entries) < FEED_CAP:
        page = engine.state.comment_changes(bucket, after, FEED_PAGE)
        feed.entries += [entry for _, entry in page]
        if len(page) < FEED_PAGE:
            return feed
        after = page[-1][0]
    feed.truncated = True
    return feed


def _integration(
    engine: Engine, integration: Integration, feed: _Feed, window: _Window
) -> IntegrationMetrics:
    hours = [HourFigures(start=window.start + n * HOUR) for n in range(window.hours)]
    folders = _tally_comments(feed.entries, integration.key, window, hours)
    states = [state for _, state in engine.state.list_mailboxes(integration.key)]
    exact = True
    for state in states:
        counted, state_exact = _failed_polls(state)
        exact &= state_exact
        for failed_at, count in counted:
            slot = window.index(failed_at)
            if slot is not None:
                hours[slot].errors += count
    successes = [s.last_success_at for s in states if s.last_success_at]
    lags = [lag for s in states if s.enabled and (lag := lag_seconds(s, window.end)) is not None]
    return IntegrationMetrics(
        key=integration.key,
        kind=integration.kind,
        bucket=integration.bucket,
        hours=hours,
        comments_created=sum(h.created for h in hours),
        comments_updated=sum(h.updated for h in hours),
        comments_total=sum(s.counts.created for s in states),
        errors=sum(h.errors for h in hours),
        errors_exact=exact,
        failing_mailboxes=sum(1 for s in states if s.failures),
        last_success_at=max(successes, default=None),
        lag_seconds=max(lags, default=None),
        folders=folders,
        truncated=feed.truncated,
    )


def _tally_comments(
    entries: list[CommentEntry], key: str, window: _Window, hours: list[HourFigures]
) -> dict[str, dict[str, int]]:
    """Counts the integration's feed rows into `hours`; returns them per mailbox and folder."""
    folders: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in entries:
        if entry.integration != key:
            continue
        folders[entry.mailbox][entry.folder] += 1
        created = window.index(entry.created_at)
        if created is not None:
            hours[created].created += 1
        updated = window.index(entry.updated_at)
        if updated is not None and entry.updated_at > entry.created_at:
            hours[updated].updated += 1
    return {mailbox: dict(by_folder) for mailbox, by_folder in folders.items()}


def _failed_polls(state: MailboxState) -> tuple[list[tuple[datetime, int]], bool]:
    """When the mailbox's polls failed, per hour, and whether that is exact (module doc)."""
    if state.failed_polls or not state.failures:
        return [(_hour(key), count) for key, count in state.failed_polls.items()], True
    # A state written before the hourly counts: the current run spread over its span.
    last, since, count = state.last_sync_at, state.failing_since, state.failures
    if last is None:
        return [], False
    if count == 1 or since is None or last <= since:
        return [(last, count)], False
    step = (last - since) / (count - 1)
    return [(since + n * step, 1) for n in range(count)], False


def _hour(key: str) -> datetime:
    return datetime.strptime(key, "%Y-%m-%dT%H").replace(tzinfo=UTC)
