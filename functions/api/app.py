"""Management API Lambda behind API Gateway. Routes beyond /health arrive with the API issue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from commsync import __version__
from commsync.observability import logger, metrics, tracer
from commsync.settings import aws_settings

SETTINGS = aws_settings()
app = APIGatewayRestResolver(enable_validation=True)


@app.get("/health")
@tracer.capture_method
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
