"""Who is acting: a signed-in user, or the system (scheduler, scripted demo)."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.store.models import User


@dataclass(frozen=True)
class Actor:
    """The identity the engine checks rights against and writes into the audit log."""

    username: str
    user_id: int | None = None
    organisation_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """An actor for work nobody signed in to do (timer sweeps, migrations)."""
        return cls(username=name)

    @property
    def is_system(self) -> bool:
        return self.user_id is None

    def can_work_on(self, role: str, organisation_id: int | None) -> bool:
        """Whether a task of this lane role and organisation belongs to this actor's group."""
        return role in self.roles and organisation_id is not None and organisation_id == self.organisation_id


def actor_for(user: User) -> Actor:
    """The actor for a signed-in user row."""
    roles = frozenset(r.strip() for r in user.roles.split(",") if r.strip())
    return Actor(username=user.username, user_id=user.id, organisation_id=user.organisation_id, roles=roles)
