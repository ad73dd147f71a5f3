"""Only paths on this site are followed after sign-in or an inbox action."""

from __future__ import annotations

import pytest

from web.shared.redirects import safe_next, same_site_referrer


@pytest.mark.parametrize("target", ["/", "/tasks/3?page=2&due=overdue", "/owner/"])
def test_site_paths_are_kept(target):
    assert safe_next(target, "/home") == target


@pytest.mark.parametrize("target", [None, "", "//evil.example", "/\t/evil.example", "/%09/x\n", "/\\evil.example",
                                    "https://evil.example/", "javascript:alert(1)", "tasks", "/a\r\nSet-Cookie: x"])
def test_other_hosts_and_odd_characters_fall_back(target):
    assert safe_next(target, "/home") == "/home"


def test_a_referrer_must_come_from_this_site():
    assert same_site_referrer("http://localhost/?due=overdue", "http://localhost/", "/") == "/?due=overdue"
    assert same_site_referrer("https://evil.example/x", "http://localhost/", "/") == "/"
    assert same_site_referrer(None, "http://localhost/", "/") == "/"
