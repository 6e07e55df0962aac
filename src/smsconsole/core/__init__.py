"""The vocabulary every part shares: events, messages, calls, records, phone numbers, SMS, money."""
