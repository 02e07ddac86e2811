"""The standard objects the emulator serves, as the Object Reference lists them: labels, key
prefixes, fields, relationships (to parents and, in describe, from children) and picklist values.
"""

from __future__ import annotations

# (label, key prefix, [(name, type, label)]) of the standard objects (Object Reference; EmailMessage
# as enabled by Email-to-Case or Enhanced Email).
STANDARD: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "Case": (
        "Case",
        "500",
        [
            ("CaseNumber", "string", "Case Number"),
            ("Subject", "string", "Subject"),
            ("Description", "textarea", "Description"),
            ("Status", "picklist", "Status"),
            ("Priority", "picklist", "Priority"),
            ("Origin", "picklist", "Case Origin"),
            ("Type", "picklist", "Case Type"),
            ("Reason", "picklist", "Case Reason"),
            ("SuppliedEmail", "email", "Web Email"),
            ("SuppliedName", "string", "Web Name"),
            ("ContactEmail", "email", "Contact Email"),
            ("AccountId", "reference", "Account ID"),
            ("ContactId", "reference", "Contact ID"),
            ("OwnerId", "reference", "Owner ID"),
            ("IsClosed", "boolean", "Closed"),
            ("ClosedDate", "datetime", "Closed Date"),
        ],
    ),
    "EmailMessage": (
        "Email Message",
        "02s",
        [
            ("ParentId", "reference", "Parent Case ID"),
            ("RelatedToId", "reference", "Related To ID"),
            ("ActivityId", "reference", "Activity ID"),
            ("FromAddress", "email", "From Address"),
            ("FromName", "string", "From Name"),
            ("ToAddress", "string", "To Address"),
            ("CcAddress", "string", "CC Address"),
            ("BccAddress", "string", "BCC Address"),
            ("Subject", "string", "Subject"),
            ("TextBody", "textarea", "Text Body"),
            ("HtmlBody", "textarea", "HTML Body"),
            ("Headers", "textarea", "Headers"),
            ("MessageDate", "datetime", "Message Date"),
            ("Incoming", "boolean", "Is Incoming"),
            ("Status", "picklist", "Status"),
            ("MessageIdentifier", "string", "Message ID"),
            ("ThreadIdentifier", "string", "Thread ID"),
            ("HasAttachment", "boolean", "Has Attachment"),
        ],
    ),
    "Account": (
        "Account",
        "001",
        [
            ("Name", "string", "Account Name"),
            ("Industry", "picklist", "Industry"),
            ("Website", "url", "Website"),
            ("Description", "textarea", "Account Description"),
            ("OwnerId", "reference", "Owner ID"),
            ("ParentId", "reference", "Parent Account ID"),
        ],
    ),
    "Contact": (
        "Contact",
        "003",
        [
            ("FirstName", "string", "First Name"),
            ("LastName", "string", "Last Name"),
            ("Name", "string", "Full Name"),
            ("Email", "email", "Email"),
            ("Phone", "phone", "Business Phone"),
            ("AccountId", "reference", "Account ID"),
            ("OwnerId", "reference", "Owner ID"),
        ],
    ),
    "User": (
        "User",
        "005",
        [
            ("Username", "string", "Username"),
            ("FirstName", "string", "First Name"),
            ("LastName", "string", "Last Name"),
            ("Name", "string", "Full Name"),
            ("Email", "email", "Email"),
            ("Title", "string", "Title"),
            ("IsActive", "boolean", "Active"),
        ],
    ),
    "Group": (
        "Group",
        "00G",
        [("Name", "string", "Name"), ("Type", "picklist", "Type"), ("Email", "email", "Email")],
    ),
}

# (object, reference field) -> (relationship name, objects it may point to) (Object Reference).
REFERENCES: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("Case", "AccountId"): ("Account", ("Account",)),
    ("Case", "ContactId"): ("Contact", ("Contact",)),
    ("Case", "OwnerId"): ("Owner", ("Group", "User")),
    ("EmailMessage", "ParentId"): ("Parent", ("Case",)),
    ("EmailMessage", "RelatedToId"): ("RelatedTo", ("Account", "Case", "Contact")),
    ("Account", "OwnerId"): ("Owner", ("User",)),
    ("Account", "ParentId"): ("Parent", ("Account",)),
    ("Contact", "AccountId"): ("Account", ("Account",)),
    ("Contact", "OwnerId"): ("Owner", ("User",)),
}

# (child object, reference field) -> the parent's child relationship name (describe
# `childRelationships`; SOQL parent-to-child subqueries use it: SELECT (SELECT Id FROM Cases) ...).
CHILD_RELATIONSHIPS: dict[tuple[str, str], str] = {
    ("Case", "AccountId"): "Cases",
    ("Case", "ContactId"): "Cases",
    ("EmailMessage", "ParentId"): "EmailMessages",
    ("EmailMessage", "RelatedToId"): "Emails",
    ("Account", "ParentId"): "ChildAccounts",
    ("Contact", "AccountId"): "Contacts",
}

# (object, picklist field) -> the values a new org has (Setup > Object Manager defaults).
PICKLISTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("Case", "Status"): ("New", "Working", "Escalated", "Closed"),
    ("Case", "Priority"): ("High", "Medium", "Low"),
    ("Case", "Origin"): ("Phone", "Email", "Web"),
    ("Case", "Type"): ("Mechanical", "Electrical", "Electronic", "Structural", "Other"),
    ("Case", "Reason"): ("Installation", "Equipment Complexity", "Performance", "Breakdown", "Other"),
    ("EmailMessage", "Status"): ("0", "1", "2", "3", "4", "5"),
    ("Account", "Industry"): ("Agriculture", "Banking", "Technology", "Other"),
    ("Group", "Type"): ("Regular", "Queue", "Role"),
}

# Fields whose value is HTML (describe `htmlFormatted`; a rich text area).
HTML_FIELDS = frozenset({("EmailMessage", "HtmlBody")})
# Parts of a compound field (describe `compoundFieldName`): Contact.Name is First + Last.
COMPOUND_PARTS: dict[tuple[str, str], str] = {
    ("Contact", "FirstName"): "Name",
    ("Contact", "LastName"): "Name",
    ("User", "FirstName"): "Name",
    ("User", "LastName"): "Name",
}
# Fields that Salesforce computes, never a client: autonumbers and compound names.
COMPUTED_FIELDS = frozenset({("Case", "CaseNumber"), ("Contact", "Name"), ("User", "Name")})
