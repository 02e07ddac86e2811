// An integration's settings (issue 23): its options as fields, only the secret fields of the
// chosen sign-in, a PEM certificate in a textarea, and Test connection before saving.
import { put } from "./api.js";
import { h, replace } from "./dom.js";
import { credentialChoice, connectionTest, secretField, secretKeys, typedSecrets } from "./credentials.js";
import { busy, checkbox, checkFields, input, select, showApiError, summary, value } from "./forms.js";
import { notify } from "./shell.js";

const VERSIONS = ["2010", "2010_sp1", "2010_sp2", "2013", "2013_sp1", "2016", "2019", "online"];
const TLS = [
  ["ca_bundle", "CA bundle (path on the server)"],
  ["ciphers", "TLS cipher list"],
];

// The options each kind documents (docs/sources/*.md), in the order a person reads them.
const OPTIONS = {
  ews: [
    ["auth", "Sign-in", [["ntlm", "NTLM"], ["basic", "Basic (over HTTPS)"], ["oauth", "OAuth (Exchange Online)"]]],
    ["access", "Access to the mailboxes", [["impersonation", "Impersonation"], ["delegate", "Delegate"]]],
    ["exchange_version", "Exchange version", VERSIONS.map((v) => [v, v.replace("_sp", " SP")])],
    ["tenant", "Tenant (OAuth)"],
    ["client_id", "Application (client) id (OAuth)"],
    ["authority", "Authority (OAuth)"],
    ...TLS,
  ],
  graph: [
    ["auth", "Access", [["delegated", "Delegated (a user connects)"], ["app", "App-only"]]],
    ["tenant", "Tenant"],
    ["client_id", "Application (client) id"],
    ["scopes", "Scopes (delegated)"],
    ["authority", "Authority"],
    ...TLS,
  ],
  salesforce: [
    ["client_id", "Consumer key"],
    ["login_url", "Sign-in at", [["https://login.salesforce.com", "Production"], ["https://test.salesforce.com", "Sandbox"]]],
    ["subject_fields", "Subject field"],
    ["body_fields", "Body fields"],
    ["from_fields", "Sender address field"],
    ["property_fields", "Fields kept as properties"],
    ["ca_bundle", "CA bundle (path on the server)"],
  ],
  eml: [],
};

function optionField(name, label, current, choices) {
  const spec = { name: `option_${name}`, label, field: `body.options.${name}` };
  if (typeof current === "boolean" || name === "allow_insecure_loopback") return checkbox({ ...spec, checked: Boolean(current) });
  if (choices) return select({ ...spec, value: current === undefined ? choices[0][0] : String(current), choices });
  return input({ ...spec, type: typeof current === "number" ? "number" : "text", value: current === undefined ? undefined : String(current) });
}

function optionFields(integration) {
  const known = OPTIONS[integration.kind] || [];
  const names = new Set(known.map(([name]) => name));
  const others = Object.keys(integration.options).filter((k) => !names.has(k) && k !== "allow_insecure_loopback");
  return [
    ...known.map(([name, label, choices]) => optionField(name, label, integration.options[name], choices)),
    // Options this form has no label for (newer ones, or the file's): still fields, named by their key.
    ...others.map((name) => optionField(name, name, integration.options[name])),
    integration.kind === "eml" ? null : optionField("allow_insecure_loopback", "Allow plain HTTP to a test server on this machine (127.0.0.1)", integration.options.allow_insecure_loopback),
  ];
}

function readOptions(form, integration) {
  const options = {};
  for (const control of form.querySelectorAll("[name^='option_']")) {
    const name = control.name.slice("option_".length);
    if (control.type === "checkbox") {
      if (control.checked) options[name] = true;
    } else if (control.value.trim() !== "") {
      const typed = control.value.trim();
      options[name] = control.type === "number" || typeof integration.options[name] === "number" ? Number(typed) : typed;
    }
  }
  return options;
}

export function editIntegrationForm(page, integration, close) {
  const stored = new Set(integration.secret?.keys || []);
  const secrets = h("fieldset", { "data-secrets": "" });
  const state = { credential: stored.has("certificate") ? "certificate" : "secret" };
  // An OAuth integration with a stored user signs in as that service user (delegated).
  const serviceUser = integration.options.auth === "oauth" && stored.has("username");
  const keysNow = (form) =>
    secretKeys(integration.kind, value(form, "option_auth") ?? integration.options.auth, state.credential, serviceUser);
  const form = h("form", { class: "panel", novalidate: true, "aria-label": `Settings of ${integration.key}` });
  const drawSecrets = () => {
    const keys = keysNow(form);
    const oauth = integration.kind === "graph" || (integration.kind === "ews" && value(form, "option_auth") === "oauth");
    replace(
      secrets,
      h("legend", { text: "Sign-in secrets (empty: keep what is stored)" }),
      oauth ? credentialChoice(state.credential, (choice) => ((state.credential = choice), drawSecrets())) : null,
      keys.length ? keys.map((k) => secretField(k, stored.has(k))) : h("p", { class: "muted", text: "This sign-in needs no secret here." }),
    );
    secrets.hidden = integration.kind === "eml";
  };
  const body = () => {
    const values = typedSecrets(form, keysNow(form));
    const made = {
      project: integration.project,
      name: integration.name,
      kind: integration.kind,
      endpoint: value(form, "endpoint"),
      bucket: value(form, "bucket"),
      secret: integration.secret?.name || undefined,
      options: readOptions(form, integration),
    };
    if (Object.keys(values).length) made.secret_values = values;
    return made;
  };
  replace(
    form,
    h("h2", { text: `Settings of ${integration.key}` }),
    summary(),
    input({ name: "endpoint", label: "Server URL", value: integration.endpoint, required: true, field: "body.endpoint" }),
    input({ name: "bucket", label: "Bucket", value: integration.bucket, required: true, pattern: "[a-z0-9][a-z0-9_\\-]{0,62}", field: "body.bucket", message: "Lower-case letters, digits, - and _." }),
    h("fieldset", { "data-options": "" }, h("legend", { text: "Options" }), optionFields(integration)),
    secrets,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary", text: "Save" }),
      connectionTest(async () => body()),
      h("button", { type: "button", text: "Cancel", onclick: close }),
    ),
  );
  drawSecrets();
  form.elements.namedItem("option_auth")?.addEventListener("change", drawSecrets);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkFields(form)) return;
    await busy(form, async () => {
      try {
        await put(page.path, body());
        notify("success", `${integration.key} is saved.`);
        close();
        await page.refresh();
      } catch (error) {
        showApiError(form, error);
      }
    });
  });
  return form;
}
