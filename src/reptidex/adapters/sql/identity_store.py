"""SQL repositories and unit of work for identity, plus the signing key store.

Each repository maps rows to the domain's entities and back; the unit of work owns one
:class:`~sqlalchemy.ext.asyncio.AsyncSession` and its transaction, with the outbox in it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from reptidex.adapters.sql.identity_models import (
    AuthSessionRow,
    InvitationRow,
    MembershipRow,
    OneTimeTokenRow,
    OrganisationRow,
    RefreshTokenRow,
    SigningKeyRow,
    UserRow,
)
from reptidex.adapters.sql.mail_queue import SqlMailQueue
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.adapters.sql.unit_of_work import SqlUnitOfWork
from reptidex.domain.errors import Conflict
from reptidex.domain.identity.model import (
    AuthSession,
    Email,
    Invitation,
    Membership,
    MembershipView,
    OneTimeToken,
    Organisation,
    OrganisationSummary,
    RefreshToken,
    Role,
    TokenPurpose,
    User,
)

# Every ``add`` flushes at once (see ``_insert``): the tables have no ORM relationships,
# so SQLAlchemy would not order a flush by the foreign keys (a membership could be inserted
# before its organisation). Flushing in the order the use case adds keeps them right.


async def _insert(session: AsyncSession, row: object) -> None:
    """Add ``row`` and flush it at once (in foreign-key order, see above)."""
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("The change clashes with existing data; try again.") from exc


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        email=Email(row.email),
        password_hash=row.password_hash,
        created_at=row.created_at,
        display_name=row.display_name,
        email_verified_at=row.email_verified_at,
        password_changed_at=row.password_changed_at,
        platform_admin=bool(row.platform_admin),
        suspended_at=row.suspended_at,
    )


class SqlUsers:
    """Users in ``user_account``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: uuid.UUID) -> User | None:
        row = await self._session.get(UserRow, user_id)
        return _user(row) if row else None

    async def by_email(self, email: Email) -> User | None:
        row = await self._session.scalar(select(UserRow).where(UserRow.email == email.value))
        return _user(row) if row else None

    async def add(self, user: User) -> None:
        await _insert(
            self._session,
            UserRow(
                id=user.id,
                email=user.email.value,
                password_hash=user.password_hash,
                display_name=user.display_name,
                email_verified_at=user.email_verified_at,
                password_changed_at=user.password_changed_at,
                platform_admin=user.platform_admin,
                suspended_at=user.suspended_at,
                created_at=user.created_at,
                updated_at=user.created_at,
            ),
        )

    async def save(self, user: User) -> None:
        row = await self._session.get_one(UserRow, user.id)
        row.email = user.email.value
        row.password_hash = user.password_hash
        row.display_name = user.display_name
        row.email_verified_at = user.email_verified_at
        row.password_changed_at = user.password_changed_at
        row.platform_admin = user.platform_admin
        row.suspended_at = user.suspended_at

    async def search(self, text: str, limit: int, offset: int) -> tuple[list[User], int]:
        wanted = text.strip().lower()
        query = select(UserRow)
        if wanted:
            query = query.where(
                UserRow.email.contains(wanted, autoescape=True)
                | func.lower(UserRow.display_name).contains(wanted, autoescape=True)
            )
        total = await self._session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self._session.scalars(
            query.order_by(UserRow.created_at, UserRow.id).limit(limit).offset(offset)
        )
        return [_user(row) for row in rows], int(total or 0)


