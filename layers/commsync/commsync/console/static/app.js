// The console's shell: sign-in with an API token, the routes (#/...), notices, the OAuth return.
import { ApiError, api, clearToken, setToken, token, whenUnauthorized } from "./api.js";
import { comment, commentList, buckets, thread } from "./comments.js";
import { createForm, kindChooser } from "./create.js";
import { append, h, replace } from "./dom.js";
import { oauthReason } from "./health.js";
import { integrationPage } from "./integration.js";
import { input, summary } from "./forms.js";
import { overview } from "./overview.js";
import { schedulesPage } from "./schedules.js";
import { forgetOldNotices, notify, session } from "./shell.js";

const main = document.getElementById("main");
const NOTICE_KEY = "commsync.notice";

function signIn(reason) {
  session.caller = null;
  session.generation += 1;
  showWho();
  const form = h("form", { class: "panel", novalidate: true });
  const field = input({
    name: "token",
    label: "API token",
    type: "password",
    required: true,
    autocomplete: "off",
    hint: "Ask your administrator, or create one with the command commsync token create. It is kept in this browser tab only.",
  });
  // append() from dom.js, not the DOM's own: it skips a missing part instead of writing "null".
  append(form, [
    h("h1", { text: "Sign in to the commsync console" }),
    reason ? h("p", { class: "notice error", role: "alert", text: reason }) : null,
    summary(),
    field,
    h("button", { type: "submit", class: "primary", text: "Sign in" }),
  ]);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const control = form.elements.namedItem("token");
    const error = field.querySelector(".error");
    const value = control.value.trim();
    if (!value) {
      control.setAttribute("aria-invalid", "true");
      error.textContent = "Paste your API token.";
      control.focus();
      return;
    }
    try {
      const caller = await api("GET", "/me", undefined, value);
      setToken(value);
      control.value = "";
      start(caller, true);
    } catch (failure) {
      control.setAttribute("aria-invalid", "true");
      error.textContent =
        failure.status === 401 ? "This token is not valid (mistyped, revoked or expired)." : failure.message;
      control.focus();
    }
  });
  replace(main, form);
  form.elements.namedItem("token").focus();
}

function showWho() {
  const who = document.getElementById("who");
  for (const link of document.querySelectorAll("[data-needs='modify']")) link.hidden = !session.canModify;
  if (!session.caller) {
    replace(who);
    return;
  }
  const rights = session.canModify ? "view and modify" : "view only";
  replace(
    who,
    h("span", { "data-caller": session.caller.name, text: `Signed in as ${session.caller.name} (${rights})` }),
    h("button", {
      type: "button",
      text: "Sign out",
      onclick: () => {
        clearToken();
        signIn();
      },
    }),
  );
}

function start(caller, afterSignIn = false) {
  session.caller = caller;
  session.routed = afterSignIn;
  session.canModify = caller.permissions.includes("modify");
  showWho();
  route();
}

// Routes: #/  #/integrations/P/N  #/new  #/new/KIND  #/schedules  #/comments  #/comments/BUCKET  #/comments/BUCKET/ID
//         #/comments/BUCKET/thread/THREAD
const ROUTES = [
  [/^#?\/?$/, "overview", () => overview(main)],
  [/^#\/integrations\/([^/]+)\/([^/]+)$/, "overview", (p, n) => integrationPage(main, `${p}/${n}`)],
  [/^#\/new$/, "new", () => kindChooser(main)],
  [/^#\/new\/([a-z]+)$/, "new", (kind) => createForm(main, kind)],
  [/^#\/schedules$/, "schedules", () => schedulesPage(main)],
  [/^#\/comments$/, "comments", () => buckets(main)],
  [/^#\/comments\/([^/]+)$/, "comments", (bucket) => commentList(main, bucket)],
  [/^#\/comments\/([^/]+)\/([0-9a-f]+)$/, "comments", (bucket, id) => comment(main, bucket, id)],
  [/^#\/comments\/([^/]+)\/thread\/([^/]+)$/, "comments", (bucket, id) => thread(main, bucket, decodeURIComponent(id))],
];

function route() {
  if (!session.caller) return;
  session.generation += 1;
  forgetOldNotices();
  const hash = location.hash || "#/";
  for (const [pattern, nav, page] of ROUTES) {
    const match = hash.match(pattern);
    if (!match) continue;
    for (const link of document.querySelectorAll("[data-nav]")) {
      if (link.dataset.nav === nav) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    replace(main, h("p", { class: "muted", text: "Loading…" }));
    const moved = session.routed;
    session.routed = true;
    Promise.resolve(page(...match.slice(1).map(decodeURIComponent)))
      .then(() => {
        // After a move (not the first page of a visit), the keyboard starts at the new page's heading.
        const heading = main.querySelector("h1");
        heading?.setAttribute("tabindex", "-1");
        if (moved && heading && !main.contains(document.activeElement)) heading.focus({ preventScroll: true });
      })
      .catch((error) => {
        if (!(error instanceof ApiError && error.status === 401)) {
          replace(main, h("h1", { text: "Something went wrong" }), h("p", { class: "notice error", role: "alert", text: error.message }));
        }
      });
    return;
  }
  replace(main, h("h1", { text: "Not found" }), h("p", {}, "No such page. ", h("a", { href: "#/", text: "Go to the overview" })));
}

// MS and Salesforce sign-in ends at <base>/console?oauth=success|error&integration=P/N[&reason=...]
// (api/oauth.py): show the outcome, drop the query from the address bar, open the integration.
function oauthReturn() {
  const query = new URLSearchParams(location.search);
  const outcome = query.get("oauth");
  if (!outcome) return;
  const key = query.get("integration") || "";
  const text =
    outcome === "success"
      ? `${key} is connected: its sign-in is stored, and it syncs at its next poll.`
      : `Connecting ${key} failed: ${oauthReason(query.get("reason"))}.`;
  sessionStorage.setItem(NOTICE_KEY, JSON.stringify({ tone: outcome === "success" ? "success" : "error", text }));
  const target = /^[a-z0-9_-]+\/[a-z0-9_-]+$/.test(key) ? `#/integrations/${key}` : "#/";
  history.replaceState(null, "", location.pathname + target);
}

function pendingNotice() {
  const stored = sessionStorage.getItem(NOTICE_KEY);
  if (!stored) return;
  sessionStorage.removeItem(NOTICE_KEY);
  const { tone, text } = JSON.parse(stored);
  notify(tone, text);
}

async function boot() {
  document.getElementById("skip").addEventListener("click", (event) => {
    event.preventDefault();
    (main.querySelector("h1") || main).focus();
  });
  oauthReturn();
  pendingNotice();
  whenUnauthorized(() => {
    clearToken();
    signIn("Your token is no longer accepted; sign in again.");
  });
  window.addEventListener("hashchange", route);
  if (!token()) {
    signIn();
    return;
  }
  try {
    start(await api("GET", "/me"));
  } catch (error) {
    if (error.status !== 401) signIn(error.message);
  }
}

boot();
