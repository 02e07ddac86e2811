// Building DOM without innerHTML: every value from the API goes in as text, never as markup.

export function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "text") element.textContent = value;
    else if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

const SECOND = 1000;
const UNITS = [
  ["d", 86400],
  ["h", 3600],
  ["min", 60],
  ["s", 1],
];

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 1) return "0 s";
  const parts = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of UNITS) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
  }
  return parts.join(" ");
}

export function ago(iso) {
  if (!iso) return "never";
  const seconds = (Date.now() - Date.parse(iso)) / SECOND;
  if (seconds < 45) return "just now";
  return `${duration(seconds)} ago`;
}

// 24-hour clock with the zone named (issue 23: "3:05 PM" alone said neither which day's zone nor
// that it was the browser's).
const STAMP = { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" };

export function when(iso) {
  if (!iso) return "–";
  return new Date(iso).toLocaleString(undefined, STAMP);
}

// A <time> showing the moment in the browser's zone, with the exact ISO instant on hover.
export function stamp(iso) {
  if (!iso) return h("span", { class: "muted", text: "–" });
  return h("time", { datetime: iso, title: new Date(iso).toISOString(), text: when(iso) });
}

// A <time> that shows "5 min ago" and says the exact moment (zone and ISO) on hover.
export function timeAgo(iso) {
  if (!iso) return h("span", { class: "muted", text: "never" });
  return h("time", { datetime: iso, title: `${when(iso)} · ${new Date(iso).toISOString()}`, text: ago(iso) });
}

// When a mailbox polls next: "in 4 min" (or "due now"), the moment on hover.
export function timeUntil(iso) {
  if (!iso) return h("span", { class: "muted", text: "not scheduled" });
  const seconds = (Date.parse(iso) - Date.now()) / SECOND;
  const text = seconds <= 30 ? "due now" : `in ${duration(seconds)}`;
  return h("time", { datetime: iso, title: `${when(iso)} · ${new Date(iso).toISOString()}`, text });
}

export const number = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString());

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

let counter = 0;
export const uid = (prefix) => `${prefix}-${++counter}`;

export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs.filter(Boolean).map(([term, value]) => [h("dt", { text: term }), h("dd", {}, value)]),
  );
}
