"""GraphQL of verification requests: the student's own request, a school's queue, and the
decision. Thin: selectors and services decide. A request with a photo is sent from the
web page (uploads are not taken through GraphQL); activation codes are for the web pages
and manage.py only."""

from __future__ import annotations

import graphene

from yiban_core.accounts.schema import SchoolNode, UserNode, school_from_input
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.enums import choices_enum
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.relay import decode_global_id, global_id
from yiban_core.graphql.scopes import WEB_SESSION_ONLY, ScopedField
from yiban_core.privacy import access_log
from yiban_core.verification import selectors, services
from yiban_core.verification.models import VerificationRequest

VerificationStatus = choices_enum("VerificationStatus", VerificationRequest.Status,
                                  "认证申请的状态：待审核、已通过、未通过、已撤回")


class VerificationRequestType(graphene.ObjectType):
    """A student's request to be verified by a school (学号/工号)."""

    class Meta:
        name = "VerificationRequest"

    id = graphene.ID(required=True)
    user = graphene.Field(UserNode, required=True, description="申请人")
    school = graphene.Field(SchoolNode, required=True)
    member_number = graphene.String(required=True, description="申请认证的学号/工号")
    note = graphene.String(required=True)
    has_photo = graphene.Boolean(required=True, description="附有学生证照片（在学校的网页上查看）")
    status = graphene.Field(VerificationStatus, required=True)
    reason = graphene.String(required=True, description="未通过的原因")
    created_at = graphene.DateTime(required=True)
    decided_at = graphene.DateTime()

    @staticmethod
    def resolve_id(request: VerificationRequest, info) -> str:
        return global_id("VerificationRequest", request.pk)

    @staticmethod
    def resolve_member_number(request: VerificationRequest, info) -> str:
        access_log.record_read([request.user_id], actor=info.context.actor,
                               door="verification_requests")
        return request.member_number

    @staticmethod
    def resolve_has_photo(request: VerificationRequest, info) -> bool:
        return bool(request.photo)


class VerificationRequestConnection(Connection):
    class Meta:
        node = VerificationRequestType


class Query(graphene.ObjectType):
    my_verification_request = ScopedField(
        VerificationRequestType, description="我最近的一条学校认证申请；没有时为 null",
        scope="profile:verified")
    verification_requests = connection_field(
        VerificationRequestConnection,
        "一所学校待审核的认证申请，最早的在前（学校管理员或学校应用）",
        school_id=graphene.ID(required=True), scope="school:roster")

    @staticmethod
    def resolve_my_verification_request(root, info) -> VerificationRequest | None:
        return selectors.my_verification_request(actor=info.context.actor)

    @staticmethod
    def resolve_verification_requests(root, info, school_id, first=None, after=None):
        school = school_from_input(info, school_id)
        qs = selectors.verification_queue(actor=info.context.actor, school=school)
        return resolve_connection(VerificationRequestConnection, qs, first=first, after=after)


class RequestVerification(DomainMutation):
    """Ask a school to verify me as this 学号/工号 (one open request at a time)."""

    scope = WEB_SESSION_ONLY

    class Input:
        school_id = graphene.ID(required=True)
        member_number = graphene.String(required=True)
        note = graphene.String()

    verification_request = graphene.Field(VerificationRequestType)

    @classmethod
    def perform(cls, info, actor, school_id, member_number, note=""):
        request = services.request_verification(
            actor=actor, school=school_from_input(info, school_id),
            member_number=member_number, note=note or "")
        return {"verification_request": request}


class DecideVerificationRequest(DomainMutation):
    """Approve (the student becomes a verified member; a 学号 another account holds is
    refused) or reject with a reason. The student is notified."""

    scope = "school:roster"

    class Input:
        request_id = graphene.ID(required=True)
        approve = graphene.Boolean(required=True)
        reason = graphene.String(description="拒绝时必填")

    verification_request = graphene.Field(VerificationRequestType)

    @classmethod
    def perform(cls, info, actor, request_id, approve, reason=""):
        actor.require_scope("school:roster")
        pk = decode_global_id(request_id, expected="VerificationRequest", field="requestId")
        request = selectors.get_request(actor=actor, pk=pk)
        request = services.decide_verification_request(actor=actor, request=request,
                                                       approve=approve, reason=reason or "")
        return {"verification_request": request}


class Mutation(graphene.ObjectType):
    request_verification = RequestVerification.Field()
    decide_verification_request = DecideVerificationRequest.Field()
