// Logging in: username and password; the server's words for errors we have none for.
import { h, inject, reactive } from "vue";
import { ElAlert, ElButton, ElCard, ElForm, ElFormItem, ElInput } from "element-plus";
import { errorText, model, tid } from "../ui.js";

export const LoginView = {
  name: "LoginView",
  setup() {
    const hub = inject("hub");
    const { t } = hub;
    const form = reactive({ username: "", password: "", error: "", busy: false });
    const submit = async () => {
      if (!form.username || !form.password) return;
      form.busy = true;
      form.error = "";
      try {
        await hub.login(form.username.trim(), form.password);
      } catch (err) {
        form.error = errorText(t, hub.hasKey, err, hub.lang);
      } finally {
        form.busy = false;
      }
    };
    return () => h("div", { class: "login" }, h(ElCard, { class: "login-card", shadow: "always" }, {
      header: () => h("h1", null, t("login")),
      default: () => h(ElForm, {
        labelPosition: "top",
        size: "large",
        onSubmit: (event) => { event.preventDefault(); submit(); },
      }, () => [
        h(ElFormItem, { label: t("username") }, () => h(ElInput, {
          ...model(form, "username"), ...tid("username"), autocomplete: "username", name: "username",
        })),
        h(ElFormItem, { label: t("password") }, () => h(ElInput, {
          ...model(form, "password"), ...tid("password"), type: "password", showPassword: true,
          autocomplete: "current-password", name: "password",
          onKeyup: (event) => { if (event.key === "Enter") submit(); },
        })),
        form.error ? h(ElAlert, { type: "error", title: form.error, closable: false, showIcon: true,
          class: "login-error", ...tid("login-error") }) : null,
        h(ElButton, { type: "primary", nativeType: "submit", loading: form.busy, class: "wide-button",
          ...tid("login") }, () => t("login")),
      ]),
    }));
  },
};
