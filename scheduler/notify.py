"""Messages to a person other than the one who wrote: through the outbox, to their chats."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from models.messages import Outbound
from models.queries import chat_links
from models.tables import Official
from scheduler.outbox import enqueue


def notify_official(
    *,
    session: Session,
    official: Official,
    outbound: Outbound,
    now: datetime,
    key: str,
    kind: str = "alert",
    task_id: int | None = None,
) -> bool:
    """Queue ``outbound`` for the official's newest reachable chat; False when there is none."""
    links = chat_links(session=session, official_ids=[official.id or 0]).get(official.id or 0)
    if not links:
        return False
    link = links[0]
    enqueue(
        session,
        [
            {
                "org_id": official.org_id,
                "official_id": official.id,
                "channel": link.channel,
                "chat_id": link.chat_id,
                "kind": kind,
                "task_id": task_id,
                "payload": {"outbound": outbound.to_dict(), "locale": official.locale},
                "due_at": now,
                "idempotency_key": f"{kind}:{key}:{official.id}",
            }
        ],
    )
    return True


def admins_of(*, session: Session, org_id: int) -> list[Official]:
    return list(
        session.exec(
            select(Official).where(
                Official.org_id == org_id, Official.role == "admin", col(Official.active)
            )
        )
    )
