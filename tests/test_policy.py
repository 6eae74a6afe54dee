"""Stage: who may do what (relbot.core.policy)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from test_context import SEED

from relbot.core.identity import Status, Verification
from relbot.core.people import Sender, fold_name, same_person
from relbot.core.policy import Decision, Policy, decide, is_release_manager
from relbot.core.replies.actions import Action, ActionKind
from relbot.core.settings import TrustConfig
from relbot.core.tracker.events import Event, Kind, apply_event

POLICY = Policy(
    release_managers=("Ian Campbell <ian.campbell@citrix.com>",),
    aliases={"Ian Jackson": ("ijackson@chiark.greenend.org.uk", "ian.jackson@eu.citrix.com")},
    threshold=0.8,
)


def verified(name: str, addr: str) -> Sender:
    """A sender whose mail proved its address (a DKIM signature of its domain)."""
    domain = addr.rpartition("@")[2]
    return Sender(name, addr, Verification(Status.PASS, addr.lower(), name, "dkim", domain))


def unverified(name: str, addr: str, why: str = "no DKIM signature") -> Sender:
    return Sender(name, addr, Verification(Status.FAIL, addr.lower(), name, detail=why))


BEFORE_FREEZE = dt.date(2012, 3, 30)
AFTER_FREEZE = dt.date(2012, 4, 17)


def item(words: str) -> str:
    return next(it.id for it in SEED.items if it.text.startswith(words))


SAFE_FORK = item("Safe fork")  # owner "Ian J", patches posted
SUSPEND = item("libxl_domain_suspend")  # unowned
SHUTDOWN = item("libxl_domain_{shutdown")  # done
IAN_J = verified("Ian Jackson", "ian.jackson@eu.citrix.com")
RM = verified("Ian Campbell", "Ian.Campbell@citrix.com")
OTHER = Sender("Jane Doe", "jane@example.org")


@pytest.mark.parametrize(
    ("owner", "sender", "same"),
    [
        ("Ian J", Sender("Ian Jackson", ""), True),
        ("IanJ", Sender("Ian Jackson", ""), True),
        ("Ian Jackson", Sender("ian jackson", ""), True),
        ("Ian J", Sender("", "ijackson@chiark.greenend.org.uk"), True),
        ("Ian J", Sender("Ian Campbell", ""), False),
        ("Stefano S", Sender("Stefano Stabellini", ""), True),
        ("Roger Pau MonnÃ", Sender("Roger Pau Monné", ""), True),
        ("Olaf Herring", Sender("Olaf Hering", ""), True),
        ("Tim", Sender("Tim Deegan", ""), True),
        ("George Dunlap", Sender("", "george.dunlap@eu.citrix.com"), True),
        ("George Dunlap", Sender("Jane Doe", ""), False),
        # accents and transliterations fold alike, both ways
        ("Juergen Gross", Sender("Jürgen Groß", "jgross@suse.com"), True),
        ("Jürgen Groß", Sender("Juergen Gross", ""), True),
        ("Juergen Gross", Sender("Jurgen Gross", ""), True),
        ("Roger Pau Monné", Sender("Roger Pau Monne", ""), True),
        ("Marek Marczykowski-Górecki", Sender("Marek Marczykowski-Gorecki", ""), True),
        ("Marek Marczykowski-Gorecki", Sender("Marek Marczykowski-Górecki", ""), True),
        ("Søren Bjørn", Sender("Soren Bjorn", ""), True),
        ("Juergen Gross", Sender("Gross, Juergen", ""), True),
        ("Konrad Wilk", Sender("Konrad Rzeszutek Wilk", ""), True),
        ("Jürgen Groß", Sender("Jan Beulich", "jbeulich@suse.com"), False),
        ("Roger Pau Monné", Sender("Roger Cheng", ""), False),
        ("Konrad Wilk", Sender("Konrad Rzeszutek", ""), False),
    ],
)
def test_same_person(owner: str, sender: Sender, same: bool) -> None:
    aliases = {"Ian J": ("ijackson@chiark.greenend.org.uk",)}
    assert same_person(owner, sender, aliases) is same


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Jürgen Groß", "jurgen gross"),
        ("Juergen Gross", "jurgen gross"),
        ("Roger Pau Monné", "roger pau monne"),
        ("Marczykowski-Górecki", "marczykowski-gorecki"),
        ("Mathieu Gagné", "mathieu gagne"),
        ("Jürgen Groß", fold_name("Jurgen Gross")),
    ],
)
def test_fold_name(name: str, folded: str) -> None:
    assert fold_name(name) == folded


def test_release_manager_by_address_never_by_name() -> None:
    policy = Policy(release_managers=("Juergen Gross <jgross@suse.com>",))
    assert is_release_manager(Sender("", "JGross@suse.com"), policy)
    assert not is_release_manager(Sender("Jürgen Groß", "juergen.gross@example.org"), policy)
    assert not is_release_manager(Sender("Juergen Gross", "jgross@suse.com.example"), policy)


def test_release_manager_by_address_or_alias() -> None:
    assert is_release_manager(RM, POLICY)
    assert not is_release_manager(Sender("Ian Campbell", "other@example.org"), POLICY)
    assert not is_release_manager(IAN_J, POLICY)
    aliased = Policy(
        release_managers=POLICY.release_managers,
        aliases={"Ian Campbell": ("ijc@hellion.org.uk",)},
    )
    assert is_release_manager(Sender("whoever", "ijc@hellion.org.uk"), aliased)


def act(kind: ActionKind, item_id: str | None, conf: float = 0.9, **value: object) -> Action:
    return Action(kind, item_id, value, "x", "evidence", conf, 1)


CASES = [
    (
        "RM may do anything",
        act(ActionKind.STATUS, SUSPEND, status="dropped"),
        RM,
        AFTER_FREEZE,
        Decision.APPLY,
    ),
    (
        "owner updates own item",
        act(ActionKind.STATUS, SAFE_FORK, status="done"),
        IAN_J,
        AFTER_FREEZE,
        Decision.APPLY,
    ),
    (
        "owner from an alias address",
        act(ActionKind.STATUS, SAFE_FORK, status="done"),
        verified("", "ijackson@chiark.greenend.org.uk"),
        AFTER_FREEZE,
        Decision.APPLY,
    ),
    (
        "others' status waits",
        act(ActionKind.STATUS, SAFE_FORK, status="done"),
        OTHER,
        AFTER_FREEZE,
        Decision.PENDING,
    ),
    (
        "claim of an unowned item for oneself",
        act(ActionKind.CLAIM, SUSPEND, owner="Jane Doe"),
        OTHER,
        AFTER_FREEZE,
        Decision.APPLY,
    ),
    (
        "claim for someone else waits",
        act(ActionKind.CLAIM, SUSPEND, owner="Roger"),
        OTHER,
        AFTER_FREEZE,
        Decision.PENDING,
    ),
    (
        "claim of an owned item waits",
        act(ActionKind.CLAIM, SAFE_FORK, owner="Jane Doe"),
        OTHER,
        AFTER_FREEZE,
        Decision.PENDING,
    ),
    (
        "claim already held",
        act(ActionKind.CLAIM, SAFE_FORK, owner="Ian Jackson"),
        IAN_J,
        AFTER_FREEZE,
        Decision.IGNORE,
    ),
    (
        "anyone may link",
        act(ActionKind.LINK, SAFE_FORK, url="http://x.org/1"),
        OTHER,
        AFTER_FREEZE,
        Decision.APPLY,
    ),
    (
        "anyone may point at a bug",
        act(ActionKind.CANDIDATE_BUG, None, url="http://x.org/2", title="t"),
        OTHER,
        AFTER_FREEZE,
        Decision.APPLY,
    ),
    (
        "low confidence waits, even for the RM",
        act(ActionKind.STATUS, SUSPEND, 0.5, status="done"),
        RM,
        AFTER_FREEZE,
        Decision.PENDING,
    ),
    (
        "a done item may reopen",
        act(ActionKind.STATUS, SHUTDOWN, status="patches posted"),
        RM,
        AFTER_FREEZE,
        Decision.APPLY,
    ),
    (
        "no-op status ignored",
        act(ActionKind.STATUS, SHUTDOWN, status="done"),
        RM,
        AFTER_FREEZE,
        Decision.IGNORE,
    ),
    (
        "unknown item ignored",
        act(ActionKind.STATUS, "T999", status="done"),
        RM,
        AFTER_FREEZE,
        Decision.IGNORE,
    ),
    (
        "no item waits",
        act(ActionKind.STATUS, None, status="done"),
        IAN_J,
        AFTER_FREEZE,
        Decision.PENDING,
    ),
    (
        "own new item before the freeze",
        act(ActionKind.ADD, None, text="x", owners=["Jane Doe"]),
        OTHER,
        BEFORE_FREEZE,
        Decision.APPLY,
    ),
    (
        "new item after the freeze waits",
        act(ActionKind.ADD, None, text="x", owners=["Jane Doe"]),
        OTHER,
        AFTER_FREEZE,
        Decision.PENDING,
    ),
    (
        "RM adds after the freeze",
        act(ActionKind.ADD, None, text="x"),
        RM,
        AFTER_FREEZE,
        Decision.APPLY,
    ),
    (
        "review commands are the RM's",
        act(ActionKind.ACCEPT, None, id="3"),
        OTHER,
        AFTER_FREEZE,
        Decision.IGNORE,
    ),
    ("RM accepts", act(ActionKind.ACCEPT, None, id="3"), RM, AFTER_FREEZE, Decision.APPLY),
    (
        "the RM's name from another address is nobody's",
        act(ActionKind.STATUS, SUSPEND, status="dropped"),
        verified("Ian Campbell", "ian.campbell@attacker.example"),
        AFTER_FREEZE,
        Decision.PENDING,
    ),
    (
        "the RM's name from another address may not accept",
        act(ActionKind.ACCEPT, None, id="3"),
        verified("Ian Campbell", "ian.campbell@attacker.example"),
        AFTER_FREEZE,
        Decision.IGNORE,
    ),
    (
        "an owner's name from another address is not the owner",
        act(ActionKind.STATUS, SAFE_FORK, status="done"),
        verified("Ian Jackson", "ian.jackson@attacker.example"),
        AFTER_FREEZE,
        Decision.PENDING,
    ),
]

UNVERIFIED = [
    ("RM", act(ActionKind.STATUS, SUSPEND, status="dropped"), "Ian Campbell", RM.addr),
    ("RM accepting", act(ActionKind.ACCEPT, None, id="3"), "Ian Campbell", RM.addr),
    ("RM holding", act(ActionKind.HOLD, None), "Ian Campbell", RM.addr),
    ("owner", act(ActionKind.STATUS, SAFE_FORK, status="done"), "Ian J", IAN_J.addr),
]


@pytest.mark.parametrize(
    ("role", "action", "name", "addr"), UNVERIFIED, ids=[c[0] for c in UNVERIFIED]
)
def test_powers_of_an_unverified_sender_wait(
    role: str, action: Action, name: str, addr: str
) -> None:
    sender = unverified(name, addr, "dkim=fail")
    decision, reason = decide(
        action, sender=sender, tracker=SEED, policy=POLICY, today=AFTER_FREEZE
    )
    assert decision is Decision.PENDING
    assert reason.startswith("sender not verified (") and "dkim=fail" in reason
    unchecked = Sender(name, addr)  # nothing checked at all: no better
    decision, reason = decide(
        action, sender=unchecked, tracker=SEED, policy=POLICY, today=AFTER_FREEZE
    )
    assert decision is Decision.PENDING and "not checked" in reason
    # [trust] mode = "none": the powers come back, as before verification
    trusting = Policy(
        release_managers=POLICY.release_managers,
        aliases=POLICY.aliases,
        trust=TrustConfig(mode="none"),
    )
    decision, _ = decide(
        action, sender=unchecked, tracker=SEED, policy=trusting, today=AFTER_FREEZE
    )
    assert decision is Decision.APPLY


def test_anyone_powers_need_verification_only_when_configured() -> None:
    claim = act(ActionKind.CLAIM, SUSPEND, owner="Jane Doe")
    decision, _ = decide(claim, sender=OTHER, tracker=SEED, policy=POLICY, today=AFTER_FREEZE)
    assert decision is Decision.APPLY
    strict = Policy(trust=TrustConfig(require_verified=("release_manager", "owner", "anyone")))
    decision, reason = decide(claim, sender=OTHER, tracker=SEED, policy=strict, today=AFTER_FREEZE)
    assert decision is Decision.PENDING and reason.startswith("sender not verified")
    decision, reason = decide(
        claim,
        sender=verified("Jane Doe", "jane@example.org"),
        tracker=SEED,
        policy=strict,
        today=AFTER_FREEZE,
    )
    assert decision is Decision.APPLY and "verified: dkim, example.org" in reason


@pytest.mark.parametrize(
    ("name", "action", "sender", "today", "want"), CASES, ids=[c[0] for c in CASES]
)
def test_decide(name: str, action: Action, sender: Sender, today: dt.date, want: Decision) -> None:
    decision, reason = decide(action, sender=sender, tracker=SEED, policy=POLICY, today=today)
    assert decision is want, reason
    assert reason


def test_dropped_cannot_jump_to_done() -> None:
    from dataclasses import replace

    from relbot.core.tracker.model import Status

    dropped = SEED.with_item(replace(SEED.item(SUSPEND), status=Status.DROPPED))  # type: ignore[type-var]
    decision, reason = decide(
        act(ActionKind.STATUS, SUSPEND, status="done"),
        sender=RM,
        tracker=dropped,
        policy=POLICY,
        today=AFTER_FREEZE,
    )
    assert decision is Decision.IGNORE and "cannot go from dropped to done" in reason


def test_a_claim_on_an_item_of_many_long_owner_names_is_decided_at_once() -> None:
    # a store fed 45,000 mangled mails held items with hundreds of "owners" of
    # 260,000 characters, each folded again for every claim: 4 s per claim
    at = dt.datetime(2012, 4, 17)
    tracker = SEED
    for n in range(300):
        owner = f"Person{n} " + "x " * 100_000
        tracker = apply_event(tracker, Event(Kind.CLAIM, at, item=SUSPEND, data={"owner": owner}))
    claim = Action(ActionKind.CLAIM, SUSPEND, {"owner": "Jane Doe"}, "Jane Doe", "mine", 0.9, 1)
    started = time.perf_counter()
    decision, _ = decide(claim, sender=OTHER, tracker=tracker, policy=POLICY, today=AFTER_FREEZE)
    assert time.perf_counter() - started < 1.0  # a blow-up guard; it takes milliseconds
    assert decision is not Decision.IGNORE  # no long "name" is taken for Jane's
