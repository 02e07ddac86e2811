// Creating an integration: one form per kind, checked as the API checks it, the API's own 422
// errors shown beside their fields. Secrets go to the API once and are never shown back.
import { ApiError, integrationPath, post } from "./api.js";
import { h, replace } from "./dom.js";
import { busy, checkbox, checkFields, input, lines, radios, select, showApiError, summary, textarea, value } from "./forms.js";
import { connectionTest, secretField } from "./credentials.js";
import { go, notify, session } from "./shell.js";

const SLUG = "[a-z0-9][a-z0-9_\\-]{0,62}";
const SLUG_MESSAGE = "Lower-case letters, digits, - and _, starting with a letter or digit.";
const VERSIONS = ["2010", "2010_sp1", "2010_sp2", "2013", "2013_sp1", "2016", "2019"];
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):/;

const KINDS = {
  ews: { title: "Exchange on-premises (EWS)", text: "Exchange 2010-2019 through Exchange Web Services, as a service account (NTLM or basic)." },
  online: { title: "Exchange Online (EWS)", text: "Microsoft 365 mailboxes through EWS with an Entra app: client secret, certificate, or a service user." },
  graph: { title: "Microsoft Graph", text: "Outlook mailboxes through Graph, app-only or delegated (then Connect signs in)." },
  salesforce: { title: "Salesforce", text: "Records of a Salesforce org (EmailMessage, Case, ...) through a connected app; then Authenticate." },
};

export function kindChooser(main) {
  if (!session.canModify) return denied(main);
  replace(
    main,
    h("h1", { text: "New integration" }),
    h("p", { text: "What should commsync read?" }),
    h(
      "ul",
      { class: "kinds list", role: "list" },
      Object.entries(KINDS).map(([kind, { title, text }]) =>
        h("li", {}, h("a", { href: `#/new/${kind}`, "data-kind": kind }, h("div", { class: "card" }, h("h2", { text: title }), h("p", { class: "muted", text })))),
      ),
    ),
  );
}

function denied(main) {
  replace(main, h("h1", { text: "New integration" }), h("p", { class: "notice", text: "Your token may only view: creating an integration needs the modify permission." }));
}

const secret = (name, label, hint) => input({ name: `secret_${name}`, label, type: "password", field: `body.secret_values.${name}`, hint });
const option = (name, label, extra = {}) => input({ name: `option_${name}`, label, field: `body.options.${name}`, ...extra });

function where(kind) {
  return h(
    "fieldset",
    {},
    h("legend", { text: "Name and destination" }),
    h(
      "div",
      { class: "pair" },
      input({ name: "project", label: "Project", required: true, pattern: SLUG, field: "body.project", message: SLUG_MESSAGE, placeholder: "acme" }),
      input({ name: "name", label: "Integration name", required: true, pattern: SLUG, field: "body.name", message: SLUG_MESSAGE, placeholder: kind === "salesforce" ? "crm" : "exchange" }),
    ),
    input({ name: "bucket", label: "Bucket (where its comments go)", required: true, pattern: SLUG, field: "body.bucket", message: SLUG_MESSAGE, placeholder: "acme-mail" }),
  );
}

const endpoint = (label, placeholder, valueText) =>
  input({ name: "endpoint", label, type: "url", required: true, field: "body.endpoint", placeholder, value: valueText, message: "A full URL, https://..." });

const mailboxes = (label, hint, required) =>
  textarea({ name: "mailboxes", label, hint, required, field: "mailboxes", placeholder: "ann@contoso.example\nsupport@contoso.example" });

function advanced(...fields) {
  return h("details", {}, h("summary", { text: "Advanced" }), h("div", { class: "panel-inner" }, fields));
}

function tls() {
  return [
    option("ca_bundle", "CA bundle (path on the server)", { hint: "PEM CAs that signed a private server certificate; verification is never turned off." }),
    option("ciphers", "TLS cipher list", { hint: "OpenSSL syntax, for servers that need particular suites." }),
    checkbox({ name: "option_allow_insecure_loopback", label: "Allow plain HTTP to a test server on this machine (127.0.0.1)", field: "body.options.allow_insecure_loopback" }),
  ];
}

