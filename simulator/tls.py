"""HTTPS for clients that hard-code the scheme: a self-signed certificate made at start-up, or yours."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(hosts: list[str], days: int = 365) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) for ``hosts`` (names or IP addresses), valid ``days``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sms-simulator")])
    alt: list[x509.GeneralName] = []
    for h in hosts:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            alt.append(x509.DNSName(h))
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def server_context(cert: str | None, key: str | None, host: str) -> tuple[ssl.SSLContext, str]:
    """An SSL context from the given files, or from a fresh self-signed certificate for ``host``,
    localhost and 127.0.0.1 (written to a temporary folder).  Returns it and the certificate's path,
    which clients can trust (e.g. ``curl --cacert``)."""
    if cert is None:
        hosts = list(dict.fromkeys([host, "localhost", "127.0.0.1", "::1"]))
        hosts = [h for h in hosts if h not in ("0.0.0.0", "::")]
        cert_pem, key_pem = self_signed(hosts)
        folder = Path(tempfile.mkdtemp(prefix="sms-simulator-tls-"))
        cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
        Path(cert).write_bytes(cert_pem)
        Path(key).write_bytes(key_pem)
        Path(key).chmod(0o600)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx, cert
