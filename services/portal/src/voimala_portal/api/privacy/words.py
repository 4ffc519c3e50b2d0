"""The codes of the privacy pages in words: literal `_()` calls, so that the extractor finds
them. Each takes the gettext of the language wanted: the export's headings are written in the
person's language, the rest of the page in the page's."""

from __future__ import annotations

from collections.abc import Callable

Gettext = Callable[..., str]


def service_names(_: Gettext) -> dict[str, str]:
    return {
        "participants": _("Participant register"),
        "events": _("Events and registrations"),
        "matching": _("Matching to work and mentors"),
        "notifications": _("Messages"),
    }


def answer_states(_: Gettext) -> dict[str, str]:
    return {
        "answered": _("Answered"),
        "waiting": _("Waiting for the answer"),
        "not_answered_in_time": _("Not answered in time"),
        "overdue": _("Not answered in time"),
    }


def erasure_reasons(_: Gettext) -> dict[str, str]:
    return {
        "request": _("The person asked for it"),
        "retention": _("The retention period has ended"),
        "consent_withdrawn": _("The person withdrew their consent"),
        "other": _("Another reason"),
    }


def roles(_: Gettext) -> dict[str, str]:
    return {
        "coordinator": _("Coordinator"),
        "counsellor": _("Counsellor"),
        "ops": _("Operations"),
        "participant": _("The participant"),
        "employer": _("Employer"),
        "mentor": _("Mentor"),
    }


def purposes(_: Gettext) -> dict[str, str]:
    """Why data was read or changed, for the purposes the portal and services name."""
    return {
        "case_work": _("Case work"),
        "search": _("Search"),
        "check_in": _("Check-in"),
        "data_protection": _("Data protection request"),
        "staff_view": _("Staff view"),
        "self_service": _("The person's own page"),
        "access_request": _("Copy of the data"),
        "erasure": _("Erasure"),
        "matching": _("Matching"),
        "messages": _("Sending messages"),
        "own_data": _("The person's own data"),
        "delivery": _("Delivering messages"),
        "report": _("Reports"),
    }


def data_sets(_: Gettext) -> dict[str, str]:
    """The data sets the services export (the keys of their `personal.data`)."""
    return {
        "participant": _("Details"),
        "record": _("Details"),
        "participants": _("Details"),
        "consents": _("Consents"),
        "path": _("Service path"),
        "timeline": _("Service path"),
        "episodes": _("Periods in the programme"),
        "visits": _("Visits"),
        "ideas": _("Ideas"),
        "registrations": _("Registrations"),
        "attendance": _("Attendance"),
        "profile": _("Profile"),
        "proposals": _("Proposals"),
        "explanations": _("Explanations of proposals"),
        "outcomes": _("Outcomes"),
        "contact": _("Contact details"),
        "contacts": _("Contact details"),
        "preferences": _("Message preferences"),
        "messages": _("Messages"),
        "deliveries": _("Deliveries"),
        "audit": _("Who has read the data"),
        "audit_log": _("Who has read the data"),
        "worklist": _("Worklist items"),
        "mentor_matches": _("Mentoring matches"),
        "reminders": _("Reminders"),
        "exit": _("Leaving the programme"),
        "erasure": _("Erasure"),
        # what an erasure counts, beside the data sets above
        "proposals_withdrawn": _("Proposals withdrawn"),
        "shared_contact": _("Contact details shared after a match"),
        "cancelled": _("Messages not yet sent, cancelled"),
        "inbox": _("Messages in the inbox"),
        "waiting_events": _("System messages waiting to be handled"),
        "timeline_deleted": _("Service path entries deleted"),
        "timeline_anonymised": _("Service path entries made anonymous"),
        "episodes_anonymised": _("Periods made anonymous"),
        "visits_anonymised": _("Visits made anonymous"),
        "access_exports": _("Copies of the data"),
        "esf_entry": _("ESF+ entry facts"),
        "esf_results": _("ESF+ results"),
        "eura_forms": _("EURA 2021 forms"),
        "esf_entry_anonymised": _("ESF+ entry facts made anonymous"),
        "esf_results_anonymised": _("ESF+ results made anonymous"),
    }


def field_names(_: Gettext) -> dict[str, str]:
    """The fields of the exported records, in the order a record is shown; any other field is
    shown as the service names it, after these."""
    return {**_person_fields(_), **_record_fields(_), **_trail_fields(_)}