// Each kind: its fields, and how the form becomes the API's body {kind, options, secret_values, objects}.
const FORMS = {
  ews: {
    fields: () => [
      endpoint("EWS URL of the server", "https://mail.contoso.example/EWS/Exchange.asmx"),
      radios({ name: "option_auth", label: "Sign-in", value: "ntlm", field: "body.options.auth", choices: [["ntlm", "NTLM"], ["basic", "Basic (over HTTPS)"]] }),
      input({ name: "secret_username", label: "Service account", required: true, field: "body.secret_values.username", hint: "DOMAIN\\name for NTLM, the UPN for basic.", autocomplete: "off" }),
      secret("password", "Password"),
      radios({ name: "option_access", label: "Access to the mailboxes", value: "impersonation", field: "body.options.access", choices: [["impersonation", "Impersonation (ApplicationImpersonation role)"], ["delegate", "Delegate (Full Access on each mailbox)"]] }),
      select({ name: "option_exchange_version", label: "Exchange version", value: "2016", field: "body.options.exchange_version", choices: VERSIONS.map((v) => [v, v.replace("_sp", " SP")]) }),
      mailboxes("Mailboxes (one address per line)", "Each is synced completely, then incrementally.", true),
      advanced(...tls()),
    ],
    body: async (form) => ({
      kind: "ews",
      options: pick(form, ["auth", "access", "exchange_version", "ca_bundle", "ciphers", "allow_insecure_loopback"]),
      secret_values: secrets(form, ["username", "password"]),
    }),
  },
  online: {
    fields: () => [
      endpoint("EWS URL", "https://outlook.office365.com/EWS/Exchange.asmx", "https://outlook.office365.com/EWS/Exchange.asmx"),
      option("tenant", "Tenant (name or id)", { required: true, placeholder: "contoso.onmicrosoft.com" }),
      option("client_id", "Application (client) id", { required: true }),
      radios({ name: "credential", label: "The app proves itself with", value: "secret", choices: [["secret", "a client secret"], ["certificate", "a certificate"]], onchange: showCredential }),
      h("div", { "data-credential": "secret" }, secret("client_secret", "Client secret")),
      h(
        "div",
        { "data-credential": "certificate", hidden: true },
        secretField("certificate"),
        secretField("thumbprint"),
      ),
      checkbox({ name: "service_user", label: "Sign in as a service user (delegated) instead of app-only" }),
      h("div", { "data-service-user": "", hidden: true }, input({ name: "secret_username", label: "Service user (UPN)", field: "body.secret_values.username" }), secret("password", "Service user's password")),
      radios({ name: "option_access", label: "Access to the mailboxes", value: "impersonation", field: "body.options.access", choices: [["impersonation", "Impersonation (app-only: full_access_as_app)"], ["delegate", "Delegate (Full Access on each mailbox)"]] }),
      mailboxes("Mailboxes (one address per line)", "", true),
      advanced(option("authority", "Authority", { placeholder: "https://login.microsoftonline.com" }), ...tls()),
    ],
    body: async (form) => {
      const values = credentialSecrets(form, ["username", "password"]);
      if (!value(form, "service_user")) {
        delete values.username;
        delete values.password;
      }
      const options = { auth: "oauth", exchange_version: "online", ...pick(form, ["tenant", "client_id", "access", "authority", "ca_bundle", "ciphers", "allow_insecure_loopback"]) };
      return { kind: "ews", options, secret_values: values };
    },
  },
  graph: {
    fields: () => [
      endpoint("Graph URL", "https://graph.microsoft.com/v1.0", "https://graph.microsoft.com/v1.0"),
      radios({ name: "option_auth", label: "Access", value: "delegated", field: "body.options.auth", choices: [["delegated", "Delegated: a user signs in with Connect (their own mailbox)"], ["app", "App-only: the app's Mail.Read permission reaches the listed mailboxes"]] }),
      option("tenant", "Tenant (name or id)", { required: true, placeholder: "contoso.onmicrosoft.com" }),
      option("client_id", "Application (client) id", { required: true }),
      // Graph takes a certificate as well as a secret (sources/msal_apps.py), as Exchange Online does.
      radios({ name: "credential", label: "The app proves itself with", value: "secret", choices: [["secret", "a client secret"], ["certificate", "a certificate"]], onchange: showCredential }),
      h("div", { "data-credential": "secret" }, secret("client_secret", "Client secret")),
      h("div", { "data-credential": "certificate", hidden: true }, secretField("certificate"), secretField("thumbprint")),
      option("scopes", "Scopes (delegated)", { hint: "Default: offline_access openid User.Read Mail.Read." }),
      mailboxes("Mailboxes (one address per line)", "Delegated: the address of the user who will connect. App-only: every mailbox to sync.", false),
      h("p", { class: "hint", text: "Delegated: after creating it, press Connect to sign in at Microsoft and grant access." }),
      advanced(option("authority", "Authority", { placeholder: "https://login.microsoftonline.com" }), ...tls()),
    ],
    body: async (form) => ({
      kind: "graph",
      options: pick(form, ["auth", "tenant", "client_id", "scopes", "authority", "ca_bundle", "ciphers", "allow_insecure_loopback"]),
      secret_values: credentialSecrets(form, []),
    }),
  },
  salesforce: {
    fields: () => [
      endpoint("Instance URL", "https://acme.my.salesforce.com"),
      option("client_id", "Consumer key", { required: true }),
      secret("client_secret", "Consumer secret"),
      select({ name: "option_login_url", label: "Sign-in at", value: "https://login.salesforce.com", field: "body.options.login_url", choices: [["https://login.salesforce.com", "Production (login.salesforce.com)"], ["https://test.salesforce.com", "Sandbox (test.salesforce.com)"]] }),
      textarea({ name: "mailboxes", label: "Objects (API names, one per line)", required: true, field: "mailboxes", placeholder: "EmailMessage\nCase" }),
      h(
        "fieldset",
        {},
        h("legend", { text: "Fields of objects other than EmailMessage (Object.Field, comma-separated)" }),
        option("subject_fields", "Subject field (one per object)", { placeholder: "Case.Subject" }),
        option("body_fields", "Body fields (joined in this order)", { placeholder: "Case.Description" }),
        option("from_fields", "Sender address field", { placeholder: "Case.SuppliedEmail" }),
        option("property_fields", "Fields kept as properties", { placeholder: "Case.Status, Case.Priority" }),
      ),
      h("p", { class: "hint", text: "After creating it, press Authenticate to sign in at Salesforce." }),
      advanced(...tls().filter((f) => f.dataset.for !== "option_ciphers")),
    ],
    body: async (form) => ({
      kind: "salesforce",
      options: pick(form, ["client_id", "login_url", "subject_fields", "body_fields", "from_fields", "property_fields", "ca_bundle", "allow_insecure_loopback"]),
      secret_values: secrets(form, ["client_secret"]),
    }),
  },
};

