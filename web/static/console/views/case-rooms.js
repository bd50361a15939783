// A case's rooms and their invitations: open a room (offering the one still open
// instead of silently making another), invite a party (link, QR code, 6-digit code,
// copy buttons), join as mediator, list every invitation with its status, revoke.
import { h, inject, onBeforeUnmount, onMounted, reactive } from "vue";
import {
  ElButton, ElCard, ElEmpty, ElInput, ElMessageBox, ElTable, ElTableColumn,
} from "element-plus";
import { copyText, model, statusTag, tid, when } from "../ui.js";

export const CaseRooms = {
  name: "CaseRooms",
  props: {
    caseId: { type: String, required: true },
    permissions: { type: Array, required: true },
    parties: { type: Array, default: () => [] },
  },
  setup(props) {
    const hub = inject("hub");
    const { t } = hub;
    const state = reactive({ rooms: [], names: {}, fresh: null, qr: null, busy: false, loaded: false });
    const may = (action) => props.permissions.includes(action);

    const load = async () => {
      try {
        state.rooms = await hub.api.get(`/cases/${encodeURIComponent(props.caseId)}/rooms`);
        const first = props.parties.length ? props.parties[0].name : "";
        for (const room of state.rooms) if (!(room.id in state.names)) state.names[room.id] = first;
      } catch (err) {
        hub.fail(err);
      } finally {
        state.loaded = true;
      }
    };
    onMounted(load);
    onBeforeUnmount(() => { if (state.qr) URL.revokeObjectURL(state.qr); });

    const open = () => state.rooms.filter((r) => r.state !== "ended");
    const create = async () => {
      const existing = open()[0];
      if (existing) {
        try {
          await ElMessageBox.confirm(t("room_exists", { name: existing.name }), t("open_room"), {
            confirmButtonText: t("use_existing_room"), cancelButtonText: t("open_another_room"),
            distinguishCancelAndClose: true, type: "info",
          });
          document.getElementById(`room-${existing.id}`)?.scrollIntoView({ behavior: "smooth" });
          return; // the existing room it is
        } catch (choice) {
          if (choice !== "cancel") return; // closed: nothing
        }
      }
      state.busy = true;
      try {
        await hub.api.post(`/cases/${encodeURIComponent(props.caseId)}/rooms`);
        await load();
      } catch (err) {
        hub.fail(err);
      } finally {
        state.busy = false;
      }
    };

    const invite = async (room, name, role) => hub.api.post(`/rooms/${encodeURIComponent(room.id)}/invitations`, { name, role });
    const inviteParty = async (room) => {
      const name = (state.names[room.id] || "").trim();
      if (!name) return hub.fail({ code: "name_required" });
      state.busy = true;
      try {
        const made = await invite(room, name, "party");
        state.fresh = { ...made, name, roomId: room.id };
        const qr = await hub.api.get(`/invitations/${encodeURIComponent(made.id)}/qr.png`, { raw: true });
        if (state.qr) URL.revokeObjectURL(state.qr);
        state.qr = URL.createObjectURL(await qr.blob());
        await load();
      } catch (err) {
        hub.fail(err);
      } finally {
        state.busy = false;
      }
    };
    const joinAsMediator = async (room) => {
      try {
        // staff enter with their own identity (a seat token for this room), never an invitation
        const seat = await hub.api.post(`/rooms/${encodeURIComponent(room.id)}/seat`, {});
        window.open(seat.url, "_blank", "noopener");
      } catch (err) {
        hub.fail(err);
      }
    };
    const endRoom = async (room) => {
      try {
        await ElMessageBox.confirm(t("end_room_confirm", { name: room.name }), t("end_room"), {
          confirmButtonText: t("end_room"), cancelButtonText: t("cancel"), type: "warning",
        });
      } catch (cancelled) {
        return;
      }
      try {
        await hub.api.post(`/rooms/${encodeURIComponent(room.id)}/end`);
        await load();
      } catch (err) {
        hub.fail(err);
      }
    };
    const revoke = async (invitation) => {
      try {
        await ElMessageBox.confirm(t("revoke_confirm", { name: invitation.name }), t("revoke"), {
          confirmButtonText: t("revoke"), cancelButtonText: t("cancel"), type: "warning",
        });
      } catch (cancelled) {
        return;
      }
      try {
        await hub.api.post(`/invitations/${encodeURIComponent(invitation.id)}/revoke`);
        if (state.fresh && state.fresh.id === invitation.id) state.fresh = null;
        hub.done(t("revoked_ok"));
        await load();
      } catch (err) {
        hub.fail(err);
      }
    };
    const copy = async (text, what) => {
      if (await copyText(text)) hub.done(t("copied", { what }));
      else hub.fail({ code: "copy_failed" });
    };

    const freshPanel = (room) => {
      const f = state.fresh;
      if (!f || f.roomId !== room.id) return null;
      return h("div", { class: "fresh-invite", ...tid("invitation") }, [
        h("div", { class: "fresh-text" }, [
          h("p", { class: "fresh-name" }, t("invited", { name: f.name })),
          h("p", null, [h("span", { class: "label" }, `${t("code")}：`),
            h("strong", { class: "big-code", ...tid("invite-code") }, f.code)]),
          h("p", { class: "link-line" }, [h("span", { class: "label" }, `${t("link")}：`),
            h("a", { href: f.url, target: "_blank", rel: "noopener", class: "invite-link", ...tid("invite-link") }, f.url)]),
          h("div", { class: "button-row" }, [
            h(ElButton, { type: "primary", onClick: () => copy(f.url, t("link")), ...tid("copy-link") }, () => t("copy_link")),
            h(ElButton, { onClick: () => copy(f.code, t("code")), ...tid("copy-code") }, () => t("copy_code")),
          ]),
        ]),
        state.qr ? h("img", { src: state.qr, alt: t("qr_alt"), class: "qr", ...tid("invite-qr") }) : null,
      ]);
    };

    const invitationActions = (row) => (row.status === "active" ? [
      row.url ? h(ElButton, { size: "default", onClick: () => copy(row.url, t("link")), ...tid("copy-invitation-link") }, () => t("copy_link")) : null,
      may("invitation.create") ? h(ElButton, { size: "default", type: "danger", plain: true, onClick: () => revoke(row), ...tid("revoke") }, () => t("revoke")) : null,
    ] : "—");
    // a phone: one line per invitation, its buttons under it (a table would hide them)
    const invitationList = (room) => h("ul", { class: "invitation-list", ...tid("invitations") }, room.invitations.map((row) =>
      h("li", { class: "invitation-item" }, [
        h("div", { class: "invitation-top" }, [
          h("strong", null, row.name), h("span", { class: "muted" }, t(row.role)),
          statusTag(t, row.status, { "data-status": row.status, ...tid("invitation-status") }),
        ]),
        h("div", { class: "muted" }, `${row.code ? `${t("code")} ${row.code} · ` : ""}${t("uses")} ${row.uses}/${row.maxUses} · ${t("expires")} ${when(row.expiresAt)}`),
        row.status === "active" ? h("div", { class: "button-row" }, invitationActions(row)) : null,
      ])));
    const invitations = (room) => (!room.invitations.length ? h("p", { class: "muted" }, t("no_invitations"))
      : hub.phone ? invitationList(room) : h(ElTable, {
      data: room.invitations, size: "default", class: "invitations", ...tid("invitations"),
    }, () => [
      h(ElTableColumn, { prop: "name", label: t("name"), minWidth: 90 }),
      h(ElTableColumn, { label: t("role"), width: 90 }, { default: ({ row }) => t(row.role) }),
      h(ElTableColumn, { label: t("status"), width: 100 }, {
        default: ({ row }) => statusTag(t, row.status, { "data-status": row.status, ...tid("invitation-status") }),
      }),
      h(ElTableColumn, { label: t("code"), width: 90 }, { default: ({ row }) => (row.code ? h("span", { class: "mono" }, row.code) : "—") }),
      h(ElTableColumn, { label: t("uses"), width: 70 }, { default: ({ row }) => `${row.uses}/${row.maxUses}` }),
      h(ElTableColumn, { label: t("expires"), minWidth: 140 }, { default: ({ row }) => when(row.expiresAt) }),
      // copy and revoke are for those who may invite: nobody else gets an empty column
      may("invitation.create") ? h(ElTableColumn, { label: t("actions"), minWidth: 170 }, {
        default: ({ row }) => invitationActions(row),
      }) : null,
    ]));

    const roomCard = (room) => h(ElCard, { shadow: "never", class: "room-card", id: `room-${room.id}`, ...tid("room") }, {
      header: () => h("div", { class: "room-head" }, [
        h("strong", { class: "room-name", ...tid("room-name") }, room.name),
        statusTag(t, room.state),
        h("span", { class: "muted" }, when(room.createdAt)),
      ]),
      default: () => [
        room.state !== "ended" && may("invitation.create") ? h("div", { class: "button-row" }, [
          h(ElInput, { ...model(state.names, room.id), placeholder: t("invite_name"), class: "invite-name", maxlength: 50, ...tid("invite-name") }),
          h(ElButton, { type: "primary", loading: state.busy, onClick: () => inviteParty(room), ...tid("invite") }, () => t("invite")),
          h(ElButton, { onClick: () => joinAsMediator(room), ...tid("join-as-mediator") }, () => t("join_as_mediator")),
          hub.may("room.end") ? h(ElButton, { type: "danger", plain: true, onClick: () => endRoom(room), ...tid("end-room") }, () => t("end_room")) : null,
        ]) : null,
        freshPanel(room),
        invitations(room),
      ],
    });

    return () => h(ElCard, { shadow: "never", class: "block", ...tid("rooms-section") }, {
      header: () => h("div", { class: "card-head" }, [
        h("h3", null, t("rooms")),
        may("room.create") ? h(ElButton, { type: "primary", loading: state.busy, onClick: create, ...tid("open-room") },
          () => t("open_room")) : null,
      ]),
      default: () => (state.rooms.length ? state.rooms.map(roomCard)
        : h(ElEmpty, { description: state.loaded ? t("no_rooms") : t("loading"), imageSize: 60 })),
    });
  },
};
