"""Saved inbox filters: a clerk names the current filter, optionally shared with their organisation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.organisations.actors import Actor
from engine.store.bounds import MAX_FILTER_NAME, text_problem
from engine.store.errors import NotAllowed, NotFound, ValidationFailed
from engine.store.models import SavedFilter, User

from .inbox_filters import InboxFilter

MAX_NAME = MAX_FILTER_NAME


def save_filter(session: Session, actor: Actor, name: str, flt: InboxFilter, shared: bool,
                now: datetime) -> SavedFilter:
    """Save ``flt`` (without its page) under ``name``; the actor's own filter of that name is replaced.

    :raises ValidationFailed: the name is blank, longer than 50 characters or holds control characters.
    """
    user_id, organisation_id = _member(actor)
    name = name.strip()
    problem = text_problem(name)
    if problem:
        raise ValidationFailed({"name": [f"名称{problem}"]})
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed({"name": [f"请填写名称（不超过 {MAX_NAME} 个字）"]})
    row = session.scalar(select(SavedFilter).where(SavedFilter.owner_user_id == user_id, SavedFilter.name == name))
    if row is None:
        row = SavedFilter(owner_user_id=user_id, name=name, created_at=now)
        session.add(row)
    row.organisation_id, row.shared, row.params = organisation_id, shared, flt.params()
    session.flush()
    return row


def list_filters(session: Session, actor: Actor) -> Sequence[tuple[SavedFilter, str]]:
    """The actor's own filters and those shared in their organisation, by name, with the owner's name."""
    user_id, organisation_id = _member(actor)
    query = (
        select(SavedFilter, User.display_name).join(User, SavedFilter.owner_user_id == User.id)
        .where(SavedFilter.organisation_id == organisation_id,
               or_(SavedFilter.owner_user_id == user_id, SavedFilter.shared.is_(True)))
        .order_by(SavedFilter.name, SavedFilter.id)
    )
    return [(row, owner) for row, owner in session.execute(query)]


def delete_filter(session: Session, actor: Actor, filter_id: int) -> None:
    """Delete one of the actor's own saved filters.

    :raises NotFound: no such filter visible to the actor.
    :raises NotAllowed: a colleague's shared filter (only its owner may delete it).
    """
    user_id, organisation_id = _member(actor)
    row = session.get(SavedFilter, filter_id)
    visible = row is not None and (row.owner_user_id == user_id or
                                   (row.shared and row.organisation_id == organisation_id))
    if row is None or not visible:
        raise NotFound(f"saved filter {filter_id} does not exist")
    if row.owner_user_id != user_id:
        raise NotAllowed("只有创建者可以删除这个常用筛选")
    session.delete(row)
    session.flush()


def _member(actor: Actor) -> tuple[int, int]:
    if actor.user_id is None or actor.organisation_id is None:
        raise NotAllowed("saved filters belong to a signed-in user of an organisation")
    return actor.user_id, actor.organisation_id
