// Health in plain words: what state something is in, why it stopped, and what fixes it
// (README: "Failures, disables and notifications"; docs/architecture.md#failure-classes).

const KIND_NAMES = { ews: "Exchange (EWS)", graph: "Microsoft Graph", salesforce: "Salesforce", eml: "Mail export" };
export const kindName = (kind) => KIND_NAMES[kind] || kind;

const RESUMES = "Nothing has been lost: syncing resumes from where it stopped.";

// {title, detail, fix} for a Disabled record of an integration ("integration") or a mailbox ("mailbox").
export function explainDisabled(disabled, scope) {
  const error = disabled.error || "";
  if (disabled.reason === "user") {
    return {
      title: "Switched off",
      detail: `Someone stopped this ${scope}; nothing syncs until it is started again.`,
      fix: `Press Start to resume. ${RESUMES}`,
    };
  }
  if (disabled.reason === "quota") {
    return {
      title: "Stopped: the project's AI-unit quota is used up",
      detail: error ? `${error}.` : "",
      fix:
        "Raise the quota (ai_unit_quota in the local config, the AiUnitQuota stack parameter on AWS) or wait " +
        `for next month, then press Re-enable. ${RESUMES}`,
    };
  }
  const whole = disabled.failure_class === "integration" || scope === "integration";
  return {
    title: whole
      ? "Stopped: it cannot reach or sign in to its server"
      : "Stopped: this mailbox cannot be read",
    detail: `${error || "the sync kept failing"}. ${
      whole ? "Every mailbox of this integration is paused." : "Only this mailbox is paused; the others go on."
    }`,
    fix: `${fixFor(error, whole)} ${RESUMES}`,
  };
}

function fixFor(error, whole) {
  const text = error.toLowerCase();
  if (text.includes("invalid_grant") || text.includes("refresh token")) {
    return "The sign-in was revoked or has expired: connect again (Connect / Authenticate), then press Re-enable.";
  }
  if (text.includes("then re-enable")) return "Do what the error says, then press Re-enable.";
  if (text.includes("tls") || text.includes("certificate")) {
    return "Check the server URL and its certificate (options ca_bundle and ciphers), then press Re-enable.";
  }
  if (text.includes("does not exist")) return "Check the address (or remove the mailbox), then press Re-enable.";
  return whole
    ? "Check the server URL and the credentials (Edit settings takes a new password or secret), then press Re-enable."
    : "Check the address and the service account's rights on this mailbox, then press Re-enable.";
}

// One mailbox's status (GET .../mailboxes or /status) -> {label, tone, note}.
export function mailboxHealth(status, integrationEnabled = true) {
  if (status.disabled) {
    const reason = status.disabled.reason === "user" ? "Stopped" : "Disabled";
    return { label: reason, tone: status.disabled.reason === "user" ? "idle" : "bad" };
  }
  if (!integrationEnabled) return { label: "Paused", tone: "idle", note: "its integration is not running" };
  if (status.last_error) {
    return { label: "Failing", tone: "warn", note: "the last poll failed; it is retried at the next poll" };
  }
  if (!status.last_success_at) return { label: "Waiting for its first sync", tone: "idle" };
  return { label: "Syncing", tone: "ok" };
}

// An integration and its mailboxes' statuses -> {label, tone}.
export function integrationHealth(integration, mailboxes) {
  if (integration.disabled) {
    return integration.disabled.reason === "user"
      ? { label: "Stopped", tone: "idle" }
      : { label: "Disabled", tone: "bad" };
  }
  const states = mailboxes.map((m) => mailboxHealth(m, true));
  if (states.some((s) => s.tone === "bad")) return { label: "Needs attention", tone: "bad" };
  if (states.some((s) => s.tone === "warn")) return { label: "Failing", tone: "warn" };
  if (!mailboxes.length) return { label: "No mailboxes yet", tone: "idle" };
  if (states.every((s) => s.label.startsWith("Waiting"))) return { label: "Waiting for its first sync", tone: "idle" };
  return { label: "Syncing", tone: "ok" };
}

const OAUTH_REASONS = {
  access_denied: "the sign-in was cancelled or consent was declined",
  invalid_grant: "the provider refused the sign-in code (expired or already used); start again",
  invalid_client: "the provider refused the app's client id or secret; check them in Edit settings",
  unauthorized_client: "the app may not use this sign-in flow; check the app registration",
};
export const oauthReason = (code) => OAUTH_REASONS[code] || code || "an unknown error";
