// Changing my password. Shown alone (the rest of the shell locked) while a password an
// administrator chose must be changed; the server's rules: 10 or more characters, not
// a common password, not the username (its message says which).
import { h, inject, reactive } from "vue";
import { ElAlert, ElButton, ElCard, ElForm, ElFormItem, ElInput } from "element-plus";
import { errorText, model, tid } from "../ui.js";

const MIN_LENGTH = 10;

export const PasswordView = {
  name: "PasswordView",
  setup() {
    const hub = inject("hub");
    const { t } = hub;
    const form = reactive({ current: "", next: "", again: "", error: "", ok: false, busy: false });
    const problem = () => {
      if (form.next.length < MIN_LENGTH) return t("password_too_short", { n: MIN_LENGTH });
      if (form.next !== form.again) return t("password_mismatch");
      return "";
    };
    const submit = async () => {
      form.ok = false;
      form.error = problem();
      if (form.error) return;
      form.busy = true;
      try {
        await hub.api.post("/me/password", { current: form.current, new: form.next });
        form.ok = true;
        form.current = form.next = form.again = "";
        const wasForced = hub.me.mustChangePassword;
        hub.me.mustChangePassword = false;
        hub.done(t("password_changed"));
        if (wasForced) {
          hub.navigate("/console", { replace: true });
          await hub.load();
        }
      } catch (err) {
        form.error = errorText(t, hub.hasKey, err, hub.lang);
      } finally {
        form.busy = false;
      }
    };
    const field = (key, label, testid, autocomplete) => h(ElFormItem, { label }, () => h(ElInput, {
      ...model(form, key), ...tid(testid), type: "password", showPassword: true, autocomplete,
    }));
    return () => h("div", { class: "narrow-view" }, [
      h("h2", { class: "view-title" }, t("nav_password")),
      hub.me.mustChangePassword ? h(ElAlert, {
        type: "warning", showIcon: true, closable: false, class: "block",
        title: t("must_change_password"), ...tid("must-change"),
      }) : null,
      h(ElCard, { shadow: "never" }, () => h(ElForm, {
        labelPosition: "top", size: "large", onSubmit: (event) => { event.preventDefault(); submit(); },
      }, () => [
        field("current", t("password_current"), "password-current", "current-password"),
        field("next", t("password_new"), "password-new", "new-password"),
        field("again", t("password_again"), "password-again", "new-password"),
        h("p", { class: "hint" }, t("password_rules", { n: MIN_LENGTH })),
        form.error ? h(ElAlert, { type: "error", title: form.error, closable: false, showIcon: true,
          class: "block", ...tid("password-error") }) : null,
        form.ok ? h(ElAlert, { type: "success", title: t("password_changed"), closable: false, showIcon: true,
          class: "block", ...tid("password-ok") }) : null,
        h(ElButton, { type: "primary", nativeType: "submit", loading: form.busy, ...tid("password-save") },
          () => t("save")),
      ])),
    ]);
  },
};
