"""AI-unit quota per project (docs/architecture.md#the-comment): reaching it disables the project's
integrations."""

from __future__ import annotations

from commsync.engine import Engine
from commsync.errors import DisableReason
from commsync.models import Integration, Notification
from commsync.models.integration import Disabled
from commsync.models.usage import usage_period


def enforce_quota(engine: Engine, integration: Integration) -> bool:
    """True when the quota is reached; every integration of the project is then disabled."""
    if not engine.ai_unit_quota:
        return False
    now = engine.clock()
    usage = engine.state.get_usage(integration.project, usage_period(now))
    if usage.ai_units < engine.ai_unit_quota:
        return False
    for other in engine.state.list_integrations():
        if other.project != integration.project or not other.enabled:
            continue
        error = f"{usage.ai_units} of {engine.ai_unit_quota} AI units used in {usage.period}"
        engine.state.set_integration_disabled(
            other.key, Disabled(reason=DisableReason.QUOTA, at=now, error=error)
        )
        engine.notifier.publish(
            Notification(
                subject=f"commsync: {other.key} stopped: AI-unit quota reached",
                message=(
                    f"Project {other.project} has used {error}. Syncing of {other.key} is paused; "
                    "raise the quota (AiUnitQuota) or wait for next month, then re-enable the integration."
                ),
                integration=other.key,
                reason=DisableReason.QUOTA,
                at=now,
            )
        )
    return True