class SqlOrganisations:
    """Organisations in ``organisation``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, organisation_id: uuid.UUID) -> Organisation | None:
        row = await self._session.get(OrganisationRow, organisation_id)
        if row is None:
            return None
        return Organisation(
            id=row.id, name=row.name, created_by=row.created_by, created_at=row.created_at
        )

    async def add(self, organisation: Organisation) -> None:
        await _insert(
            self._session,
            OrganisationRow(
                id=organisation.id,
                name=organisation.name,
                created_by=organisation.created_by,
                created_at=organisation.created_at,
                updated_at=organisation.created_at,
            ),
        )

    async def search(
        self, text: str, limit: int, offset: int
    ) -> tuple[list[OrganisationSummary], int]:
        wanted = text.strip().lower()
        matching = select(OrganisationRow.id)
        if wanted:
            matching = matching.where(
                func.lower(OrganisationRow.name).contains(wanted, autoescape=True)
            )
        total = await self._session.scalar(select(func.count()).select_from(matching.subquery()))
        members = (
            select(func.count(MembershipRow.id))
            .where(MembershipRow.organisation_id == OrganisationRow.id)
            .scalar_subquery()
        )
        rows = await self._session.execute(
            select(OrganisationRow, members)
            .where(OrganisationRow.id.in_(matching))
            .order_by(OrganisationRow.created_at, OrganisationRow.id)
            .limit(limit)
            .offset(offset)
        )
        return [
            OrganisationSummary(
                Organisation(
                    id=row.id, name=row.name, created_by=row.created_by, created_at=row.created_at
                ),
                int(count),
            )
            for row, count in rows.tuples()
        ], int(total or 0)


def _membership(row: MembershipRow) -> Membership:
    return Membership(
        id=row.id,
        user_id=row.user_id,
        organisation_id=row.organisation_id,
        role=Role(row.role),
        created_at=row.created_at,
    )


class SqlMemberships:
    """Memberships in ``membership``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, organisation_id: uuid.UUID, user_id: uuid.UUID) -> MembershipRow | None:
        row: MembershipRow | None = await self._session.scalar(
            select(MembershipRow).where(
                MembershipRow.organisation_id == organisation_id,
                MembershipRow.user_id == user_id,
            )
        )
        return row

    async def get(self, organisation_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:
        row = await self._row(organisation_id, user_id)
        return _membership(row) if row else None

    async def add(self, membership: Membership) -> None:
        await _insert(
            self._session,
            MembershipRow(
                id=membership.id,
                user_id=membership.user_id,
                organisation_id=membership.organisation_id,
                role=membership.role.value,
                created_at=membership.created_at,
                updated_at=membership.created_at,
            ),
        )

    async def save(self, membership: Membership) -> None:
        row = await self._session.get_one(MembershipRow, membership.id)
        row.role = membership.role.value

    async def remove(self, membership: Membership) -> None:
        await self._session.execute(delete(MembershipRow).where(MembershipRow.id == membership.id))

    async def _views(self, *criteria: object) -> list[MembershipView]:
        statement = (
            select(MembershipRow, OrganisationRow.name, UserRow.email)
            .join(OrganisationRow, OrganisationRow.id == MembershipRow.organisation_id)
            .join(UserRow, UserRow.id == MembershipRow.user_id)
            .where(*criteria)  # type: ignore[arg-type]
            .order_by(MembershipRow.created_at, MembershipRow.id)
        )
        result = await self._session.execute(statement)
        return [
            MembershipView(
                organisation_id=row.organisation_id,
                organisation_name=name,
                user_id=row.user_id,
                email=Email(email),
                role=Role(row.role),
                joined_at=row.created_at,
            )
            for row, name, email in result.all()
        ]

    async def of_user(self, user_id: uuid.UUID) -> list[MembershipView]:
        return await self._views(MembershipRow.user_id == user_id)

    async def of_organisation(self, organisation_id: uuid.UUID) -> list[MembershipView]:
        return await self._views(MembershipRow.organisation_id == organisation_id)

    async def count_owners(self, organisation_id: uuid.UUID) -> int:
        count = await self._session.scalar(
            select(func.count())
            .select_from(MembershipRow)
            .where(
                MembershipRow.organisation_id == organisation_id,
                MembershipRow.role == Role.OWNER.value,
            )
        )
        return int(count or 0)


def _invitation(row: InvitationRow) -> Invitation:
    return Invitation(
        id=row.id,
        organisation_id=row.organisation_id,
        email=Email(row.email),
        role=Role(row.role),
        token_digest=row.token_digest,
        invited_by=row.invited_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        accepted_at=row.accepted_at,
        accepted_by=row.accepted_by,
        revoked_at=row.revoked_at,
    )


class SqlInvitations:
    """Invitations in ``invitation``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_digest(self, token_digest: str) -> Invitation | None:
        row = await self._session.scalar(
            select(InvitationRow).where(InvitationRow.token_digest == token_digest)
        )
        return _invitation(row) if row else None

    async def get(self, invitation_id: uuid.UUID) -> Invitation | None:
        row = await self._session.get(InvitationRow, invitation_id)
        return _invitation(row) if row else None

    async def pending_of(self, organisation_id: uuid.UUID) -> list[Invitation]:
        rows = await self._session.scalars(
            select(InvitationRow)
            .where(
                InvitationRow.organisation_id == organisation_id,
                InvitationRow.accepted_at.is_(None),
                InvitationRow.revoked_at.is_(None),
            )
            .order_by(InvitationRow.created_at, InvitationRow.id)
        )
        return [_invitation(row) for row in rows]

    async def add(self, invitation: Invitation) -> None:
        await _insert(
            self._session,
            InvitationRow(
                id=invitation.id,
                organisation_id=invitation.organisation_id,
                email=invitation.email.value,
                role=invitation.role.value,
                token_digest=invitation.token_digest,
                invited_by=invitation.invited_by,
                expires_at=invitation.expires_at,
                accepted_at=invitation.accepted_at,
                accepted_by=invitation.accepted_by,
                created_at=invitation.created_at,
                updated_at=invitation.created_at,
            ),
        )

    async def save(self, invitation: Invitation) -> None:
        row = await self._session.get_one(InvitationRow, invitation.id)
        row.accepted_at = invitation.accepted_at
        row.accepted_by = invitation.accepted_by
        row.revoked_at = invitation.revoked_at


def _auth_session(row: AuthSessionRow) -> AuthSession:
    return AuthSession(
        id=row.id,
        user_id=row.user_id,
        organisation_id=row.organisation_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason,
    )


class SqlSessions:
    """Sessions in ``auth_session``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, session_id: uuid.UUID) -> AuthSession | None:
        row = await self._session.get(AuthSessionRow, session_id)
        return _auth_session(row) if row else None

    async def add(self, session: AuthSession) -> None:
        await _insert(
            self._session,
            AuthSessionRow(
                id=session.id,
                user_id=session.user_id,
                organisation_id=session.organisation_id,
                expires_at=session.expires_at,
                revoked_at=session.revoked_at,
                revoked_reason=session.revoked_reason,
                created_at=session.created_at,
                updated_at=session.created_at,
            ),
        )

    async def save(self, session: AuthSession) -> None:
        row = await self._session.get_one(AuthSessionRow, session.id)
        row.organisation_id = session.organisation_id
        row.revoked_at = session.revoked_at
        row.revoked_reason = session.revoked_reason

    async def revoke_all_of_user(
        self,
        user_id: uuid.UUID,
        now: dt.datetime,
        reason: str,
        *,
        keep: uuid.UUID | None = None,
    ) -> int:
        statement = (
            update(AuthSessionRow)
            .where(AuthSessionRow.user_id == user_id, AuthSessionRow.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason, updated_at=now)
        )
        if keep is not None:
            statement = statement.where(AuthSessionRow.id != keep)
        result = await self._session.execute(statement)
        assert isinstance(result, CursorResult)
        return result.rowcount


