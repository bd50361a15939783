"""The mediation agreement (调解协议书) as a PDF: fpdf2 with Debian's Noto Serif CJK
(embedded, subset), the signers' finger signatures as images.

CPU-bound (parsing and subsetting a CJK font takes about 2 s of a core): run it in a
worker process (signaling.agreement_events), never on the media loop. One font only:
headings are the same face, larger (a bold CJK face would double the time).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/noto-cjk"))
SERIF = "NotoSerifCJK-Regular.ttc"
SC_INDEX = 2  # Simplified Chinese in Noto's CJK collections
SECTIONS = (
    ("facts", "一、纠纷主要事实、争议事项及各方责任"),
    ("terms", "二、经调解，各方自愿达成如下协议"),
    ("performance", "三、履行方式、期限"),
)


class FontMissing(Exception):
    """Noto CJK is not installed (Debian: fonts-noto-cjk)."""


@dataclass(frozen=True)
class SignatureImage:
    name: str
    role: str  # "party", "mediator", ...
    png: bytes
    signed_at: str  # shown under the signature


def font_path(name: str) -> Path:
    for directory in FONT_DIRS:
        if (directory / name).is_file():
            return directory / name
    raise FontMissing(f"{name} not found: install Debian's fonts-noto-cjk")


def render(content: dict[str, Any], signatures: list[SignatureImage], footer: str = "") -> bytes:
    """The agreement's PDF bytes (A4, portrait)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(22, 20, 22)
    pdf.add_font("serif", fname=str(font_path(SERIF)), collection_font_number=SC_INDEX)
    pdf.set_title(str(content.get("title", "人民调解协议书")))
    pdf.set_creator("mediation-hub")
    if footer:
        _footer(pdf, footer)
    pdf.add_page()
    width = pdf.epw

    pdf.set_font("serif", size=22)
    pdf.cell(
        width,
        12,
        str(content.get("title", "人民调解协议书")),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("serif", size=10)
    number = str(content.get("caseNumber", ""))
    if number:
        pdf.cell(width, 7, f"案号：{number}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    _heading(pdf, "当事人")
    pdf.set_font("serif", size=12)
    for index, party in enumerate(content.get("parties", []), start=1):
        details = f"，{party['details']}" if party.get("details") else ""
        pdf.multi_cell(
            width, 7, f"当事人{index}：{party['name']}{details}", new_x="LMARGIN", new_y="NEXT"
        )
    pdf.ln(2)
    for key, title in SECTIONS:
        _heading(pdf, title)
        pdf.set_font("serif", size=12)
        pdf.multi_cell(
            width, 7, str(content.get(key, "")) or "（无）", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.ln(2)
    pdf.set_font("serif", size=12)
    copies = content.get("copies", 3)
    closing = f"{content.get('closing', '')}本协议书一式{copies}份，"
    pdf.multi_cell(
        width,
        7.5,
        closing + "当事人各执一份，人民调解委员会留存一份。",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)

    _heading(pdf, "签名")
    _signatures(pdf, signatures)
    pdf.ln(2)
    if pdf.get_y() + 26 > pdf.page_break_trigger:  # the closing lines stay together
        pdf.add_page()
    pdf.set_font("serif", size=12)
    pdf.cell(width, 8, f"人民调解员：{content.get('mediator', '')}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        width,
        8,
        f"调解组织：{content.get('committee', '')}（印章）",
        align="R",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(width, 8, str(content.get("date", "")), align="R", new_x="LMARGIN", new_y="NEXT")
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue()


def _heading(pdf: Any, text: str) -> None:
    pdf.set_font("serif", size=14)
    pdf.cell(pdf.epw, 9, text, new_x="LMARGIN", new_y="NEXT")


def _signatures(pdf: Any, signatures: list[SignatureImage]) -> None:
    """Two signatures per row: the image, then name, role and time under it."""
    roles = {"party": "当事人", "guest": "当事人", "mediator": "人民调解员"}
    box_w, box_h, gap = (pdf.epw - 10) / 2, 20.0, 10.0
    for index, signature in enumerate(signatures):
        column = index % 2
        if column == 0:
            if pdf.get_y() + box_h + 14 > pdf.h - 20:
                pdf.add_page()
            top = pdf.get_y()
        x = pdf.l_margin + column * (box_w + gap)
        pdf.image(io.BytesIO(signature.png), x=x, y=top, h=box_h, keep_aspect_ratio=True, w=box_w)
        pdf.set_draw_color(150, 150, 150)
        pdf.line(x, top + box_h + 1, x + box_w, top + box_h + 1)
        pdf.set_xy(x, top + box_h + 2)
        pdf.set_font("serif", size=9)
        role = roles.get(signature.role, signature.role)
        pdf.multi_cell(
            box_w,
            5,
            f"{role}：{signature.name}\n签于 {signature.signed_at}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        if column == 1 or index == len(signatures) - 1:
            pdf.set_y(top + box_h + 13)


def _footer(pdf: Any, text: str) -> None:
    def footer() -> None:
        pdf.set_y(-14)
        pdf.set_font("serif", size=8)
        pdf.set_text_color(110, 110, 110)
        pdf.cell(0, 6, f"{text}    第 {pdf.page_no()} 页", align="C")
        pdf.set_text_color(0, 0, 0)

    pdf.footer = footer
