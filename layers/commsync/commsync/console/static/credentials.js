// What an integration's sign-in needs, shared by the create and edit forms (issue 23): only the
// secret fields of the chosen auth show, a PEM certificate goes in a textarea, and "Test
// connection" tries the form's settings with one real request (POST /connection-tests).
import { post } from "./api.js";
import { h, replace } from "./dom.js";
import { input, radios, textarea, value } from "./forms.js";

// The secret keys each sign-in reads (sources/msal_apps.py: client_secret, or certificate and
// thumbprint); the OAuth connect flows write refresh_token and instance_url themselves.
export function secretKeys(kind, auth, credential, serviceUser) {
  if (kind === "salesforce") return ["client_secret"];
  if (kind === "ews" && (auth === "ntlm" || auth === "basic")) return ["username", "password"];
  if (kind !== "ews" && kind !== "graph") return [];
  const app = credential === "certificate" ? ["certificate", "thumbprint"] : ["client_secret"];
  return kind === "ews" && serviceUser ? [...app, "username", "password"] : app;
}

const LABELS = {
  username: ["Service account", "DOMAIN\\name for NTLM, the UPN for basic or a service user."],
  password: ["Password", ""],
  client_secret: ["Client secret", ""],
  certificate: ["Certificate and private key (PEM)", "Paste the -----BEGIN ... lines too. Sent once; never shown again."],
  thumbprint: ["Certificate thumbprint (SHA-1, hex)", ""],
};

// One field per secret key; `keep`: empty means keep the stored value (an edit).
export function secretField(key, keep) {
  const [label, hint] = LABELS[key] || [key, ""];
  const spec = { name: `secret_${key}`, label, field: `body.secret_values.${key}`, hint: hint || (keep ? "Empty: keep the stored value." : "") };
  if (key === "certificate") return textarea({ ...spec, rows: 6, placeholder: "-----BEGIN PRIVATE KEY-----\n...\n-----END CERTIFICATE-----" });
  const plain = key === "username" || key === "thumbprint";
  return input({ ...spec, type: plain ? "text" : "password", autocomplete: "off" });
}

export function credentialChoice(current, onchange) {
  return radios({
    name: "credential",
    label: "The app proves itself with",
    value: current,
    choices: [
      ["secret", "a client secret"],
      ["certificate", "a certificate"],
    ],
    onchange,
  });
}

export const typedSecrets = (form, keys) =>
  Object.fromEntries(keys.map((k) => [k, value(form, `secret_${k}`)]).filter(([, v]) => v));

// The button and the line that says how the test went, in plain words.
export function connectionTest(buildBody) {
  const result = h("p", { class: "test-result", "data-test-result": "", role: "status" });
  const button = h("button", { type: "button", "data-key": "test-connection", text: "Test connection" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    replace(result, "Trying the server…");
    result.dataset.testResult = "running";
    try {
      const body = await buildBody();
      const answer = await post("/connection-tests", body);
      result.dataset.testResult = answer.ok ? "ok" : "failed";
      replace(result, h("strong", { text: answer.ok ? "Works: " : "Does not work: " }), answer.message);
    } catch (error) {
      result.dataset.testResult = "failed";
      replace(result, h("strong", { text: "Could not test: " }), error.message);
    } finally {
      button.disabled = false;
    }
  });
  return [button, result];
}
