"""find_pointers and join_wrapped_urls on real-looking reply text."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relbot.core.replies.pointers import (
    Pointer,
    PointerKind,
    classify_url,
    find_pointers,
    join_wrapped_urls,
    looks_like_message_id,
)

K = PointerKind
LORE_ID = "20240503165440.12345-1-roger.pau@example.com"


def one(text: str, **kwargs: tuple[str, ...]) -> Pointer:
    found = find_pointers(text, **kwargs)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("url", "kind", "message_id"),
    [
        (f"https://lore.kernel.org/xen-devel/{LORE_ID}/", K.ARCHIVE, LORE_ID),
        (f"https://lore.kernel.org/xen-devel/{LORE_ID}/T/#t", K.ARCHIVE, LORE_ID),
        (f"https://lore.kernel.org/xen-devel/{LORE_ID}/T/#m3a1b2c4d5e", K.ARCHIVE, LORE_ID),
        (f"https://lore.kernel.org/all/{LORE_ID}", K.ARCHIVE, LORE_ID),
        (f"https://lkml.kernel.org/r/{LORE_ID}", K.ARCHIVE, LORE_ID),
        (
            "https://lore.kernel.org/xen-devel/CAKf6xps%2BAbc%3DXy%40mail.gmail.com/",
            K.ARCHIVE,
            "CAKf6xps+Abc=Xy@mail.gmail.com",
        ),
        (
            "https://patchew.org/Xen/cover.1712345678.git.oleksii@example.com/",
            K.PATCHEW,
            "cover.1712345678.git.oleksii@example.com",
        ),
        (
            "https://patchew.org/Xen/cover.1712345678.git.o@example.com/"
            "20240405.1-2-o@example.com/",
            K.PATCHEW,
            "20240405.1-2-o@example.com",
        ),
        ("http://lists.xen.org/archives/html/xen-devel/2012-03/msg00976.html", K.MAILMAN, ""),
        (
            "https://lists.xenproject.org/archives/html/xen-devel/2024-02/msg00012.html",
            K.MAILMAN,
            "",
        ),
        ("https://lists.xen.org/pipermail/xen-devel/2012-March/012345.html", K.MAILMAN, ""),
        (
            "https://lists.example.org/archives/list/devel@lists.example.org/message/ABCDEF/",
            K.MAILMAN,
            "",
        ),
        ("https://marc.info/?l=xen-devel&m=133112345678901&w=2", K.MAILMAN, ""),
        ("https://bugzilla.redhat.com/show_bug.cgi?id=2260512", K.BUG, ""),
        ("https://issues.redhat.com/browse/RHEL-12345", K.BUG, ""),
        ("https://gitlab.com/xen-project/xen/-/issues/189", K.BUG, ""),
        ("https://github.com/QubesOS/qubes-issues/issues/8812", K.BUG, ""),
        ("https://bugs.launchpad.net/ubuntu/+source/xen/+bug/2041234", K.BUG, ""),
        ("https://bugs.xenproject.org/xen/bug/28", K.BUG, ""),
        ("https://gitlab.com/xen-project/xen/-/merge_requests/12", K.PATCH, ""),
        ("https://github.com/xen-project/xen/pull/7", K.PATCH, ""),
        ("https://wiki.xenproject.org/wiki/Xen_Project_4.19_Release_Notes", K.URL, ""),
        ("https://user@example.org/plain/page", K.URL, ""),
    ],
)
def test_url_kinds(url: str, kind: PointerKind, message_id: str) -> None:
    pointer = one(f"see {url} please")
    assert (pointer.kind, pointer.url, pointer.value, pointer.message_id) == (
        kind,
        url,
        url,
        message_id,
    )


@pytest.mark.parametrize(
    ("url", "commit"),
    [
        ("https://xenbits.xen.org/gitweb/?p=xen.git;a=commit;h=4d2e1b0c9a87", "4d2e1b0c9a87"),
        (
            "https://github.com/xen-project/xen/commit/0123456789abcdef01234567",
            "0123456789abcdef01234567",
        ),
        ("https://gitlab.com/xen-project/xen/-/commit/abcdef0123456", "abcdef0123456"),
        (
            "https://git.kernel.org/pub/scm/linux/kernel/git/x/y.git/commit/?id=0a1b2c3d4e5f",
            "0a1b2c3d4e5f",
        ),
    ],
)
def test_commit_urls(url: str, commit: str) -> None:
    pointer = one(url)
    assert (pointer.kind, pointer.value, pointer.url) == (K.COMMIT, commit, url)


@pytest.mark.parametrize(
    ("text", "url"),
    [
        (
            f"(https://lore.kernel.org/xen-devel/{LORE_ID}/)",
            f"https://lore.kernel.org/xen-devel/{LORE_ID}/",
        ),
        ("[https://example.org/a]", "https://example.org/a"),
        ("see https://example.org/a.", "https://example.org/a"),
        ("see https://example.org/a, and", "https://example.org/a"),
        ("<https://example.org/a>", "https://example.org/a"),
        (
            "(see https://en.wikipedia.org/wiki/Foo_(bar))",
            "https://en.wikipedia.org/wiki/Foo_(bar)",
        ),
        ('"https://example.org/a"', "https://example.org/a"),
        ("https://example.org/a/).", "https://example.org/a/"),
    ],
)
def test_url_trailing_punctuation(text: str, url: str) -> None:
    assert one(text).url == url


def test_lore_trailing_slash_kept_in_url_not_in_message_id() -> None:
    pointer = one(f"https://lore.kernel.org/xen-devel/{LORE_ID}/")
    assert pointer.url.endswith("/")
    assert pointer.message_id == LORE_ID


@pytest.mark.parametrize(
    "msgid",
    [
        "5b5d6b2a-1234-4321-abcd-1234567890ab@suse.com",
        "CAKf6xpuW2tz=Xy+abc@mail.gmail.com",
        "alpine.DEB.2.22.394.2402051234560.123@ubuntu-linux-20-04-desktop",
        "cover.1712345678.git.oleksii@example.com",
        "20240503165440.12345-1-roger@example.com",
        "E1rXabc-0001Xy-2p@host.example.org",
        "$abc@example.org",
    ],
)
def test_message_ids_in_angle_brackets(msgid: str) -> None:
    pointer = one(f"This was discussed in <{msgid}>.")
    assert (pointer.kind, pointer.value, pointer.message_id) == (K.MESSAGE_ID, msgid, msgid)


@pytest.mark.parametrize(
    "text",
    [
        "Jan Beulich <jbeulich@suse.com>",
        "please ask <andrew.cooper3@citrix.com>",
        "From: Someone <20240503165440.12345@example.com>",
        "Signed-off-by: Roger <roger.pau20240503@citrix.com>",
        "On Mon, 5 Feb 2024, Stefano <sstabellini123456@kernel.org> wrote:",
    ],
)
def test_addresses_are_not_message_ids(text: str) -> None:
    assert find_pointers(text) == ()


def test_short_id_counts_on_an_id_line() -> None:
    assert one("In-Reply-To: <abc@x.org>").message_id == "abc@x.org"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("jbeulich@suse.com", False),
        ("xen-devel@lists.xenproject.org", False),
        ("20240503165440.12345@example.com", True),
        ("abc@localhost", True),
    ],
)
def test_looks_like_message_id(value: str, expected: bool) -> None:
    assert looks_like_message_id(value) is expected


@pytest.mark.parametrize(
    ("text", "commit", "title"),
    [
        (
            'Fixes: 0123456789ab ("x86/shadow: fix foo (again)")',
            "0123456789ab",
            "x86/shadow: fix foo (again)",
        ),
        ('committed as abcdef1 ("tools: fix bar").', "abcdef1", "tools: fix bar"),
        ("commit abcdef1234 x86: fix", "abcdef1234", "x86: fix"),
        ("Commit 0a1b2c3d4e5f6a7b: xen/arm: tidy", "0a1b2c3d4e5f6a7b", "xen/arm: tidy"),
        ("commit abcdef1234 is in staging now", "abcdef1234", ""),
        ("went in as 9f8e7d6c5b4a3f2e1d0c", "9f8e7d6c5b4a3f2e1d0c", ""),
    ],
)
def test_commits(text: str, commit: str, title: str) -> None:
    pointer = one(text)
    assert (pointer.kind, pointer.value, pointer.title) == (K.COMMIT, commit, title)


@pytest.mark.parametrize(
    "text",
    [
        "deadbeef",  # a word, too short to be a bare hash
        "the address 0xffff82d040000000 faulted",
        "dated 20240503165440",
        "sha256 " + "ab12" * 16,
        "uuid 5b5d6b2a-1234-4321-abcd-1234567890ab",
        "xen-4.18 and ABC-12",
    ],
)
def test_not_pointers(text: str) -> None:
    assert find_pointers(text) == ()


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("fixed by XSA-449.", K.ADVISORY, "XSA-449"),
        ("see xsa-12", K.ADVISORY, "XSA-12"),
        ("CVE-2024-31142 applies", K.ADVISORY, "CVE-2024-31142"),
        ("tracked as XEN-28.", K.TRACKER, "XEN-28"),
        ("bug #1234 again", K.BUG, "bug #1234"),
    ],
)
def test_ids(text: str, kind: PointerKind, value: str) -> None:
    pointer = one(text, tracker_prefixes=("XEN",))
    assert (pointer.kind, pointer.value) == (kind, value)


def test_tracker_ids_need_a_prefix() -> None:
    assert find_pointers("tracked as XEN-28") == ()
    assert find_pointers("XEN-28 and XEN-4.18", tracker_prefixes=("XEN",)) == (
        Pointer(K.TRACKER, "XEN-28"),
    )


@pytest.mark.parametrize(
    ("text", "value", "title"),
    [
        ("[PATCH v2 0/5] x86: do things", "[PATCH v2 0/5] x86: do things", "x86: do things"),
        (
            "  * [PATCH v3 00/12] arm: MPU support [",
            "[PATCH v3 00/12] arm: MPU support",
            "arm: MPU support",
        ),
        ("Re: [XEN PATCH for-4.19] tools: fix", "[XEN PATCH for-4.19] tools: fix", "tools: fix"),
        ("[RFC PATCH 1/3] xen: idea", "[RFC PATCH 1/3] xen: idea", "xen: idea"),
        ("[PULL   v2] qemu   stuff", "[PULL v2] qemu   stuff", "qemu   stuff"),
    ],
)
def test_patch_subjects(text: str, value: str, title: str) -> None:
    pointer = one(text)
    assert (pointer.kind, pointer.value, pointer.title) == (K.PATCH, value, title)


def test_2024_status_item_with_url_on_its_own_line() -> None:
    text = (
        "  * [PATCH v3 00/12] arm: MPU support [\n"
        "https://lore.kernel.org/xen-devel/cover.1712345678.git.a@example.com/\n"
        "]\n"
    )
    kinds = [(p.kind, p.message_id) for p in find_pointers(text)]
    assert kinds == [(K.PATCH, ""), (K.ARCHIVE, "cover.1712345678.git.a@example.com")]


def test_order_and_dedupe() -> None:
    url = f"https://lore.kernel.org/xen-devel/{LORE_ID}/"
    text = (
        f"XSA-1 then <{LORE_ID}> then {url} then {url}T/#t and XSA-1 again,\n"
        'commit 0123456789ab, i.e. 0123456789abcdef ("x86: fix it").'
    )
    assert find_pointers(text) == (
        Pointer(K.ADVISORY, "XSA-1"),
        Pointer(K.ARCHIVE, url, url=url, message_id=LORE_ID),
        Pointer(K.COMMIT, "0123456789abcdef", title="x86: fix it"),
    )


def test_url_is_not_also_read_as_commit_or_message_id() -> None:
    url = "https://xenbits.xen.org/gitweb/?p=xen.git;a=shortlog;h=refs/heads/staging"
    assert classify_url(url).kind is K.URL
    assert [p.kind for p in find_pointers(f"{url} <{LORE_ID}>")] == [K.URL, K.MESSAGE_ID]


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (
            ["see http://lists.xen.org/archives/html/xen-devel/2018-", "> 09/msg00976.html"],
            ("see http://lists.xen.org/archives/html/xen-devel/2018-09/msg00976.html",),
        ),
        (
            ["see http://lists.xen.org/archives/html/xen-devel/2018-", "09/msg00976.html for it"],
            ("see http://lists.xen.org/archives/html/xen-devel/2018-09/msg00976.html", "for it"),
        ),
        (
            [
                "The series is at https://lore.kernel.org/xen-devel/20240503165440.12345-1-roger",
                "@example.com/ and it is ready.",
            ],
            (
                "The series is at https://lore.kernel.org/xen-devel/20240503165440.12345-1-roger"
                "@example.com/",
                "and it is ready.",
            ),
        ),
        (
            ["https://example.org/a/", "done."],
            ("https://example.org/a/", "done."),
        ),
        (
            ["short https://x.org/a", "b/c"],
            ("short https://x.org/a", "b/c"),
        ),
        (
            ["https://example.org/a-", "https://example.org/b"],
            ("https://example.org/a-", "https://example.org/b"),
        ),
        (
            ["https://example.org/archives/2018-", "09/", "msg1.html"],
            ("https://example.org/archives/2018-09/", "msg1.html"),
        ),
    ],
)
def test_join_wrapped_urls(lines: list[str], joined: tuple[str, ...]) -> None:
    assert join_wrapped_urls(lines) == joined


def test_wrapped_url_found_after_joining() -> None:
    lines = ["Patches: http://lists.xen.org/archives/html/xen-devel/2018-", "> 09/msg00976.html"]
    text = "\n".join(join_wrapped_urls(lines))
    assert one(text).url == "http://lists.xen.org/archives/html/xen-devel/2018-09/msg00976.html"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=1000), st.lists(st.text(max_size=5), max_size=3))
def test_find_pointers_never_raises(text: str, prefixes: list[str]) -> None:
    for pointer in find_pointers(text, tracker_prefixes=tuple(prefixes)):
        assert pointer.value


_PIECES = st.lists(
    st.sampled_from(
        [
            "https://",
            "lore.kernel.org/xen-devel/",
            "a@b",
            "%40",
            "/T/#t",
            "<",
            ">",
            "(",
            ")",
            "]",
            ".",
            " ",
            "\n> ",
            "0123456789abcdef",
            "commit ",
            '("x: y")',
            "[PATCH v2 1/2] ",
            "XSA-",
            "12",
            "patchew.org/",
            "show_bug.cgi?id=1",
        ]
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_PIECES)
def test_pointer_shaped_text_never_raises(pieces: list[str]) -> None:
    text = "".join(pieces)
    find_pointers(text)
    join_wrapped_urls(text.split("\n"))


@pytest.mark.parametrize(
    "body",
    [
        'abcdef1 ("' * 20_000,
        "<12345678@x.y> " * 20_000,
        "https://x.org/a" + ")" * 50_000,
        "From: <1@x.org>\n" * 20_000,
    ],
    ids=["open-commit-subjects", "ids-on-one-line", "closing-parens", "address-lines"],
)
def test_hostile_text_stays_fast(body: str) -> None:
    start = time.perf_counter()
    find_pointers(body, tracker_prefixes=("XEN",))
    join_wrapped_urls(body.split("\n"))
    assert time.perf_counter() - start < 5  # quadratic behaviour would take minutes
