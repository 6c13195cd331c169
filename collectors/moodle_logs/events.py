"""Which Moodle events and xAPI verbs are a course view, an enrolment or a completion."""

from __future__ import annotations

from collectors.records import UsageKind

__all__ = ["kind_of"]

#: The events of the log store, by their class name, and of the log report, by their name in
#: Moodle's English and French language packs (``eventcourseviewed``, ``eventuserenrolmentcreated``,
#: ``eventcoursecompleted``).
_EVENTS: dict[str, UsageKind] = {
    "\\core\\event\\course_viewed": "view",
    "\\core\\event\\user_enrolment_created": "enrolment",
    "\\core\\event\\course_completed": "completion",
    "course viewed": "view",
    "cours consulté": "view",
    "user enrolled in course": "enrolment",
    "utilisateur inscrit au cours": "enrolment",
    "course completed": "completion",
    "cours terminé": "completion",
}

#: xAPI verbs by their last word, whoever defines them (ADL's ``adlnet.gov/expapi/verbs/…``,
#: Tin Can's ``id.tincanapi.com/verb/…``, which Moodle's xAPI log store writes).
_VERBS: dict[str, UsageKind] = {
    "viewed": "view",
    "experienced": "view",
    "launched": "view",
    "initialized": "view",
    "accessed": "view",
    "registered": "enrolment",
    "enrolled": "enrolment",
    "completed": "completion",
}


def kind_of(event: str) -> UsageKind | None:
    """The kind of use a Moodle event name or an xAPI verb id is; None for other events.

    >>> kind_of("\\\\core\\\\event\\\\course_viewed"), kind_of("Cours consulté")
    ('view', 'view')
    >>> kind_of("http://id.tincanapi.com/verb/completed"), kind_of("Module de cours consulté")
    ('completion', None)
    """
    if event.startswith(("http://", "https://")):
        return _VERBS.get(event.rstrip("/").rsplit("/", 1)[-1].casefold())
    return _EVENTS.get(event.strip().casefold())
