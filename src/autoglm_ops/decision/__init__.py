"""Decision layer of the credit flow: structured fields → policy rules + risk model → suggestion."""