function showCredential(choice) {
  for (const block of document.querySelectorAll("[data-credential]")) block.hidden = block.dataset.credential !== choice;
}

// The chosen credential's keys only: a client secret, or a certificate and its thumbprint.
function credentialSecrets(form, extra) {
  const chosen = value(form, "credential") === "certificate" ? ["certificate", "thumbprint"] : ["client_secret"];
  return secrets(form, [...chosen, ...extra]);
}

function pick(form, names) {
  const options = {};
  for (const name of names) {
    const v = value(form, `option_${name}`);
    if (v !== undefined && v !== "" && v !== false) options[name] = v;
  }
  return options;
}

function secrets(form, names) {
  const values = {};
  for (const name of names) {
    const v = value(form, `secret_${name}`);
    if (v) values[name] = v;
  }
  return values;
}

// What the API would refuse anyway, said before the round trip (models/integration.py).
function localProblems(form, body) {
  const problems = [];
  const url = value(form, "endpoint");
  if (!url.startsWith("https://") && !(body.options.allow_insecure_loopback && LOOPBACK.test(url))) {
    problems.push({ field: "body.endpoint", message: `${KINDS[form.dataset.kind].title} needs an https:// URL` });
  }
  return problems;
}

export function createForm(main, kind) {
  if (!session.canModify) return denied(main);
  const spec = FORMS[kind];
  if (!spec) return replace(main, h("h1", { text: "No such kind" }), h("a", { href: "#/new", text: "Choose a kind" }));
  const form = h("form", { class: "panel", novalidate: true, "data-kind": kind, "aria-labelledby": "create-title" }, summary(), where(kind), spec.fields());
  // Test connection: the form's settings against the server once, the first mailbox's folders.
  const test = connectionTest(async () => ({ ...(await requestBody(form, spec)), mailbox: lines(value(form, "mailboxes"))[0] || undefined }));
  form.append(h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: "Create" }), test, h("a", { href: "#/new", class: "button", text: "Back" })));
  replace(main, h("h1", { id: "create-title", text: `New ${KINDS[kind].title} integration` }), form);
  const user = form.elements.namedItem("service_user");
  user?.addEventListener("change", () => (form.querySelector("[data-service-user]").hidden = !user.checked));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, () => submit(form, spec));
  });
}

async function requestBody(form, spec) {
  const made = await spec.body(form);
  const body = { project: value(form, "project"), name: value(form, "name"), endpoint: value(form, "endpoint"), bucket: value(form, "bucket"), ...made };
  if (!Object.keys(body.secret_values).length) delete body.secret_values;
  return body;
}

async function submit(form, spec) {
  if (!checkFields(form)) return;
  const body = await requestBody(form, spec);
  const problems = localProblems(form, body);
  if (problems.length) return showApiError(form, new ApiError(422, { message: "check the marked fields", fields: problems }));
  const key = `${body.project}/${body.name}`;
  try {
    await post("/integrations", body);
  } catch (error) {
    if (error.status === 409) error.fields = [{ field: "body.name", message: `${key} already exists: choose another name` }];
    return showApiError(form, error);
  }
  const objects = lines(value(form, "mailboxes"));
  const failed = [];
  for (const address of objects) {
    try {
      await post(`${integrationPath(key)}/mailboxes`, { address });
    } catch (error) {
      failed.push(`${address}: ${error.message}`);
    }
  }
  notify("success", `${key} is created${objects.length ? ` with ${objects.length - failed.length} mailbox(es)` : ""}.`);
  if (failed.length) notify("error", `Not added: ${failed.join("; ")}`);
  go(`#/integrations/${key}`);
}
