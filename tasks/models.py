"""Clinical work owed to a patient after discharge: follow-ups, alerts and their delivery."""
