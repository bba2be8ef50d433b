"""Personal data is shown masked everywhere; only a logged reveal shows it whole."""


def mask_id_number(value: str) -> str:
    """``442000198001011234`` → ``4420**********1234``."""
    if not value:
        return ""
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_phone(value: str) -> str:
    """``13800138000`` → ``138****8000``."""
    if not value:
        return ""
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"
