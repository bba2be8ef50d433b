"""Opaque, signed tokens for URLs: the API's cursors and the list pages' cursors.

A token is the payload signed with the secret key (a salt per use, so one
kind of token is never accepted as another), in URL-safe base64. A token we
did not hand out, edited or truncated, raises ``BadToken``.
"""

from base64 import urlsafe_b64decode, urlsafe_b64encode

from django.core.signing import BadSignature, Signer


class BadToken(ValueError):
    """Not a token this server signed for this use."""


def sign_token(payload: str, *, salt: str) -> str:
    signed = Signer(salt=salt).sign(payload)
    return urlsafe_b64encode(signed.encode()).decode("ascii")


def unsign_token(token: str, *, salt: str) -> str:
    try:
        signed = urlsafe_b64decode(token.encode("ascii")).decode("ascii")
        return Signer(salt=salt).unsign(signed)
    except (ValueError, BadSignature):  # binascii.Error and UnicodeError are ValueErrors
        raise BadToken(token) from None
