"""Twilio in and out: webhooks, signature check, phone numbers, senders, the phone simulator."""
