// The room's side panels and session tools (people, chat, invitations, minutes,
// the agreement, feedback, the waiting list, raising a hand, screen sharing, the
// speaking monitor), made once when the room first shows (room.js).
import { createApi } from "../lib/api.js";
import { byId } from "../lib/dom.js";
import { AgreementDesk, AgreementSheet } from "./agreement.js";
import { Chat } from "./chat.js";
import { FeedbackForm } from "./feedback.js";
import { Floor } from "./floor.js";
import { InvitePanel } from "./invite-panel.js";
import { Minutes } from "./minutes.js";
import { Monitor, SPEAKING_LEVEL } from "./monitor.js";
import { Panel, isWide } from "./panel.js";
import { ScreenShare } from "./screen-share.js";
import { WaitingList } from "./waiting.js";

const $ = byId;

/** Fill `ui` (room.js keeps it) with the panel and the session's tools. */
export function buildSessionUi(ui, options) {
  const { state, t, request, token, moderator, toggleMic, onShareChange, showSelfStatus } = options;
  const banner = options.onError;
  ui.panel = new Panel({
    root: $("panel"),
    openers: { people: $("open-people"), chat: $("open-chat") },
    close: $("panel-close"),
    onShow: (tab, visible) => {
      if (tab === "chat") ui.chat?.show(visible);
      if (tab === "cameras") state.cameras?.showPanel(visible); // made after this panel
    },
  });
  ui.panel.show("people");
  if (!isWide()) ui.panel.hide();
  ui.panel.offer("invite", moderator);
  ui.panel.offer("minutes", moderator);
  ui.panel.offer("agreement", moderator);
  const api = createApi({ token });
  ui.minutes = new Minutes({ field: $("minutes"), status: $("minutes-status"), t, request });
  ui.desk = new AgreementDesk({ root: $("agreement-desk"), button: $("agreement-draft"), t, request, api, selfId: () => state.self?.id });
  ui.sheet = new AgreementSheet({
    sheet: $("agreement-sheet"),
    doc: $("agreement-doc"),
    signArea: $("agreement-sign-area"),
    status: $("agreement-status"),
    close: $("agreement-close"),
    t,
    request,
    api,
    selfId: () => state.self?.id,
    onSealed: () => {}, // the sheet offers 评价 under the sealed note
  });
  ui.feedback = new FeedbackForm({
    sheet: $("feedback-sheet"),
    choices: $("feedback-choices"),
    fair: $("feedback-fair"),
    comment: $("feedback-comment"),
    submit: $("feedback-submit"),
    done: $("feedback-done"),
    close: $("feedback-close"),
    t,
    request,
  });
  ui.invite = new InvitePanel({
    form: $("invite-form"),
    name: $("invite-name"),
    list: $("invite-list"),
    api: createApi({ token }),
    roomId: () => state.room?.id,
    t,
    onError: (code) => banner(code),
  });
  ui.waiting = new WaitingList({
    section: $("lobby-list"),
    list: $("lobby-entries"),
    count: $("lobby-count"),
    bar: $("lobby-bar"),
    barText: $("lobby-bar-text"),
    barActions: $("lobby-bar-actions"),
    barButton: $("lobby-bar-open"),
    t,
    request,
    showPeople: () => ui.panel.show("people"),
    onError: (code) => banner(code),
  });
  ui.chat = new Chat({
    list: $("chat-list"),
    input: $("chat-input"),
    send: $("chat-send"),
    form: $("chat-form"),
    t,
    request,
    selfId: () => state.self?.id,
    onUnread: (n) => {
      $("chat-unread").hidden = !n;
      $("chat-unread").textContent = String(n);
    },
    onError: (code) => banner(code),
  });
  ui.floor = new Floor({
    button: $("raise-hand"),
    prompt: $("speak-prompt"),
    promptButton: $("speak-unmute"),
    t,
    request,
    unmute: () => (state.micMuted ? toggleMic() : undefined),
  });
  ui.screen = new ScreenShare({ publisher: state.publisher, onChange: onShareChange });
  $("share-screen").onclick = () => ui.screen.toggle();
  ui.monitor = new Monitor({
    publisher: state.publisher,
    subscriber: state.subscriber,
    onSpeaker: (id, selfLevel) => {
      state.tiles?.setSpeaking(id);
      $("self-view").classList.toggle("speaking", id === "self" || (selfLevel > SPEAKING_LEVEL && !state.micMuted));
    },
    onSending: (stalled) => {
      if (stalled !== state.audioStalled) {
        state.audioStalled = stalled;
        showSelfStatus();
      }
    },
  });
  ui.monitor.start();
}
