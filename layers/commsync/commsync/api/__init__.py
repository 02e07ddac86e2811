"""The management API (issue 7): one Powertools app (`commsync.api.app.build_app`) for the
Lambda (functions/api) and for `commsync serve` (commsync.api.local).

Nothing is imported here, so that `commsync parse` and friends do not pay for the app.
"""
