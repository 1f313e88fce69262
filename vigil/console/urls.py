"""URLs of the agent console, mounted at the site root. See docs/architecture.md#console."""

from django.urls import path
from django.views.i18n import set_language

from vigil.console import views
from vigil.console.views import actions as action_views
from vigil.console.views import audit as audit_views
from vigil.console.views import routing as routing_views
from vigil.console.views import shifts as shift_views
from vigil.console.views import sla_settings

app_name = "console"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("language/", set_language, name="set_language"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/part/<slug:part>/", views.ticket_part, name="ticket_part"),
    path("tickets/<int:ticket_id>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<int:ticket_id>/note/", views.ticket_note, name="ticket_note"),
    path("tickets/<int:ticket_id>/set/<slug:field>/", views.ticket_field, name="ticket_field"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("routing/", routing_views.routing_page, name="routing"),
    path("routing/teams/", routing_views.team_save, name="team_add"),
    path("routing/teams/<int:team_id>/", routing_views.team_save, name="team_save"),
    path("routing/agents/<int:agent_id>/", routing_views.skills_save, name="skills_save"),
    path("routing/rules/", routing_views.rule_save, name="rule_add"),
    path("routing/rules/<int:rule_id>/", routing_views.rule_save, name="rule_save"),
    path("routing/rules/<int:rule_id>/move/", routing_views.rule_move, name="rule_move"),
    path("presence/", routing_views.presence_save, name="presence"),
    path("next/", routing_views.next_ticket, name="next_ticket"),
    path("sla/", views.sla_overview, name="sla"),
    path("sla/policies/<int:policy_id>/", views.sla_policy_edit, name="sla_policy_edit"),
    path(
        "sla/calendars/<int:calendar_id>/holidays/", views.sla_holiday_add, name="sla_holiday_add"
    ),
    path(
        "sla/calendars/<int:calendar_id>/", sla_settings.sla_calendar_edit, name="sla_calendar_edit"
    ),
    path(
        "sla/policies/<int:policy_id>/escalation/",
        sla_settings.sla_escalation_edit,
        name="sla_escalation_edit",
    ),
    path("coverage/", views.coverage, name="coverage"),
    path("sla/shifts/", shift_views.sla_shifts, name="sla_shifts"),
    path("sla/shifts/<int:agent_id>/", shift_views.sla_shifts_save, name="sla_shifts_save"),
    path(
        "sla/shifts/<int:agent_id>/exceptions/",
        shift_views.sla_exception_add,
        name="sla_exception_add",
    ),
    path(
        "sla/shifts/<int:agent_id>/exceptions/<int:exception_id>/delete/",
        shift_views.sla_exception_remove,
        name="sla_exception_remove",
    ),
    path("tickets/<int:ticket_id>/sla/", views.ticket_sla, name="ticket_sla"),
    path("approvals/", action_views.approvals, name="approvals"),
    path("approvals/<int:action_id>/approve/", action_views.action_approve, name="action_approve"),
    path("approvals/<int:action_id>/refuse/", action_views.action_refuse, name="action_refuse"),
    path("approvals/<int:action_id>/retry/", action_views.action_retry_view, name="action_retry"),
    path("tickets/<int:ticket_id>/actions/", action_views.ticket_actions, name="ticket_actions"),
    path(
        "tickets/<int:ticket_id>/actions/request/",
        action_views.ticket_action_request,
        name="ticket_action_request",
    ),
    path("audit/", audit_views.audit_log, name="audit"),
    path("permissions/", audit_views.permissions, name="permissions"),
    path("chats/", views.chats_page, name="chats"),
    path("chats/part/<slug:part>/", views.chats_part, name="chats_part"),
    path("chats/<int:session_id>/accept/", views.chat_accept_view, name="chat_accept"),
    path("chats/<int:session_id>/decline/", views.chat_decline_view, name="chat_decline"),
    path("chats/<int:session_id>/send/", views.chat_send_view, name="chat_send"),
    path("chats/<int:session_id>/typing/", views.chat_typing_view, name="chat_typing"),
    path("chats/<int:session_id>/transfer/", views.chat_transfer_view, name="chat_transfer"),
    path("chats/<int:session_id>/close/", views.chat_close_view, name="chat_close"),
]
