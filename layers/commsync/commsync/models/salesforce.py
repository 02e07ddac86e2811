"""What a `salesforce` integration's `options` may say (docs/architecture.md#sources); checked when it is
saved.

The OAuth keys (client_id, login_url, scopes, ca_bundle, oauth_return_page, oauth_provider) are
read by services/oauth_providers.py. The mapping of records to comments names fields as
`Object.Field` API names in comma-separated lists, so that options stay flat scalars:

    subject_fields  = "Case.Subject, Feedback__c.Title__c"     # at most one per object
    body_fields     = "Case.Description, Feedback__c.Body__c"  # joined in this order
    from_fields     = "Case.SuppliedEmail, Case.Contact.Email" # an email address: the sender
    property_fields = "Case.Status, Case.Account.Name, EmailMessage.Parent.CaseNumber"

A field of a parent record is `Object.Relationship.Field` (SOQL child-to-parent dot notation, one
level: the relationship is the reference field's describe `relationshipName`, e.g. `Account` for
AccountId, `Parent` for EmailMessage.ParentId, custom ones end in `__r`). EmailMessage needs none
of them: it maps to an email by its own fields.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from commsync.models.common import DomainModel

API_NAME = r"[A-Za-z][A-Za-z0-9_]*"
_FIELD_REF = re.compile(rf"^({API_NAME})\.((?:{API_NAME}\.)?{API_NAME})$")


def parse_field_list(text: str) -> list[tuple[str, str]]:
    """`"Case.Subject, Case.Account.Name"` -> [("Case", "Subject"), ("Case", "Account.Name")]."""
    out = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        match = _FIELD_REF.match(item)
        if not match:
            raise ValueError(
                f"{item!r} is not Object.Field or Object.Relationship.Field (API names, e.g. Case.Subject "
                "or Case.Account.Name, at most one relationship level)"
            )
        out.append((match.group(1), match.group(2)))
    return out


class SalesforceOptions(DomainModel):
    # The connected app's consumer key; its consumer secret and the refresh token live in the secret.
    client_id: str = Field(min_length=1, max_length=300)
    login_url: str = Field(default="https://login.salesforce.com", pattern=r"^https?://[^\s]+$")
    scopes: str | None = Field(default=None, max_length=500)
    ca_bundle: str | None = Field(default=None, min_length=1, max_length=1024)
    oauth_return_page: str | None = Field(default=None, max_length=2048)
    oauth_provider: str | None = Field(default=None, pattern=r"^salesforce$")
    allow_insecure_loopback: bool = False
    api_version: str = Field(default="60.0", pattern=r"^\d{2}\.0$")
    request_timeout_seconds: int = Field(default=60, ge=5, le=600)
    # SystemModstamp is stamped when a transaction starts but visible when it commits: each query
    # re-reads this much before the checkpoint to catch late commits (sources/salesforce/window.py).
    overlap_seconds: int = Field(default=300, ge=0, le=86_400)
    # Reuse across polls (sources/salesforce/session_cache.py, describe_cache.py): a session until
    # Salesforce refuses it or for this long; a describe for this long. 0: every poll anew.
    session_reuse_seconds: int = Field(default=3600, ge=0, le=86_400)
    describe_cache_seconds: int = Field(default=3600, ge=0, le=86_400)
    # Issue 19. Records per REST query batch (Sforce-Query-Options batchSize, 200..2000), whatever
    # the poller's page size: 2,000 makes a 10,000-record read 5 calls, not 50.
    query_batch_size: int = Field(default=2000, ge=200, le=2000)
    # A first sync whose SELECT COUNT() estimate is above this reads through a Bulk API 2.0 query
    # job (sources/salesforce/bulk.py); 0 never does. Incremental polls stay on REST.
    bulk_above_records: int = Field(default=100_000, ge=0)
    # Formula fields (describe `calculated`) change without moving SystemModstamp: records changed
    # in the last `formula_refresh_days` are read again every `formula_refresh_seconds` (0: never).
    formula_refresh_seconds: int = Field(default=86_400, ge=0, le=30 * 86_400)
    formula_refresh_days: int = Field(default=30, ge=1, le=365)
    subject_fields: str = ""
    body_fields: str = ""
    from_fields: str = ""
    property_fields: str = ""

    @field_validator("subject_fields", "body_fields", "from_fields", "property_fields")
    @classmethod
    def _field_list(cls, value: str) -> str:
        parse_field_list(value)
        return value

    @model_validator(mode="after")
    def _one_subject_per_object(self) -> SalesforceOptions:
        for role in ("subject_fields", "from_fields"):
            objects = [obj.lower() for obj, _ in parse_field_list(getattr(self, role))]
            repeated = sorted({o for o in objects if objects.count(o) > 1})
            if repeated:
                raise ValueError(f"{role} names more than one field of {', '.join(repeated)}")
        return self

    def fields_of(self, role: str, object_name: str) -> list[str]:
        """The fields a role names for one object (case-insensitive, as API names are)."""
        text: str = getattr(self, role)
        return [f for obj, f in parse_field_list(text) if obj.lower() == object_name.lower()]
