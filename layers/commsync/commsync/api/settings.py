"""The API function's environment (beside the shared AwsSettings): OAuth return pages, base URL."""

from __future__ import annotations

from pydantic import Field

from commsync.settings import AwsSettings


class ApiSettings(AwsSettings):
    # Comma-separated absolute URLs the OAuth callback may redirect to (template parameter
    # OAuthReturnPages); empty: the console of this API.
    oauth_return_pages: str = ""
    # The API's public URL when a custom domain fronts it; empty: https://<host>/<stage>.
    api_base_url: str = ""
    attachment_link_seconds: int = Field(default=300, ge=30, le=3600)

    def return_pages(self) -> list[str]:
        return [page.strip() for page in self.oauth_return_pages.split(",") if page.strip()]


def api_settings() -> ApiSettings:
    # Read once per cold start by functions/api (module level); not cached here, so that a test
    # loading the handler under another environment gets that environment.
    return ApiSettings()
