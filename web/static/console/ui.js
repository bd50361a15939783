// Small helpers for the shell's views (render functions, no templates: the page's
// Content-Security-Policy has no 'unsafe-eval', which Vue's template compiler needs).
import { h, onBeforeUnmount, ref } from "vue";
import { ElOption, ElTag } from "element-plus";

/** v-model for a component in a render function: h(ElInput, {...model(form, "title")}). */
export const model = (target, key) => ({
  modelValue: target[key],
  "onUpdate:modelValue": (value) => { target[key] = value; },
});

/** A data-testid attribute (Element Plus passes it on to the element people use). */
export const tid = (id) => ({ "data-testid": id });

/** "2026-11-27 15:20" in the browser's time zone. */
export function when(value) {
  if (!value) return "";
  const at = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  const pad = (n) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

const STATUS_TYPES = {
  received: "info", accepted: "primary", assigned: "primary", mediating: "warning",
  agreed: "success", failed: "danger", "follow-up": "warning", archived: "info",
  open: "success", live: "danger", ended: "info", scheduled: "info",
  active: "success", used: "info", expired: "warning", revoked: "danger",
  recording: "danger", completed: "success", interrupted: "warning",
};

/** A status as a coloured tag with its Chinese name. */
export const statusTag = (t, status, props = {}) =>
  h(ElTag, { type: STATUS_TYPES[status] || "info", effect: "light", disableTransitions: true, ...props },
    () => t(status));

/** A severity level as a coloured dot and its name. */
export const severity = (t, level) => h("span", { class: "severity" },
  [h("i", { class: `dot ${level}` }), t(level)]);

/**
 * The message to show for a failed API call: ours for a known code, else the server's in
 * the page's language (the hub writes "中文 / English").
 */
export function errorText(t, hasKey, err, lang = "zh") {
  if (err && err.code && hasKey(err.code)) return t(err.code);
  const message = (err && err.message) || t("error");
  const parts = message.split(" / ");
  return parts.length === 2 ? parts[lang === "en" ? 1 : 0] : message;
}

/** Copy text; on plain-HTTP pages (no Clipboard API) through a selected textarea. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (err) {
      // fall through: a WebView without permission
    }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "copy-buffer";
  document.body.appendChild(area);
  area.select();
  let done = false;
  try {
    done = document.execCommand("copy");
  } finally {
    area.remove();
  }
  return done;
}

/** A ref that is true on a phone-sized screen, kept up to date. */
export function usePhone(query = "(max-width: 768px)") {
  const media = window.matchMedia(query);
  const phone = ref(media.matches);
  const update = () => { phone.value = media.matches; };
  media.addEventListener("change", update);
  onBeforeUnmount(() => media.removeEventListener("change", update));
  return phone;
}

/** The organisations as options, indented by depth (ideographic spaces). */
export function orgOptions(orgs) {
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const depth = (o) => (o.parentId && byId.has(o.parentId) ? depth(byId.get(o.parentId)) + 1 : 0);
  return orgs.map((o) => ({ value: o.id, label: `${"\u3000".repeat(depth(o))}${o.name}`, name: o.name }));
}

/** A link inside the shell: same-page navigation, a real href for new tabs. */
export function link(hub, href, text, props = {}) {
  return h("a", {
    href,
    ...props,
    onClick: (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      hub.navigate(href);
    },
  }, text);
}

/** An organisation as a select option: indented in the list, its plain name once chosen. */
export const orgOption = (o) => h(ElOption, { value: o.value, label: o.name }, () => o.label);
