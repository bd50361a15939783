"""Recording control driven by live-room events, without socket.io: a required
recording starts once everyone present consented, staff are on duty, and a room
that closes for any reason (here: it emptied) has its recording sealed and audited."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from media.counters import MediaCounters
from media.transport import RouterOptions
from recorder.control import RecordingControl, RecordingEvent, RecordingStarted, RecordingStopped
from recorder.settings import RecorderSettings
from recorder.store import recordings_dir
from recorder.verify import verify
from rooms.db import Database, init_schema
from rooms.errors import HubError
from rooms.live_events import ConsentMethod
from rooms.live_room import LiveRooms, RoomFacts
from rooms.models import AuditEntry
from rooms.settings import RoomsSettings
from tests.recorder.conftest import send_all
from tests.recorder.media_samples import OPUS_CODEC, opus_frames
from tests.rooms.test_live_room import FakeNotifier


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
    await init_schema(db.engine)
    yield db
    await db.close()


async def test_required_recording_follows_the_room(tmp_path: Path, database: Database) -> None:
    data_dir = tmp_path / "data"
    live = LiveRooms(
        RoomsSettings(empty_timeout_s=0.1),
        RouterOptions(),
        FakeNotifier(),
        counters=MediaCounters(),
    )
    control = RecordingControl(database, RecorderSettings(segment_duration_s=0.5), data_dir, live)
    events: list[RecordingEvent] = []
    stopped = asyncio.Event()
    control.observer.on(RecordingEvent, events.append)
    control.observer.on(RecordingStopped, lambda e: stopped.set())
    facts = RoomFacts("r1", "调解室", case_id="c1", organisation_id=None, recording_required=True)
    room = await live.open(facts)

    mediator, _ = await room.join(subject="u-1", name="李调解", role="mediator")
    # staff alone: nothing is recorded before the first party is in (issue 14: the
    # waiting room; the recording starts when a mediator admits the first party)
    assert not control.state(room).active
    party, _ = await room.join(subject="inv-x", name="张三", role="party")
    assert not control.state(room).active  # waits for the party's consent
    await room.record_consent(party, method=ConsentMethod.PAGE)
    state = control.state(room)
    assert state.active and state.required and state.recording_id
    assert [r.room_id for r in control.running()] == ["r1"]
    with pytest.raises(HubError) as refused:
        await control.stop_by(room, mediator)
    assert refused.value.code == "recording_required"

    transport = room.router.create_direct_transport()
    producer = transport.produce(OPUS_CODEC, app_data={"participant": party.id})
    await send_all(producer, opus_frames(40))
    await room.leave(party.id)
    await room.leave(mediator.id)
    await asyncio.wait_for(stopped.wait(), 10)  # the room emptied and closed

    assert control.running() == [] and room.closed
    assert [type(e) for e in events] == [RecordingStarted, RecordingStopped]
    directory = recordings_dir(data_dir) / state.recording_id
    report = verify(directory)
    assert report.ok, report.text()
    manifest = json.loads((directory / "manifest.json").read_text())
    methods = {c["participant_id"]: c["method"] for c in manifest["consents"]}
    assert methods == {mediator.id: "staff-on-duty", party.id: "party-page-checkbox"}
    assert "required by policy" in manifest["started_by"]
    async with database.session() as s:
        trail = [
            (e.action, e.actor)
            for e in await s.scalars(
                select(AuditEntry)
                .where(AuditEntry.target == f"recording:{state.recording_id}")
                .order_by(AuditEntry.seq)
            )
        ]
    assert trail == [("recording.start", "inv-x"), ("recording.stop", "system")]
