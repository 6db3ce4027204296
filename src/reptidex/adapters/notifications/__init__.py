"""The channels notifications go out on (email, SMS, web push)."""
