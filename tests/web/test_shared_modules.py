"""The shared front-end modules stand on their own: a watcher composed from lib/ alone,
as the command center's wall screen will be (signaling, Subscriber, TileGrid, stats,
imported from the hub under its CSP), sees and measures a party's video."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from playwright.sync_api import Browser, BrowserContext

from rooms.demo import DEMO_PASSWORD
from tests.web.case_session import ensure_demo
from tests.web.conftest import HubProcess, open_page
from tests.web.test_room_page import VIDEOS_PLAYING, join, wait_until

# A wall tile's whole program: nothing from the room page, only lib/ and the vendor client.
WATCHER = """async ({token, room}) => {
  const { io } = await import("/vendor/socket.io.esm.min.js");
  const { RoomSignaling } = await import("/static/lib/signaling.js");
  const { Subscriber } = await import("/static/lib/peers.js");
  const { TileGrid } = await import("/static/lib/tiles.js");
  const { collectStats } = await import("/static/lib/stats.js");
  const { el } = await import("/static/lib/dom.js");

  const template = el("template");
  const name = el("span", { className: "tile-name" });
  template.content.append(el("div", { className: "tile" }, el("video"), name));
  const wall = el("div", { id: "tiles" });
  document.body.replaceChildren(wall, template);

  const signaling = new RoomSignaling(io, token);
  const subscriber = new Subscriber(signaling, { onTrack: (id, track) => grid.deliver(id, track) });
  const grid = new TileGrid(wall, template, { ownerOf: (id) => subscriber.ownerOf(id) });
  const note = (p) => subscriber.noteProducer(p.id, p.participantId);
  signaling.on("participant-joined", (p) => grid.add(p))
    .on("participant-left", (e) => grid.remove(e.participantId))
    .on("producer-added", note)
    .on("renegotiate", () => subscriber.schedule());
  await new Promise((resolve) => signaling.on("connect", resolve).connect());
  const ack = await signaling.request("join", { room });
  if (!ack.ok) return ack;
  subscriber.iceServers = ack.iceServers;
  for (const p of ack.participants) {
    grid.add(p);
    (p.producers || []).forEach(note);
  }
  await subscriber.schedule();
  const samples = new Map();
  window.hub = {
    self: ack.self,
    stats: () => collectStats({ subscriber, samples, participants: [...grid.values()] }),
  };
  return { ok: true, permissions: ack.permissions };
}"""


def api(base: str, method: str, path: str, body: object = None, token: str = "") -> Any:
    request = urllib.request.Request(
        base + "/api/v1" + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def log_in(base: str, username: str) -> str:
    return str(
        api(base, "POST", "/login", {"username": username, "password": DEMO_PASSWORD})["token"]
    )


def test_a_watcher_built_from_the_shared_modules_alone(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    base = hub_process.base_url
    ensure_demo(hub_process)
    mediator = log_in(base, "mediator-east")
    org = next(
        o for o in api(base, "GET", "/organisations", token=mediator) if o["code"] == "330101002"
    )
    # this community lets parties straight in (no waiting room): nobody here admits them
    api(
        base,
        "PUT",
        f"/organisations/{org['id']}/waiting-room",
        {"waitingRoom": False},
        log_in(base, "city-admin"),
    )
    case = api(
        base,
        "POST",
        "/cases",
        {
            "organisationId": org["id"],
            "type": "邻里纠纷",
            "title": "墙面测试",
            "severity": "green",
            "parties": [],
        },
        mediator,
    )
    room = api(base, "POST", f"/cases/{case['id']}/rooms", token=mediator)
    invitation = api(
        base,
        "POST",
        f"/rooms/{room['id']}/invitations",
        {"name": "张三", "role": "party"},
        mediator,
    )
    party = open_page(browser, contexts, phone=True)
    join(party, invitation["url"], tap=True)

    watcher = open_page(browser, contexts, phone=False)
    watcher.goto(base + "/join")  # any page of the hub: its origin, under its CSP
    answer = watcher.evaluate(WATCHER, {"token": log_in(base, "command"), "room": room["id"]})
    # command staff watch, and put street cameras into rooms and steer them; no more
    assert answer == {"ok": True, "permissions": ["camera.attach", "camera.control"]}, answer
    wait_until(watcher, VIDEOS_PLAYING, 1)
    party_id = party.evaluate("window.hub.self.id")
    assert (
        watcher.locator(f'#tiles [data-participant-id="{party_id}"] .tile-name').inner_text()
        == "张三"
    )
    wait_until(
        watcher,
        """async (id) => {
          const p = (await window.hub.stats()).participants[id];
          return Boolean(p && p.quality === "good" && p.videoKbps > 0);
        }""",
        party_id,
    )
