"""mediation-hub evidence list|verify|export|pubkey|recover: recordings as evidence."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from hub.cmd_serve import add_common, config_from_args


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("evidence", help="list, verify and export sealed recordings")
    ev = p.add_subparsers(dest="evidence_command", required=True)

    ls = ev.add_parser("list", help="recordings in the data dir")
    add_common(ls)
    ls.add_argument("--room", help="only recordings of this room")
    ls.set_defaults(func=run_list)

    vf = ev.add_parser(
        "verify",
        help="check a recording dir or exported zip offline",
        description="Exit status: 0 verified (intact and signed by the trusted key); "
        "1 failed; 2 no usable trusted key; 3 intact but signed by a key nobody said to "
        "trust (no --pubkey or --data-dir given): not verified.",
    )
    vf.add_argument("source", type=Path, help="recording directory or export zip")
    vf.add_argument("--pubkey", type=Path, help="trusted public key (PEM) the signer must match")
    vf.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="trust this install's evidence key (in DATA_DIR/evidence) when no --pubkey",
    )
    vf.add_argument("--tsa-ca", type=Path, help="TSA CA certificate: also run openssl ts -verify")
    vf.add_argument("--lang", choices=("zh", "en", "both"), default="both")
    vf.set_defaults(func=run_verify)

    ex = ev.add_parser("export", help="bundle a recording and its verification report as a zip")
    add_common(ex)
    ex.add_argument("recording_id")
    ex.add_argument("out", type=Path, help="output .zip")
    ex.set_defaults(func=run_export)

    pk = ev.add_parser("pubkey", help="print the install's evidence public key (PEM)")
    add_common(pk)
    pk.set_defaults(func=run_pubkey)

    rc = ev.add_parser("recover", help="close recordings left running by a crash as interrupted")
    add_common(rc)
    rc.set_defaults(func=run_recover)


def _recordings(args: argparse.Namespace) -> Path:
    from recorder.store import recordings_dir

    return recordings_dir(config_from_args(args).server.data_dir)


def run_list(args: argparse.Namespace) -> int:
    from recorder.store import list_recordings

    rows = list_recordings(_recordings(args), room=args.room)
    print(
        f"{'id':<28} {'room':<16} {'state':<12} {'start (UTC)':<20} {'duration':>9} {'segments':>8}"
    )
    for r in rows:
        start = datetime.fromtimestamp(r.started_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        row = f"{r.id:<28} {r.room:<16} {r.state:<12} {start:<20}"
        print(f"{row} {r.duration_s:>8.1f}s {r.segments:>8}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Verified means signed by a key the caller trusts: --pubkey, or the data dir's
    own key with --data-dir. Without either a self-consistent bundle is reported as
    signed by an UNTRUSTED key (exit 3), never as intact."""
    from recorder.signing import trusted_public_key
    from recorder.verify import verify

    trusted: bytes | None = None
    try:
        if args.pubkey:
            trusted = args.pubkey.read_bytes()
        elif args.data_dir is not None:
            trusted = trusted_public_key(args.data_dir)
            if trusted is None:
                print(
                    f"{args.data_dir} 中没有证据密钥 / no evidence key in {args.data_dir}",
                    file=sys.stderr,
                )
                return 2
    except (OSError, ValueError) as exc:
        print(f"无法读取受信任公钥 / cannot read the trusted key: {exc}", file=sys.stderr)
        return 2
    report = verify(args.source, trusted_key=trusted, tsa_ca=args.tsa_ca)
    langs = ("zh", "en") if args.lang == "both" else (args.lang,)
    print("\n\n".join(report.text(lang) for lang in langs))
    if report.verified:
        return 0
    return 3 if report.ok and trusted is None else 1


def run_export(args: argparse.Namespace) -> int:
    from recorder.export import ExportError, export_recording

    directory = _recordings(args) / args.recording_id
    if not directory.is_dir() or "/" in args.recording_id or args.recording_id.startswith("."):
        print(f"no recording {args.recording_id!r}", file=sys.stderr)
        return 2
    from recorder.signing import load_or_create_signing_key, public_key_pem

    key = load_or_create_signing_key(config_from_args(args).server.data_dir)
    try:
        export_recording(
            directory, args.out, progress=sys.stderr, trusted_key=public_key_pem(key.public_key())
        )
    except ExportError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(args.out)
    return 0


def run_pubkey(args: argparse.Namespace) -> int:
    from recorder.signing import fingerprint, load_or_create_signing_key, public_key_pem

    key = load_or_create_signing_key(config_from_args(args).server.data_dir)
    sys.stdout.write(public_key_pem(key.public_key()).decode())
    print(f"# SHA-256 fingerprint: {fingerprint(key.public_key())}")
    return 0


def run_recover(args: argparse.Namespace) -> int:
    from recorder.recovery import recover_interrupted
    from recorder.signing import load_or_create_signing_key

    config = config_from_args(args)
    key = load_or_create_signing_key(config.server.data_dir)
    ids = asyncio.run(recover_interrupted(_recordings(args), key, config.recorder.tsa_url))
    for rid in ids:
        print(f"{rid}: interrupted, sealed")
    return 0
