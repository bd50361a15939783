"""Staff passwords: long enough, not common, not the username."""

import pytest

from rooms.password_rules import MIN_LENGTH, weak_password


@pytest.mark.parametrize(
    ("password", "username", "why"),
    [
        ("short-1", "", "至少"),
        ("x" * (MIN_LENGTH - 1), "", "至少"),
        ("1234567890", "", "常见"),
        ("QwertyUIOP", "", "常见"),  # ignoring case
        ("woaini1314", "", "常见"),
        ("ababababab", "", "常见"),  # two characters over and over
        ("mediator-east", "mediator-east", "用户名"),
        ("mediator-east-2026", "Mediator-East", "用户名"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, username: str, why: str) -> None:
    problem = weak_password(password, username=username)
    assert problem is not None and why in problem and " / " in problem  # Chinese / English


def test_a_good_password_passes() -> None:
    assert weak_password("青山绿水2026-调解", username="mediator-east") is None
    assert weak_password("correct horse battery", username="ab") is None  # a short username
