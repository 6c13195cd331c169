"""Newsletter campaign reports (Brevo, Mailchimp): recipients, opens and clicks per link."""
