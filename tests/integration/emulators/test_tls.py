"""The emulators' self-signed certificate: reused while it has time left, renewed near expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509

from emulators.tls import LIFETIME, RENEW_BEFORE, self_signed


def _expiry(cert: Path) -> datetime:
    return x509.load_pem_x509_certificate(cert.read_bytes()).not_valid_after_utc


def test_an_existing_certificate_is_reused_until_it_nears_expiry_then_renewed(tmp_path: Path) -> None:
    # GIVEN a certificate written now
    now = datetime.now(UTC)
    first = self_signed(tmp_path, now=now).cert.read_bytes()

    # WHEN asked again the next day, and again when less than RENEW_BEFORE is left
    again = self_signed(tmp_path, now=now + timedelta(days=1)).cert.read_bytes()
    late = now + LIFETIME - RENEW_BEFORE + timedelta(hours=1)
    renewed = self_signed(tmp_path, now=late)

    # THEN the first is kept, the second replaced by one valid well past that moment
    assert again == first
    assert renewed.cert.read_bytes() != first
    assert _expiry(renewed.cert) > late + RENEW_BEFORE


def test_an_unreadable_certificate_is_replaced(tmp_path: Path) -> None:
    files = self_signed(tmp_path)
    files.cert.write_text("not a certificate")
    assert _expiry(self_signed(tmp_path).cert) > datetime.now(UTC) + RENEW_BEFORE
