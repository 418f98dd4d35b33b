"""What residents receive: templates, segment counting, the outbox and the send job."""