class SqlRefreshTokens:
    """Refresh tokens in ``refresh_token``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_digest(self, token_digest: str) -> RefreshToken | None:
        row = await self._session.scalar(
            select(RefreshTokenRow).where(RefreshTokenRow.token_digest == token_digest)
        )
        if row is None:
            return None
        return RefreshToken(
            id=row.id,
            session_id=row.session_id,
            token_digest=row.token_digest,
            created_at=row.created_at,
            expires_at=row.expires_at,
            used_at=row.used_at,
        )

    async def add(self, token: RefreshToken) -> None:
        await _insert(
            self._session,
            RefreshTokenRow(
                id=token.id,
                session_id=token.session_id,
                token_digest=token.token_digest,
                expires_at=token.expires_at,
                used_at=token.used_at,
                created_at=token.created_at,
                updated_at=token.created_at,
            ),
        )

    async def claim(self, token: RefreshToken, now: dt.datetime) -> bool:
        # A conditional UPDATE is the compare-and-set: of two racing requests, one sees 1 row.
        result = await self._session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.id == token.id, RefreshTokenRow.used_at.is_(None))
            .values(used_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        if result.rowcount == 1:
            token.used_at = now
            return True
        return False


class SqlOneTimeTokens:
    """Mailed one-time tokens in ``one_time_token``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_digest(self, purpose: TokenPurpose, token_digest: str) -> OneTimeToken | None:
        row = await self._session.scalar(
            select(OneTimeTokenRow).where(
                OneTimeTokenRow.token_digest == token_digest,
                OneTimeTokenRow.purpose == purpose.value,
            )
        )
        if row is None:
            return None
        return OneTimeToken(
            id=row.id,
            user_id=row.user_id,
            purpose=TokenPurpose(row.purpose),
            token_digest=row.token_digest,
            created_at=row.created_at,
            expires_at=row.expires_at,
            used_at=row.used_at,
        )

    async def add(self, token: OneTimeToken) -> None:
        await _insert(
            self._session,
            OneTimeTokenRow(
                id=token.id,
                user_id=token.user_id,
                purpose=token.purpose.value,
                token_digest=token.token_digest,
                expires_at=token.expires_at,
                used_at=token.used_at,
                created_at=token.created_at,
                updated_at=token.created_at,
            ),
        )

    async def save(self, token: OneTimeToken) -> None:
        row = await self._session.get_one(OneTimeTokenRow, token.id)
        row.used_at = token.used_at

    async def use_all_of_user(
        self, user_id: uuid.UUID, purpose: TokenPurpose, now: dt.datetime
    ) -> None:
        await self._session.execute(
            update(OneTimeTokenRow)
            .where(
                OneTimeTokenRow.user_id == user_id,
                OneTimeTokenRow.purpose == purpose.value,
                OneTimeTokenRow.used_at.is_(None),
            )
            .values(used_at=now, updated_at=now)
        )


