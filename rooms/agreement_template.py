"""The mediation agreement's template (per organisation, inherited down the tree)
and the draft a mediator starts from.

The sections follow what the People's Mediation Law (人民调解法, art. 29) says an
agreement records: the parties; the main facts of the dispute, what is disputed
and each side's responsibility; what the parties agreed, and how and by when it is
performed; it takes effect once the parties and the mediator sign and the
committee seals it. An organisation may set its own title, committee name,
closing clause and number of copies; anything it leaves out is inherited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import policy
from rooms.audit import do_append_audit
from rooms.domain import DomainError, access_organisation_by_id
from rooms.models import Case, Organisation
from rooms.policy import Subject

TEMPLATE_KEYS = ("title", "committee", "closing", "copies")
DEFAULT_TEMPLATE: dict[str, Any] = {
    "title": "人民调解协议书",
    "committee": "",  # "" : the organisation's name + 人民调解委员会
    "closing": (
        "本协议书自各方当事人签名、人民调解员签名并加盖人民调解委员会印章之日起生效。"
        "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。"
    ),
    "copies": 3,
}
# The sections of the draft, in the order the document prints them.
SECTIONS = (
    ("facts", "纠纷主要事实、争议事项及各方责任"),
    ("terms", "经调解，各方自愿达成如下协议"),
    ("performance", "履行方式、期限"),
)
MAX_SECTION_CHARS = 5000
MAX_PARTIES = 20


def check_template(data: dict[str, Any]) -> dict[str, Any]:
    """An organisation's template as sent (only known keys, sane values)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in TEMPLATE_KEYS:
            raise DomainError("bad_request", f"未知的模板字段 {key} / unknown template key")
        if key == "copies":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
                raise DomainError("bad_request", "份数应为 1–10 / copies must be 1-10")
        elif not isinstance(value, str) or len(value) > 1000:
            raise DomainError("bad_request", f"模板字段 {key} 无效 / template field {key}")
        out[key] = value
    return out


async def effective_template(session: AsyncSession, org_id: str | None) -> dict[str, Any]:
    """The built-in template, overridden root first by each ancestor that sets keys."""
    template = dict(DEFAULT_TEMPLATE)
    nearest_name = ""
    path = await session.scalar(select(Organisation.path).where(Organisation.id == org_id))
    if org_id and path:
        ancestors = [a for a in path.split("/") if a]
        rows = {
            o.id: o
            for o in await session.scalars(
                select(Organisation).where(Organisation.id.in_(ancestors))
            )
        }
        for ancestor in ancestors:
            org = rows.get(ancestor)
            if org is None:
                continue
            nearest_name = org.name
            template.update(org.agreement_template or {})
    if not template["committee"]:
        template["committee"] = (
            f"{nearest_name}人民调解委员会" if nearest_name else "人民调解委员会"
        )
    return template


async def do_set_agreement_template(
    session: AsyncSession,
    subject: Subject,
    org_id: str,
    template: dict[str, Any] | None,
    ip: str | None = None,
) -> Organisation:
    org = await access_organisation_by_id(session, subject, org_id, policy.ORG_MANAGE)
    org.agreement_template = check_template(template) if template else None
    await do_append_audit(
        session,
        actor=subject.id,
        action="org.agreement_template",
        target=f"org:{org.id}",
        ip=ip,
        detail={"template": org.agreement_template},
    )
    return org


def draft(
    template: dict[str, Any],
    *,
    case: Case | None,
    present: list[dict[str, str]],
    mediator: str,
    minutes: str,
    today: dt.date,
) -> dict[str, Any]:
    """The agreement a mediator starts editing: the parties from the case (and
    whoever is in the room), the case's subject as the dispute, the minutes as
    notes, empty terms."""
    parties: list[dict[str, str]] = []
    seen: set[str] = set()
    for p in [*(case.parties if case else []), *present]:
        name = str(p.get("name", "")).strip()
        if name and name not in seen:
            seen.add(name)
            parties.append({"name": name, "details": str(p.get("details", ""))[:200]})
    facts = ""
    if case is not None:
        facts = f"{case.type}：{case.title}。"
    return {
        "title": template["title"],
        "committee": template["committee"],
        "caseNumber": case.number if case else "",
        "parties": parties[:MAX_PARTIES],
        "facts": facts,
        "terms": "",
        "performance": "",
        "notes": minutes[:MAX_SECTION_CHARS],
        "closing": template["closing"],
        "copies": template["copies"],
        "mediator": mediator,
        "date": f"{today.year}年{today.month}月{today.day}日",
    }


def check_content(content: Any) -> dict[str, Any]:
    """An agreement as the mediator sends it to be signed: the draft's keys,
    strings of bounded length, terms not empty."""
    if not isinstance(content, dict):
        raise DomainError("bad_request", "协议书格式错误 / content must be an object")
    out: dict[str, Any] = {}
    for key in ("title", "committee", "caseNumber", "closing", "mediator", "date"):
        value = content.get(key, "")
        if not isinstance(value, str) or len(value) > 1000:
            raise DomainError("bad_request", f"字段 {key} 无效 / field {key}")
        out[key] = value.strip()
    for key, _ in SECTIONS:
        value = content.get(key, "")
        if not isinstance(value, str) or len(value) > MAX_SECTION_CHARS:
            raise DomainError("bad_request", f"字段 {key} 无效 / field {key}")
        out[key] = value.strip()
    if not out["terms"]:
        raise DomainError("bad_request", "请填写协议内容 / the agreed terms are empty")
    copies = content.get("copies", 3)
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= 10:
        raise DomainError("bad_request", "份数应为 1–10 / copies must be 1-10")
    out["copies"] = copies
    parties = content.get("parties", [])
    if not isinstance(parties, list) or not 1 <= len(parties) <= MAX_PARTIES:
        raise DomainError("bad_request", "当事人列表无效 / parties must be a list")
    out["parties"] = []
    for p in parties:
        if not isinstance(p, dict) or not isinstance(p.get("name"), str) or not p["name"].strip():
            raise DomainError("bad_request", "当事人须有姓名 / every party needs a name")
        details = p.get("details", "")
        if not isinstance(details, str) or len(details) > 200 or len(p["name"]) > 50:
            raise DomainError("bad_request", "当事人信息过长 / party details too long")
        out["parties"].append({"name": p["name"].strip(), "details": details.strip()})
    return out
