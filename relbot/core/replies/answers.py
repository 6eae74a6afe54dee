"""Answers to questions: a bare yes under a release manager's question agrees to what was
asked, on the item the question was asked under; and an RM's "updated the list" agrees
to the answer quoted above it, read as its writer's words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from relbot.core.replies.actions import REVIEW_KINDS, Action, ActionKind, Reading, infer_actions
from relbot.core.replies.confirm import agreed_answer
from relbot.core.replies.context import Context, ItemIndex, attribute_blocks
from relbot.core.replies.message import Message
from relbot.core.replies.quotes import Block, BlockKind, split_body

#: a bare yes: "Yes.", "Yes, please.", "Yep, go ahead", "Sure"
_YES = re.compile(
    r"^\s*(?:yes|yep|yeah|yup|sure|correct|indeed|please do|go ahead)\b",
    re.I,
)
#: "Yes, but not yet", "Yes, once it is in": a yes with a condition is no yes
_YES_BUT = re.compile(r"\b(?:but|not|yet|once|if|when|after|though|however)\b|n't\b", re.I)
#: "So should I mark it done?", "Ok. So shall I defer it to 4.15 then?", "Should we move
#: it to 4.20?": the proposal inside an RM's question
_ASKED = re.compile(
    r"(?:^|[.!?]\s+|\bso,?\s+)(?:should|shall|can|may)\s+(?:i|we)\s+(?P<what>[^?]{3,200}?)"
    r"(?:,?\s+then)?\s*\?\s*$",
    re.I,
)


def answered_questions(
    blocks: Sequence[Block], contexts: Sequence[Context | None], parent: Message, index: ItemIndex
) -> list[tuple[tuple[str, ...], int, Context]]:
    """What a bare "yes" agrees to: the question quoted above it, as a request.

    The question is the release manager's own text in ``parent``; the item it
    was asked under is the one the parent's quote gave it (the reply may
    quote only the question). Returns (lines, line number, context) to read.
    """
    out: list[tuple[tuple[str, ...], int, Context]] = []
    parent_blocks = split_body(parent.text)
    parent_ctx = attribute_blocks(parent_blocks, index)
    for n, (block, ctx) in enumerate(zip(blocks, contexts, strict=True)):
        if block.kind is not BlockKind.TEXT or ctx is None or n == 0:
            continue
        first = re.split(r"(?<=[.!?])\s", block.lines[0] if block.lines else "", maxsplit=1)[0]
        if not _YES.match(first) or _YES_BUT.search(first):
            continue
        above = blocks[n - 1]
        depths = above.depths or (1,) * len(above.lines)
        # the asker's own words: the first level of the quote
        quoted = [
            line.strip()
            for line, depth in zip(above.lines, depths, strict=True)
            if depth <= 1 and line.strip()
        ]
        question = " ".join(" ".join(quoted[-3:]).split())
        asked = _ASKED.search(question)
        if asked is None:
            continue
        where = next(
            (
                c
                for b, c in zip(parent_blocks, parent_ctx, strict=True)
                if b.kind is BlockKind.TEXT and c is not None and quoted[-1] in " ".join(b.lines)
            ),
            None,
        )
        if where is None or where.item_id is None:
            where = ctx if ctx.item_id is not None else None
        if where is not None:
            # the release manager placed the question and the answer agrees: no doubt
            # is left about which item it is
            sure = replace(where, score=max(where.score, 1.0))
            out.append(((f"Please {asked.group('what')}.",), block.line_no, sure))
    return out


def agreed_answers(
    body: str,
    blocks: Sequence[Block],
    contexts: Sequence[Context | None],
    proposed: Sequence[Action],
    reading: Reading,
    budget: list[int],
) -> list[Action]:
    """What the quoted answers an RM confirmed say, read as their writers' words.

    A claim or unclaim whose writer no attribution names waits for review:
    who takes the item over is not known.
    """
    out: list[Action] = []
    said = {(a.kind, a.item) for a in proposed}
    for n, ctx in enumerate(contexts):
        if ctx is None or budget[0] <= 0:
            continue
        answer = agreed_answer(body, blocks, n)
        if answer is None:
            continue
        end = blocks[n].line_no + len(blocks[n].lines)
        if any(blocks[n].line_no <= a.line_no < end for a in proposed):
            continue  # the RM's own words say what changes
        theirs = replace(reading, sender=answer.writer)
        found, read = infer_actions(answer.lines, answer.line_no, ctx, theirs, budget[0])
        budget[0] -= read
        for action in found:
            if (action.kind, action.item) in said or action.kind in REVIEW_KINDS:
                continue
            if not answer.named and action.kind in (ActionKind.CLAIM, ActionKind.UNCLAIM):
                action = replace(action, confidence=min(action.confidence, UNNAMED_CONFIDENCE))
            said.add((action.kind, action.item))
            out.append(action)
    return out


#: below any threshold: a claim by an unnamed writer waits for the release manager
UNNAMED_CONFIDENCE = 0.5
