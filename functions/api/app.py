"""Management API Lambda behind API Gateway: the app from commsync.api, on the AWS adapters.

Callers were authenticated by the TOKEN authorizer (functions/authorizer); their permissions
arrive in the request context and every route enforces one.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from commsync.adapters.aws import build_aws_engine
from commsync.api.app import build_app
from commsync.api.auth import authorizer_context
from commsync.api.context import ApiContext, OAuthPages
from commsync.api.links import S3Links
from commsync.api.settings import api_settings
from commsync.observability import logger, metrics, tracer

SETTINGS = api_settings()  # a missing variable fails the cold start, naming it
app = build_app(
    ApiContext(
        engine_factory=lambda: build_aws_engine(SETTINGS),
        authenticate=authorizer_context,
        links=S3Links(SETTINGS.bucket_name, SETTINGS.attachment_link_seconds),
        oauth=OAuthPages(return_pages=SETTINGS.return_pages(), base_url=SETTINGS.api_base_url or None),
        link_seconds=SETTINGS.attachment_link_seconds,
    )
)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
