"""API Gateway TOKEN authorizer: bearer token -> its permissions, from the hashes in the state table.

Never logs the event: it carries the token.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from commsync.adapters.aws.dynamodb_state import DynamoState
from commsync.api.tokens import authorize_token_event
from commsync.observability import logger
from commsync.settings import aws_settings

STATE = DynamoState(aws_settings().table_name)


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return authorize_token_event(event, STATE.get_api_token)
