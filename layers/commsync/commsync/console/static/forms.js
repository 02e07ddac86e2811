// Labelled form fields, the browser's own checks, and the API's 422 errors shown beside their field.
// Each control names the API field it feeds (data-field="body.options.auth"), so an error the API
// returns for that path lands under it; errors no field claims are listed at the top of the form.
import { h, replace, uid } from "./dom.js";

function wrap(spec, control, id) {
  const hint = spec.hint ? h("p", { class: "hint", id: `${id}-hint`, text: spec.hint }) : null;
  const error = h("p", { class: "error", id: `${id}-error` });
  control.setAttribute("aria-describedby", [hint && `${id}-hint`, `${id}-error`].filter(Boolean).join(" "));
  if (spec.field) control.dataset.field = spec.field;
  if (spec.message) control.dataset.message = spec.message;
  return h("div", { class: "field", "data-for": spec.name }, h("label", { for: id, text: spec.label }), control, hint, error);
}

// spec: {name, label, type, value, required, pattern, placeholder, hint, field, message, autocomplete, min, max}
export function input(spec) {
  const id = spec.id || uid(spec.name);
  const control = h("input", {
    id,
    name: spec.name,
    type: spec.type || "text",
    value: spec.value,
    required: spec.required,
    pattern: spec.pattern,
    placeholder: spec.placeholder,
    autocomplete: spec.autocomplete || (spec.type === "password" ? "new-password" : "off"),
    min: spec.min,
    max: spec.max,
    spellcheck: "false",
  });
  return wrap(spec, control, id);
}

export function textarea(spec) {
  const id = spec.id || uid(spec.name);
  const control = h("textarea", {
    id,
    name: spec.name,
    required: spec.required,
    placeholder: spec.placeholder,
    rows: spec.rows || 3,
    spellcheck: "false",
  });
  control.value = spec.value || "";
  return wrap(spec, control, id);
}

// choices: [[value, label], ...]
export function select(spec) {
  const id = spec.id || uid(spec.name);
  const control = h(
    "select",
    { id, name: spec.name },
    spec.choices.map(([value, label]) => h("option", { value, selected: value === spec.value, text: label })),
  );
  return wrap(spec, control, id);
}

export function checkbox(spec) {
  const id = spec.id || uid(spec.name);
  const control = h("input", { id, name: spec.name, type: "checkbox", checked: spec.checked });
  const error = h("p", { class: "error", id: `${id}-error` });
  const hint = spec.hint ? h("p", { class: "hint", id: `${id}-hint`, text: spec.hint }) : null;
  control.setAttribute("aria-describedby", [hint && `${id}-hint`, `${id}-error`].filter(Boolean).join(" "));
  if (spec.field) control.dataset.field = spec.field;
  return h("div", { class: "field check", "data-for": spec.name }, h("label", { for: id }, control, spec.label), hint, error);
}

// A group of radio buttons: onchange(value) lets a form show the fields that choice needs.
export function radios(spec) {
  const name = spec.name;
  const id = uid(name);
  const group = h(
    "fieldset",
    { class: "choices", "aria-describedby": `${id}-error`, tabindex: "-1" },
    h("legend", { text: spec.label }),
    spec.choices.map(([choice, label]) => {
      const optionId = uid(name);
      return h(
        "label",
        { for: optionId },
        h("input", {
          type: "radio",
          id: optionId,
          name,
          value: choice,
          checked: choice === spec.value,
          onchange: () => spec.onchange && spec.onchange(choice),
        }),
        label,
      );
    }),
    h("p", { class: "error", id: `${id}-error` }),
  );
  if (spec.field) group.dataset.field = spec.field;
  return group;
}

export const summary = () => h("div", { class: "summary-errors", role: "alert", tabindex: "-1" });

export const value = (form, name) => {
  const control = form.elements.namedItem(name);
  if (!control) return undefined;
  if (control instanceof RadioNodeList) return control.value;
  return control.type === "checkbox" ? control.checked : control.value.trim();
};

export const lines = (text) =>
  (text || "")
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);

function errorSlot(control) {
  const id = control.getAttribute("aria-describedby") || "";
  const slot = id.split(" ").find((x) => x.endsWith("-error"));
  return slot ? document.getElementById(slot) : null;
}

export function clearErrors(form) {
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  for (const slot of form.querySelectorAll(".error")) slot.textContent = "";
  const box = form.querySelector(".summary-errors");
  if (box) box.replaceChildren();
}

function markInvalid(control, message) {
  control.setAttribute("aria-invalid", "true");
  const slot = errorSlot(control);
  if (slot) slot.textContent = message;
}

// The browser's checks first (required, pattern, URL), with our wording; true when all pass.
export function checkFields(form) {
  clearErrors(form);
  const bad = [];
  for (const control of form.querySelectorAll("input, select, textarea")) {
    if (control.closest("[hidden]") || control.disabled || control.validity.valid) continue;
    const message = control.validity.valueMissing ? "This is required." : control.dataset.message || control.validationMessage;
    markInvalid(control, message);
    bad.push(control);
  }
  if (bad.length) bad[0].focus();
  return bad.length === 0;
}

// The API's 422 `fields` (or any error) beside the controls that feed them; `resolve` maps a
// field path the form builds dynamically (e.g. filters.AND.1.after) to a control.
export function showApiError(form, error, resolve) {
  clearErrors(form);
  const controls = [...form.querySelectorAll("[data-field]")].filter((c) => !c.closest("[hidden]"));
  const leftover = [];
  let first = null;
  for (const problem of error.fields || []) {
    const control = (resolve && resolve(problem.field)) || claim(controls, problem.field);
    if (control) {
      markInvalid(control, problem.message);
      first = first || control;
    } else {
      leftover.push(`${problem.field}: ${problem.message}`);
    }
  }
  const box = form.querySelector(".summary-errors");
  if (box && (leftover.length || !first)) {
    replace(
      box,
      h("strong", { text: first ? "Also:" : `The API refused this: ${error.message}` }),
      leftover.length ? h("ul", {}, leftover.map((x) => h("li", { text: x }))) : null,
    );
  }
  (first || box)?.focus();
}

// The control whose data-field is the longest prefix of the error's path.
function claim(controls, path) {
  let best = null;
  for (const control of controls) {
    const field = control.dataset.field;
    if ((path === field || path.startsWith(`${field}.`)) && (!best || field.length > best.dataset.field.length)) {
      best = control;
    }
  }
  return best;
}

// Runs `work` with the submit button disabled, so a double click cannot create twice.
export async function busy(form, work) {
  const buttons = [...form.querySelectorAll("button")];
  buttons.forEach((b) => (b.disabled = true));
  try {
    return await work();
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}
