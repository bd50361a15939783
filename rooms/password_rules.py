"""What makes a staff password acceptable: at least 10 characters, not one of the
passwords people pick first (a short list, checked ignoring case), and not the
username (nor containing it). Pure: no I/O, no hashing.

    problem = weak_password("admin1234567", username="admin")   # -> a DomainError-ready pair
"""

from __future__ import annotations

MIN_LENGTH = 10

# Lists of leaked passwords (Chinese and international sites) start with these; only
# those of MIN_LENGTH or more matter, the length rule refuses the others.
COMMON = frozenset(
    {
        "1234567890",
        "0123456789",
        "12345678910",
        "123456789a",
        "a123456789",
        "123456789q",
        "q123456789",
        "1234567890a",
        "a1234567890",
        "abcd123456",
        "abc1234567",
        "1234qwerty",
        "qwerty1234",
        "qwertyuiop",
        "1qaz2wsx3edc",
        "1q2w3e4r5t",
        "1q2w3e4r5t6y",
        "q1w2e3r4t5",
        "zaq12wsxcde3",
        "asdfghjkl;",
        "asdfghjkl1",
        "zxcvbnm123",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "p@ssw0rd123",
        "p@ssword123",
        "iloveyou123",
        "woaini1314",
        "woaini520",
        "woaini1314520",
        "5201314520",
        "1314520520",
        "aaaaaaaaaa",
        "1111111111",
        "0000000000",
        "8888888888",
        "6666666666",
        "1122334455",
        "1234512345",
        "9876543210",
        "0987654321",
        "administrator",
        "admin12345",
        "admin123456",
        "admin@123456",
        "root123456",
        "changeme123",
        "welcome123",
        "letmein123",
        "mediation123",
        "tiaojie123",
        "tiaojie123456",
        "sifaju123456",
    }
)


def weak_password(password: str, *, username: str = "") -> str | None:
    """None when acceptable, else why not (Chinese / English, for the person typing it)."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 位 / the password needs {MIN_LENGTH} or more characters"
    folded = password.casefold()
    if folded in COMMON or len(set(folded)) <= 2:
        return "密码太常见，容易被猜到，请换一个 / a common password, easy to guess: choose another"
    name = username.strip().casefold()
    if name and (folded == name or (len(name) >= 3 and name in folded)):
        return "密码不能包含用户名 / the password must not contain the username"
    return None