class SqlIdentityUnitOfWork(SqlUnitOfWork):
    """One transaction over every identity repository and core's outbox."""

    users: SqlUsers
    organisations: SqlOrganisations
    memberships: SqlMemberships
    invitations: SqlInvitations
    sessions: SqlSessions
    refresh_tokens: SqlRefreshTokens
    one_time_tokens: SqlOneTimeTokens
    outbox: SqlOutbox
    mail: SqlMailQueue

    conflict_message = "The change clashes with a concurrent one; try again."

    def _open(self, session: AsyncSession) -> None:
        self.users = SqlUsers(session)
        self.organisations = SqlOrganisations(session)
        self.memberships = SqlMemberships(session)
        self.invitations = SqlInvitations(session)
        self.sessions = SqlSessions(session)
        self.refresh_tokens = SqlRefreshTokens(session)
        self.one_time_tokens = SqlOneTimeTokens(session)
        self.outbox = SqlOutbox(session, "core")
        self.mail = SqlMailQueue(session)


def identity_unit_of_work_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The session factory the identity unit of work opens sessions from."""
    return async_sessionmaker(engine, expire_on_commit=False)


class SqlSigningKeys:
    """Signing key pairs in ``signing_key``."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def published(self, now: dt.datetime) -> list[SigningKeyRow]:
        """Every key still in the JWKS, newest first."""
        async with self._session_factory() as session:
            rows = await session.scalars(
                select(SigningKeyRow)
                .where(SigningKeyRow.published_until > now)
                .order_by(SigningKeyRow.created_at.desc(), SigningKeyRow.kid)
            )
            return list(rows)

    async def add(self, row: SigningKeyRow) -> None:
        """Store a new key pair."""
        async with self._session_factory() as session:
            session.add(row)
            await session.commit()

    async def newest_created_at(self) -> dt.datetime | None:
        """When the newest key was made, published or not (None: there is no key)."""
        async with self._session_factory() as session:
            newest: dt.datetime | None = await session.scalar(
                select(func.max(SigningKeyRow.created_at))
            )
            return newest

    async def retire(self, kid: str, now: dt.datetime) -> None:
        """Stop ``kid`` signing from ``now`` (it stays published until its tokens expire)."""
        async with self._session_factory() as session:
            await session.execute(
                update(SigningKeyRow)
                .where(SigningKeyRow.kid == kid, SigningKeyRow.signs_until > now)
                .values(signs_until=now, updated_at=now)
            )
            await session.commit()
