"""AWS implementations of the ports, and the engine built from a function's environment."""

from __future__ import annotations

from commsync.engine import DisablePolicy, Engine
from commsync.settings import AwsSettings


def build_aws_engine(settings: AwsSettings) -> Engine:
    # Imported here so that local mode never pays for boto3's import.
    from commsync.adapters.aws.dynamodb_state import DynamoState
    from commsync.adapters.aws.s3_blobs import S3Blobs
    from commsync.adapters.aws.secretsmanager_secrets import SecretsManagerSecrets
    from commsync.adapters.aws.sns_notifier import SnsNotifier
    from commsync.adapters.aws.sqs_queue import SqsQueue

    return Engine(
        state=DynamoState(settings.table_name),
        blobs=S3Blobs(settings.bucket_name),
        queue=SqsQueue(settings.queue_url),
        notifier=SnsNotifier(settings.topic_arn),
        secrets=SecretsManagerSecrets(
            settings.secret_prefix, max_age_seconds=settings.secret_max_age_seconds
        ),
        ai_unit_quota=settings.ai_unit_quota,
        disable_policy=DisablePolicy(settings.disable_after_failures, settings.disable_after_minutes),
        integration_max_age=settings.integration_max_age_seconds,
    )
