// What every page shares: who is signed in, notices, navigation and the live refresh.
import { ApiError } from "./api.js";
import { h, replace } from "./dom.js";

const REFRESH_MS = 4000;

// What every page gets: who is signed in, and the helpers to notify, refresh and move around.
export const session = { caller: null, canModify: false, generation: 0 };

export function notify(tone, text) {
  const box = document.getElementById("notices");
  const close = h("button", { type: "button", class: "link", text: "Dismiss", "aria-label": "Dismiss this notice" });
  const notice = h(
    "div",
    { class: `notice ${tone}`, role: tone === "error" ? "alert" : "status", "data-notice": tone, "data-at": Date.now() },
    h("span", { text }),
    close,
  );
  close.addEventListener("click", () => notice.remove());
  box.append(notice);
  while (box.children.length > 4) box.firstElementChild.remove();
}

// A new page keeps only the notices of the last few seconds (those that led to it).
export function forgetOldNotices() {
  for (const notice of document.querySelectorAll("[data-notice]")) {
    if (Date.now() - Number(notice.dataset.at) > 3000) notice.remove();
  }
}

export function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

// Draws a page part now and again every few seconds while the page is shown (watch a sync run).
// Redrawing keeps the keyboard focus on the control with the same data-key. Returns
// {ready: the first drawing, refresh(): load and draw now, e.g. right after an action}.
export function live(container, load, draw) {
  const generation = session.generation;
  const stale = () => generation !== session.generation || !container.isConnected;
  let last = null;
  async function once() {
    try {
      const data = await load();
      const text = JSON.stringify(data);
      if (text === last || stale()) return;
      last = text;
      const focused = document.activeElement?.dataset?.key;
      draw(data);
      if (focused) container.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return;
      replace(container, h("p", { class: "notice error", role: "alert", text: `Could not load: ${error.message}` }));
      last = null;
    }
  }
  async function tick() {
    if (stale()) return;
    if (!document.hidden) await once();
    setTimeout(tick, REFRESH_MS);
  }
  return { ready: tick(), refresh: once };
}
