"""Organisation use cases: create, list, invite by email, list and revoke invitations, accept,
list members, change roles, remove members, leave."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from reptidex.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from reptidex.domain.identity.audit import audit, fields_of
from reptidex.domain.identity.context import IdentityContext
from reptidex.domain.identity.events import (
    InvitationRevoked,
    MemberInvited,
    MemberJoined,
    MemberRemoved,
    MemberRoleChanged,
    OrganisationCreated,
)
from reptidex.domain.identity.model import (
    Email,
    Invitation,
    Membership,
    MembershipView,
    Organisation,
    Role,
)
from reptidex.domain.identity.ports import ActionLinks, IdentityUnitOfWork, MailMessage
from reptidex.domain.identity.tokens import digest, new_secret

MAX_ORGANISATION_NAME = 120
_NOT_A_MEMBER = "You are not a member of that organisation."
INVITATION_GONE = "This invitation is invalid, already accepted or expired."


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    """An invitation as its sender sees it (the token goes only to the invitee's mailbox)."""

    invitation: Invitation
    organisation: Organisation


def _invitation_mail(
    email: Email, organisation: Organisation, role: Role, secret: str, links: ActionLinks
) -> MailMessage:
    return MailMessage(
        to=email,
        subject=f"You are invited to join {organisation.name} on ReptiDex",
        body=(
            f"You have been invited to join {organisation.name} as {role.value}.\n\n"
            "Accept on this page, signing in with this address (register with it first if "
            "you have no account yet):\n\n"
            f"{links.accept_invitation(secret)}\n\n"
            "(From a program: log in, then POST /invitations/{token}/accept with the token "
            "below.)\n\n"
            f"Token: {secret}\n"
        ),
        kind="invitation",
    )


class Organisations:
    """A breeder's business and its members."""

    def __init__(self, context: IdentityContext) -> None:
        self.context = context

    @staticmethod
    async def _require_role(
        uow: IdentityUnitOfWork, organisation_id: uuid.UUID, user_id: uuid.UUID, role: Role
    ) -> Membership:
        membership = await uow.memberships.get(organisation_id, user_id)
        if membership is None:
            raise NotFound(_NOT_A_MEMBER)
        if not membership.role.at_least(role):
            raise PermissionDenied(
                f"This needs the {role.value} role or higher in the organisation."
            )
        return membership

    async def create(self, user_id: uuid.UUID, name: str) -> Organisation:
        """Create an organisation with ``user_id`` as its owner."""
        clean = " ".join(name.split())
        if not clean or len(clean) > MAX_ORGANISATION_NAME:
            message = f"Give a name of 1 to {MAX_ORGANISATION_NAME} characters."
            raise InvalidInput(message, field_errors={"name": message})
        context = self.context
        async with context.unit_of_work() as uow:
            if await uow.users.get(user_id) is None:
                raise NotFound("The account no longer exists.")
            now = context.now()
            organisation = Organisation(name=clean, created_by=user_id, created_at=now)
            await uow.organisations.add(organisation)
            owner = Membership(
                user_id=user_id, organisation_id=organisation.id, role=Role.OWNER, created_at=now
            )
            await uow.memberships.add(owner)
            for created in (organisation, owner):
                audit(
                    uow, "created", after=created, actor_id=user_id, organisation_id=organisation.id
                )
            context.emit(
                uow,
                "user.organisation_created",
                OrganisationCreated(organisation_id=organisation.id, name=clean, owner_id=user_id),
                actor_id=user_id,
                organisation_id=organisation.id,
            )
            await uow.commit()
        return organisation

    async def public(self, organisation_id: uuid.UUID) -> Organisation:
        """An organisation as other services may show it (its name); :class:`NotFound` for an
        unknown one."""
        async with self.context.unit_of_work() as uow:
            organisation = await uow.organisations.get(organisation_id)
        if organisation is None:
            raise NotFound(f"No organisation {organisation_id}.")
        return organisation

    async def of_user(self, user_id: uuid.UUID) -> list[MembershipView]:
        """The organisations ``user_id`` belongs to, with their role in each."""
        async with self.context.unit_of_work() as uow:
            return await uow.memberships.of_user(user_id)

    async def invite(
        self, actor_id: uuid.UUID, organisation_id: uuid.UUID, email: str, role: Role
    ) -> IssuedInvitation:
        """Invite ``email`` to join with ``role``; admins invite up to admin, owners anyone."""
        context = self.context
        invitee = Email.parse(email)
        async with context.unit_of_work() as uow:
            actor = await self._require_role(uow, organisation_id, actor_id, Role.ADMIN)
            if role is Role.OWNER and actor.role is not Role.OWNER:
                raise PermissionDenied("Only an owner can invite another owner.")
            organisation = await uow.organisations.get(organisation_id)
            if organisation is None:  # pragma: no cover - the membership implies it exists
                raise NotFound(_NOT_A_MEMBER)
            existing = await uow.users.by_email(invitee)
            if existing and await uow.memberships.get(organisation_id, existing.id):
                raise Conflict(f"{invitee} is already a member of {organisation.name}.")
            now = context.now()
            secret = new_secret()
            invitation = Invitation(
                organisation_id=organisation_id,
                email=invitee,
                role=role,
                token_digest=digest(secret),
                invited_by=actor_id,
                created_at=now,
                expires_at=now + context.policy.invitation_ttl,
            )
            await uow.invitations.add(invitation)
            audit(
                uow, "created", after=invitation, actor_id=actor_id, organisation_id=organisation_id
            )
            context.emit(
                uow,
                "user.invited",
                MemberInvited(
                    invitation_id=invitation.id,
                    organisation_id=organisation_id,
                    email=invitee.value,
                    role=role.value,
                    invited_by=actor_id,
                ),
                actor_id=actor_id,
                organisation_id=organisation_id,
            )
            uow.mail.add(_invitation_mail(invitee, organisation, role, secret, context.links))
            await uow.commit()
        return IssuedInvitation(invitation=invitation, organisation=organisation)

    async def invitation(self, token: str) -> IssuedInvitation:
        """The open invitation whose token this is, and its organisation: what accepting it
        would do, for the page its mail links to (reading it changes nothing).

        Raises :class:`NotFound` when the token is unknown, or the invitation accepted,
        revoked or expired.
        """
        context = self.context
        async with context.unit_of_work() as uow:
            invitation = await uow.invitations.by_digest(digest(token))
            if invitation is None or not invitation.is_open(context.now()):
                raise NotFound(INVITATION_GONE)
            organisation = await uow.organisations.get(invitation.organisation_id)
            if organisation is None:  # pragma: no cover - the foreign key keeps this
                raise NotFound(INVITATION_GONE)
        return IssuedInvitation(invitation=invitation, organisation=organisation)

    async def accept(self, user_id: uuid.UUID, token: str) -> MembershipView:
        """Join the organisation of the invitation; it must have been sent to the user's address."""
        context = self.context
        async with context.unit_of_work() as uow:
            invitation = await uow.invitations.by_digest(digest(token))
            now = context.now()
            if invitation is None or not invitation.is_open(now):
                raise NotFound(INVITATION_GONE)
            user = await uow.users.get(user_id)
            if user is None or user.email != invitation.email:
                raise PermissionDenied(
                    "This invitation was sent to another email address; log in with that one."
                )
            if await uow.memberships.get(invitation.organisation_id, user_id) is not None:
                raise Conflict("You are already a member of this organisation.")
            organisation = await uow.organisations.get(invitation.organisation_id)
            if organisation is None:  # pragma: no cover - the foreign key keeps this
                raise NotFound("The organisation no longer exists.")
            membership = Membership(
                user_id=user_id,
                organisation_id=invitation.organisation_id,
                role=invitation.role,
                created_at=now,
            )
            await uow.memberships.add(membership)
            before = fields_of(invitation)
            invitation.accepted_at = now
            invitation.accepted_by = user_id
            await uow.invitations.save(invitation)
            audit(
                uow,
                "created",
                after=membership,
                actor_id=user_id,
                organisation_id=invitation.organisation_id,
            )
            audit(
                uow,
                "accepted",
                before=before,
                after=invitation,
                actor_id=user_id,
                organisation_id=invitation.organisation_id,
            )
            context.emit(
                uow,
                "user.joined_organisation",
                MemberJoined(
                    organisation_id=invitation.organisation_id,
                    user_id=user_id,
                    role=invitation.role.value,
                    invitation_id=invitation.id,
                ),
                actor_id=user_id,
                organisation_id=invitation.organisation_id,
            )
            await uow.commit()
        return MembershipView(
            organisation_id=organisation.id,
            organisation_name=organisation.name,
            user_id=user_id,
            email=user.email,
            role=membership.role,
            joined_at=now,
        )

    async def members(
        self, actor_id: uuid.UUID, organisation_id: uuid.UUID
    ) -> list[MembershipView]:
        """The members of an organisation, for any of its members to read."""
        async with self.context.unit_of_work() as uow:
            await self._require_role(uow, organisation_id, actor_id, Role.VIEWER)
            return await uow.memberships.of_organisation(organisation_id)

    async def change_role(
        self,
        actor_id: uuid.UUID,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID,
        role: Role,
    ) -> Membership:
        """Change a member's role.

        Admins manage viewers, members and admins; only owners grant or take away ownership;
        the last owner cannot step down (the organisation would have nobody in charge).
        """
        context = self.context
        async with context.unit_of_work() as uow:
            actor = await self._require_role(uow, organisation_id, actor_id, Role.ADMIN)
            target = await uow.memberships.get(organisation_id, user_id)
            if target is None:
                raise NotFound("That user is not a member of this organisation.")
            if Role.OWNER in (role, target.role) and actor.role is not Role.OWNER:
                raise PermissionDenied("Only an owner can grant or take away ownership.")
            old_role = target.role
            if old_role is role:
                return target
            if old_role is Role.OWNER and await uow.memberships.count_owners(organisation_id) <= 1:
                raise Conflict("The last owner cannot step down; make someone else owner first.")
            before = fields_of(target)
            target.role = role
            await uow.memberships.save(target)
            audit(
                uow,
                "role_changed",
                before=before,
                after=target,
                actor_id=actor_id,
                organisation_id=organisation_id,
            )
            context.emit(
                uow,
                "user.role_changed",
                MemberRoleChanged(
                    organisation_id=organisation_id,
                    user_id=user_id,
                    old_role=old_role.value,
                    new_role=role.value,
                ),
                actor_id=actor_id,
                organisation_id=organisation_id,
            )
            await uow.commit()
        return target

    async def invitations(
        self, actor_id: uuid.UUID, organisation_id: uuid.UUID
    ) -> list[Invitation]:
        """The organisation's invitations not yet accepted or revoked (admins and owners)."""
        async with self.context.unit_of_work() as uow:
            await self._require_role(uow, organisation_id, actor_id, Role.ADMIN)
            return await uow.invitations.pending_of(organisation_id)

    async def revoke_invitation(
        self, actor_id: uuid.UUID, organisation_id: uuid.UUID, invitation_id: uuid.UUID
    ) -> Invitation:
        """Withdraw an invitation so that its token no longer works (admins; owners for an
        invitation to become owner)."""
        context = self.context
        async with context.unit_of_work() as uow:
            actor = await self._require_role(uow, organisation_id, actor_id, Role.ADMIN)
            invitation = await uow.invitations.get(invitation_id)
            if invitation is None or invitation.organisation_id != organisation_id:
                raise NotFound("No such invitation in this organisation.")
            if invitation.role is Role.OWNER and actor.role is not Role.OWNER:
                raise PermissionDenied("Only an owner can revoke an invitation to become owner.")
            if not invitation.pending:
                raise Conflict("The invitation was already accepted or revoked.")
            before = fields_of(invitation)
            invitation.revoked_at = context.now()
            await uow.invitations.save(invitation)
            audit(
                uow,
                "revoked",
                before=before,
                after=invitation,
                actor_id=actor_id,
                organisation_id=organisation_id,
            )
            context.emit(
                uow,
                "user.invitation_revoked",
                InvitationRevoked(
                    invitation_id=invitation.id,
                    organisation_id=organisation_id,
                    email=invitation.email.value,
                    role=invitation.role.value,
                    revoked_by=actor_id,
                ),
                actor_id=actor_id,
                organisation_id=organisation_id,
            )
            await uow.commit()
        return invitation

    async def remove_member(
        self, actor_id: uuid.UUID, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> Membership:
        """Remove a member: admins remove viewers, members and admins; only owners remove an
        owner; the last owner cannot go. Removing yourself is leaving."""
        if actor_id == user_id:
            return await self.leave(actor_id, organisation_id)
        context = self.context
        async with context.unit_of_work() as uow:
            actor = await self._require_role(uow, organisation_id, actor_id, Role.ADMIN)
            target = await uow.memberships.get(organisation_id, user_id)
            if target is None:
                raise NotFound("That user is not a member of this organisation.")
            if target.role is Role.OWNER and actor.role is not Role.OWNER:
                raise PermissionDenied("Only an owner can remove an owner.")
            await self._remove(uow, target, actor_id, "user.removed_from_organisation")
            await uow.commit()
        return target

    async def leave(self, user_id: uuid.UUID, organisation_id: uuid.UUID) -> Membership:
        """Leave an organisation; its last owner cannot (hand ownership over first)."""
        async with self.context.unit_of_work() as uow:
            membership = await uow.memberships.get(organisation_id, user_id)
            if membership is None:
                raise NotFound(_NOT_A_MEMBER)
            await self._remove(uow, membership, user_id, "user.left_organisation")
            await uow.commit()
        return membership

    async def _remove(
        self, uow: IdentityUnitOfWork, membership: Membership, actor_id: uuid.UUID, event: str
    ) -> None:
        organisation_id = membership.organisation_id
        if (
            membership.role is Role.OWNER
            and await uow.memberships.count_owners(organisation_id) <= 1
        ):
            raise Conflict(
                "The last owner cannot leave or be removed; make someone else owner first."
            )
        await uow.memberships.remove(membership)
        audit(
            uow,
            "removed" if membership.user_id != actor_id else "left",
            before=membership,
            actor_id=actor_id,
            organisation_id=organisation_id,
        )
        self.context.emit(
            uow,
            event,
            MemberRemoved(
                organisation_id=organisation_id,
                user_id=membership.user_id,
                role=membership.role.value,
                removed_by=actor_id,
            ),
            actor_id=actor_id,
            organisation_id=organisation_id,
        )
