"""What sealing a mediation agreement costs: making its PDF (fpdf2, Noto Serif CJK,
embedded and subset) and sealing it (hash chain + Ed25519), against a baseline made
in the same run: the same layout with a Latin core font (no font to parse or embed).

Each measurement is a fresh process (as the hub's worker process is on first use,
fonts not yet parsed): we report the median wall time over the runs, CPU seconds,
the PDF's size and the ratio to the baseline.

    python benchmarks/agreement_pdf.py            # 5 runs each
    python benchmarks/agreement_pdf.py --smoke    # CI: one run each

The machine is shared and noisy: compare the ratios and the CPU time, not wall seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONTENT: dict[str, Any] = {
    "title": "人民调解协议书",
    "committee": "东城街道花园社区人民调解委员会",
    "caseNumber": "330101001-2026-00001-08ff",
    "parties": [
        {"name": "张三", "details": "男，1958年生，住东城街道花园社区3栋502室"},
        {"name": "李四", "details": "女，1975年生，住东城街道花园社区3栋602室"},
    ],
    "facts": "邻里纠纷：楼上漏水。2026年10月起，李四家卫生间漏水，致张三家天花板受损。",
    "terms": "一、李四于2026年12月31日前一次性赔偿张三维修费人民币3000元。",
    "performance": "银行转账，2026年12月31日前履行完毕。",
    "closing": "本协议书自各方当事人签名、人民调解员签名并加盖人民调解委员会印章之日起生效。",
    "copies": 3,
    "mediator": "东城调解员",
    "date": "2026年11月27日",
}


def one_run(kind: str, out: Path) -> dict[str, Any]:
    """In this (fresh) process: make and seal one agreement; print figures as JSON."""
    import io
    import os
    import time

    from PIL import Image, ImageDraw

    def png(seed: int) -> bytes:
        image = Image.new("RGBA", (600, 200), (255, 255, 255, 0))
        ImageDraw.Draw(image).line(
            [(40, 150), (160 + seed * 20, 40), (300, 160), (520, 60)], fill="black", width=6
        )
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        return buffer.getvalue()

    start, cpu = time.perf_counter(), os.times()
    if kind == "cjk":
        from recorder.agreement_pdf import SignatureImage
        from recorder.document_evidence import seal_agreement

        signatures = [
            SignatureImage(n, "party", png(i), "2026-11-27 10:05") for i, n in enumerate("AB")
        ]
        sealed = seal_agreement(
            out, "sha256", CONTENT, signatures, {"kind": "benchmark"}, "benchmark"
        )
        size = (sealed.directory / "agreement.pdf").stat().st_size
    else:  # the baseline: the same lines in a Latin core font, nothing to embed
        from fpdf import FPDF

        pdf = FPDF(format="A4")
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        for line in ["Mediation agreement", "Case 330101001-2026-00001", *(["x" * 60] * 20)]:
            pdf.multi_cell(pdf.epw, 7, line, new_x="LMARGIN", new_y="NEXT")
        for i in range(2):
            pdf.image(io.BytesIO(png(i)), w=80)
        data = io.BytesIO()
        pdf.output(data)
        size = len(data.getvalue())
    after = os.times()
    return {
        "wall_s": time.perf_counter() - start,
        "cpu_s": (after.user - cpu.user) + (after.system - cpu.system),
        "bytes": size,
    }


def measure(kind: str, runs: int) -> list[dict[str, Any]]:
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(
                [sys.executable, __file__, "--one", kind, "--out", tmp],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one run each (CI)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--one", choices=("cjk", "latin"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one, args.out)))
        return 0
    runs = 1 if args.smoke else args.runs
    figures = {kind: measure(kind, runs) for kind in ("latin", "cjk")}
    median = {
        kind: {key: statistics.median(r[key] for r in rows) for key in ("wall_s", "cpu_s", "bytes")}
        for kind, rows in figures.items()
    }
    base, ours = median["latin"], median["cjk"]
    print(f"agreement PDF, median of {runs} run(s), a fresh process each:")
    print(
        f"  baseline (Latin core font): {base['wall_s']:.2f} s wall, {base['cpu_s']:.2f} s CPU,"
        f" {base['bytes'] / 1024:.0f} KiB"
    )
    print(
        f"  ours (Noto Serif CJK subset + seal): {ours['wall_s']:.2f} s wall,"
        f" {ours['cpu_s']:.2f} s CPU, {ours['bytes'] / 1024:.0f} KiB"
    )
    print(
        f"  ratio: {ours['wall_s'] / max(base['wall_s'], 1e-6):.1f}x the baseline's wall time,"
        f" {ours['cpu_s'] / max(base['cpu_s'], 1e-6):.1f}x its CPU time"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