def _person_fields(_: Gettext) -> dict[str, str]:
    return {
        "id": _("Id"),
        "given_name": _("Given name"),
        "family_name": _("Family name"),
        "name": _("Name"),
        "guest_name": _("Name"),
        "email": _("E-mail"),
        "phone": _("Phone"),
        "birth_date": _("Date of birth"),
        "birth_year": _("Year of birth"),
        "age_group": _("Age group"),
        "youth": _("Youth (under 30)"),
        "gender": _("Gender"),
        "municipality": _("Home municipality"),
        "preferred_language": _("Language for messages"),
        "preferred_channel": _("Channel for messages"),
        "language": _("Language"),
        "languages": _("Languages"),
        "education_level": _("Education"),
        "skills": _("Skills"),
        "skill_uris": _("Skills (classification)"),
        "work_history": _("Work history"),
        "goals": _("Goals"),
        "availability": _("Availability"),
        "wants_mentor": _("Wants a mentor"),
        "matching_consent": _("Consent to matching"),
        "target_group": _("Target group"),
        "subsidy_days": _("Days on labour-market subsidy"),
        "referral_source": _("Came from"),
        "referral_reason": _("Reason for the referral"),
    }


def _record_fields(_: Gettext) -> dict[str, str]:
    return {
        "status": _("Status"),
        "episode": _("Period"),
        "number": _("Number"),
        "started_on": _("Started"),
        "exit_date": _("Left on"),
        "outcome": _("Outcome"),
        "follow_up_outcome": _("Follow-up"),
        "purpose": _("Purpose"),
        "granted": _("Given"),
        "text_version": _("Text version"),
        "kind": _("Kind"),
        "type": _("Type"),
        "category": _("Category"),
        "title": _("Title"),
        "subject": _("Subject"),
        "body": _("Text"),
        "text": _("Text"),
        "detail": _("Details"),
        "explanation": _("Explanation"),
        "score": _("Fit"),
        "reason": _("Reason"),
        "channel": _("Channel"),
        "template": _("Message"),
        "ref": _("Concerns"),
        "email_allowed": _("E-mail allowed"),
        "sms_allowed": _("Text messages allowed"),
        "quiet_start": _("Quiet hours from"),
        "quiet_end": _("Quiet hours until"),
        "digest": _("Digest"),
        "active": _("Active"),
        "opted_out": _("Opted out"),
        "attempts": _("Attempts"),
        "last_error": _("Last error"),
        "occurrence_id": _("Event"),
        "occurrence": _("Event"),
        "channels": _("Channels"),
        "mandatory": _("Mandatory"),
        "contact_sharing": _("Consent to share contact details"),
        "registration_id": _("Registration"),
        "slot_start": _("Time"),
        "position": _("Place on the waiting list"),
        "walk_in": _("Walked in"),
        "opening_id": _("Opening"),
        "partner_id": _("Employer"),
        "mentor_id": _("Mentor"),
    }


def _trail_fields(_: Gettext) -> dict[str, str]:
    """Who did what when: the audit's and the records' times and ids, shown last."""
    return {
        "source": _("Source"),
        "action": _("Action"),
        "actor": _("Who"),
        "actor_roles": _("Roles"),
        "at": _("When"),
        "occurred_at": _("When"),
        "visited_at": _("Visited"),
        "submitted_at": _("Sent"),
        "proposed_at": _("Proposed"),
        "answered_at": _("Answered"),
        "confirmed_at": _("Confirmed"),
        "expires_at": _("Expires"),
        "sent_at": _("Sent"),
        "read_at": _("Read"),
        "not_before": _("Not before"),
        "due_at": _("Due"),
        "promoted_at": _("Off the waiting list"),
        "cancelled_at": _("Cancelled"),
        "dropped_at": _("Dropped"),
        "recorded_at": _("Recorded"),
        "recorded_by": _("Recorded by"),
        "registered_by": _("Registered by"),
        "proposed_by": _("Proposed by"),
        "created_at": _("Created"),
        "updated_at": _("Changed"),
        "participant_id": _("Participant"),
        "recipient_id": _("Recipient"),
        "event_id": _("Event id"),
    }


def export_texts(_: Gettext) -> dict[str, str]:
    """The printed copy's own sentences (in the person's language); `%(...)s` filled later."""
    return {
        "title": _("Your data in Voimala"),
        "lead": _(
            "Everything the Voimala services held about you on %(date)s, service by service."
        ),
        "nothing": _("Nothing is held."),
        "missing": _("This service did not answer in time: its data is not in this copy."),
        "cut": _(
            "%(data_set)s: the newest %(kept)s of %(total)s are shown; ask the programme for "
            "the rest."
        ),
    }
