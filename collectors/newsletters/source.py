"""Newsletter reports as sources (``essaim import brevo``, ``essaim import mailchimp``)."""

from collectors.newsletters.brevo import parse_brevo
from collectors.newsletters.mailchimp import parse_mailchimp
from collectors.sources import Source

__all__ = ["SOURCES"]

SOURCES = (
    Source(name="import-brevo", parser=parse_brevo),
    Source(name="import-mailchimp", parser=parse_mailchimp),
)
