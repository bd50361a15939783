from __future__ import annotations

import hashlib

import pytest

from recorder.chain import Chain, ChainEntry, HashUnavailable, check_algorithm, genesis


def test_chain_commits_to_every_field_in_order():
    entry = ChainEntry(0, "00" * 32, 1763800000.25, 0.5, "t01")
    base = Chain("sha256", "rec-1")
    head = base.extend(entry)
    variants = [
        ChainEntry(1, "00" * 32, 1763800000.25, 0.5, "t01"),
        ChainEntry(0, "01" * 32, 1763800000.25, 0.5, "t01"),
        ChainEntry(0, "00" * 32, 1763800000.26, 0.5, "t01"),
        ChainEntry(0, "00" * 32, 1763800000.25, 0.6, "t01"),
        ChainEntry(0, "00" * 32, 1763800000.25, 0.5, "t02"),
    ]
    assert all(Chain("sha256", "rec-1").extend(v) != head for v in variants)
    assert Chain("sha256", "rec-2").extend(entry) != head  # tied to the recording
    assert entry.link("sha256", genesis("sha256", "rec-1")) == head


def test_sm3_is_used_when_openssl_provides_it_else_refused_by_name():
    if "sm3" in hashlib.algorithms_available:
        head = Chain("sm3", "rec-1").extend(ChainEntry(0, "00" * 32, 1.0, 1.0, "t01"))
        assert len(head) == 64
        assert head != Chain("sha256", "rec-1").extend(ChainEntry(0, "00" * 32, 1.0, 1.0, "t01"))
    else:
        with pytest.raises(HashUnavailable, match="sm3 is not provided by this OpenSSL"):
            check_algorithm("sm3")


def test_unknown_algorithm_is_refused():
    with pytest.raises(HashUnavailable, match="md5"):
        check_algorithm("md5")
