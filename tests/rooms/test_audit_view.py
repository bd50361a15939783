"""Reading the audit log: filters, pages, and each administrator's scope (the city's
sees everything, a township's only what concerns its subtree)."""

from __future__ import annotations

import datetime as dt

import pytest

from rooms.audit import do_append_audit
from rooms.audit_view import AuditFilter, list_audit, names_of
from rooms.db import Database
from rooms.demo import seed_demo_city
from rooms.domain import DomainError, do_create_case, do_create_case_room
from rooms.models import User
from rooms.policy import Subject
from rooms.users import UserChanges, do_update_user


def as_subject(user: User, path: str) -> Subject:
    return Subject(id=user.id, name=user.display_name, role=user.role, org_path=path)


async def test_scope_filters_and_pages(database: Database) -> None:
    async with database.transaction() as s:
        demo = await seed_demo_city(s, password_hash="not-a-real-hash")
        city = as_subject(demo.users["city-admin"], demo.orgs["city"].path)
        cases = {}
        for side in ("east", "west"):
            mediator = as_subject(demo.users[f"mediator-{side}"], demo.orgs[side].path)
            cases[side] = await do_create_case(
                s,
                mediator,
                organisation=demo.orgs[f"{side}-1"],
                type="x",
                title=f"{side} 案件",
                severity="green",
                parties=[],
            )
        # the city administrator acts on the east case: concerns east by its target
        await do_create_case_room(s, city, cases["east"], demo.orgs["east-1"].path)
        await do_append_audit(s, actor="system", action="admin.create", target="user:admin")
        await do_update_user(s, city, demo.users["intake"], UserChanges(role="admin"))
    east_admin = as_subject(demo.users["intake"], demo.orgs["east"].path)
    async with database.session() as s:
        everything, total = await list_audit(s, city, AuditFilter())
        assert total == len(everything) >= 5
        assert everything[0].seq > everything[-1].seq  # newest first
        east_only, _ = await list_audit(s, east_admin, AuditFilter())
        targets = {e.target for e in east_only}
        assert f"case:{cases['east'].id}" in targets
        assert f"case:{cases['west'].id}" not in targets
        assert "user:admin" not in targets  # belongs to no organisation: the city's only
        assert any(e.action == "room.create" and e.actor == city.id for e in east_only)

        created, _ = await list_audit(s, city, AuditFilter(action="case."))
        assert {e.action for e in created} == {"case.create"}
        exact, _ = await list_audit(s, city, AuditFilter(action="case"))
        assert exact == []
        west, _ = await list_audit(s, city, AuditFilter(actor=demo.users["mediator-west"].id))
        assert [e.target for e in west] == [f"case:{cases['west'].id}"]
        rooms, _ = await list_audit(s, city, AuditFilter(target="room:"))
        assert len(rooms) == 1
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
        assert (await list_audit(s, city, AuditFilter(at_from=later)))[1] == 0
        assert (await list_audit(s, city, AuditFilter(at_to=later)))[1] == total
        page1, _ = await list_audit(s, city, AuditFilter(), page=1, per_page=2)
        page2, _ = await list_audit(s, city, AuditFilter(), page=2, per_page=2)
        assert len(page1) == 2 and page1[-1].seq > page2[0].seq

        names = await names_of(s, everything)
        assert names[f"case:{cases['east'].id}"].endswith("east 案件")
        assert names[f"user:{city.id}"] == "市司法局管理员"

        mediator = as_subject(demo.users["mediator-east"], demo.orgs["east"].path)
        with pytest.raises(DomainError) as refused:
            await list_audit(s, mediator, AuditFilter())
        assert refused.value.status == 403
