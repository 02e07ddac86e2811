"""Attachments by reference: a short-lived URL to the bytes (issue 7)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path

from commsync.api.auth import BEARER, requires
from commsync.api.context import ApiContext
from commsync.api.errors import NotFound
from commsync.api.schemas import SLUG
from commsync.cleaning.build import attachment_key
from commsync.models.access import Permission
from commsync.models.common import DomainModel, UtcDatetime

Bucket = Annotated[str, Path(pattern=SLUG)]
# Opaque to callers; today the sha256 hex of the bytes (cleaning/build.py).
Reference = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,200}$")]


class AttachmentLink(DomainModel):
    url: str
    expires_at: UtcDatetime


def register(app: APIGatewayRestResolver, ctx: ApiContext) -> None:
    @app.get(
        "/buckets/<bucket>/attachments/<reference>",
        tags=["comments"],
        security=BEARER,
        summary="A short-lived download URL for an attachment_reference of a comment",
    )
    @requires(Permission.VIEW)
    def attachment_link(bucket: Bucket, reference: Reference) -> AttachmentLink:
        url = ctx.links.url(attachment_key(bucket, reference), app.current_event.raw_event)
        if url is None:
            raise NotFound(f"attachment {reference} does not exist in bucket {bucket}")
        return AttachmentLink(url=url, expires_at=ctx.engine.clock() + timedelta(seconds=ctx.link_seconds))
