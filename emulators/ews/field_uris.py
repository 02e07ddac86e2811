"""The property paths a request may name (MS-OXWSCDATA UnindexedFieldURIType), for validation.

Exchange refuses a FieldURI outside the schema's enumeration: the request fails schema
validation. One the emulator knows but does not model is answered without the property, as
Exchange leaves out unset properties. Paths of other item kinds (calendar:, contacts:, task:,
...) are accepted for the same reason: mail folders hold no such items.
"""

from __future__ import annotations

_ITEM = (
    *("MimeContent", "ItemId", "ParentFolderId", "ItemClass", "Subject", "Sensitivity", "Body"),
    *("Attachments", "DateTimeReceived", "Size", "Categories", "Importance", "InReplyTo"),
    *("IsSubmitted", "IsDraft", "IsFromMe", "IsResend", "IsUnmodified", "InternetMessageHeaders"),
    *("DateTimeSent", "DateTimeCreated", "ResponseObjects", "ReminderDueBy", "ReminderIsSet"),
    *("ReminderNextTime", "ReminderMinutesBeforeStart", "DisplayCc", "DisplayTo", "HasAttachments"),
    *("Culture", "EffectiveRights", "LastModifiedName", "LastModifiedTime", "IsAssociated"),
    *("WebClientReadFormQueryString", "WebClientEditFormQueryString", "ConversationId"),
    *("UniqueBody", "Flag", "StoreEntryId", "InstanceKey", "NormalizedBody", "EntityExtractionResult"),
    *("PolicyTag", "ArchiveTag", "RetentionDate", "Preview", "NextPredictedAction", "GroupingAction"),
    *("PredictedActionReasons", "IsClutter", "RightsManagementLicenseData", "BlockStatus"),
    *("HasBlockedImages", "TextBody", "IconIndex", "SearchKey", "SortKey", "Hashtags"),
    *("MentionedMe", "Mentions", "MentionsPreview", "MimeContentUTF8"),
)
_MESSAGE = (
    *("ConversationIndex", "ConversationTopic", "InternetMessageId", "IsRead", "IsResponseRequested"),
    *("IsReadReceiptRequested", "IsDeliveryReceiptRequested", "ReceivedBy", "ReceivedRepresenting"),
    *("References", "ReplyTo", "From", "Sender", "ToRecipients", "CcRecipients", "BccRecipients"),
    *("ApprovalRequestData", "VotingInformation", "ReminderMessageData", "LikeCount", "Likers"),
)
_FOLDER = (
    *("FolderId", "ParentFolderId", "DisplayName", "UnreadCount", "TotalCount", "ChildFolderCount"),
    *("FolderClass", "SearchParameters", "ManagedFolderInformation", "PermissionSet"),
    *("EffectiveRights", "SharingEffectiveRights", "DistinguishedFolderId", "PolicyTag", "ArchiveTag"),
)
KNOWN = frozenset(
    [f"item:{n}" for n in _ITEM] + [f"message:{n}" for n in _MESSAGE] + [f"folder:{n}" for n in _FOLDER]
)
# Prefixes of item kinds the emulator's mailboxes never hold: accepted, never answered.
OTHER_KINDS = frozenset(
    {"calendar", "contacts", "distributionlist", "postitem", "task", "meeting", "meetingRequest"}
    | {"conversation", "persona", "unifiedmessaging", "rule"}
)


def is_known(uri: str) -> bool:
    prefix, _, _ = uri.partition(":")
    return uri in KNOWN or prefix in OTHER_KINDS
