"""The secure interface's AES (simulator/vendors/emay/crypto.py) reuses one encryptor and decryptor per
secretKey and thread; it must give what fresh cipher contexts with cryptography's own PKCS#7 padding
give (tests/vendors/emay/client.py), bad padding included, and keep working across threads."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.vendors.emay import crypto

from .client import aes_decrypt, aes_encrypt

KEYS = st.sampled_from(["0123456789ABCDEF", "FEDCBA9876543210", "0123456789ABCDEF01234567", "k" * 32])


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200), KEYS)
def test_encrypt_and_decrypt_are_the_fresh_contexts(data: bytes, key: str) -> None:
    sealed = crypto.encrypt(data, key)
    assert sealed == aes_encrypt(data, key)
    assert crypto.decrypt(sealed, key) == data == aes_decrypt(sealed, key)


@settings(max_examples=500, deadline=None)
@given(st.binary(min_size=1, max_size=5).map(lambda b: b * 16), KEYS, KEYS)
def test_any_block_string_decrypts_or_is_refused_as_cryptography_does(
    blocks: bytes, key: str, other: str
) -> None:
    data = crypto.encrypt(blocks, other)[:16] + blocks[:16]  # whole blocks, padding mostly wrong
    try:
        expected = aes_decrypt(data, key)
    except ValueError:
        with pytest.raises(crypto.CryptoError):
            crypto.decrypt(data, key)
    else:
        assert crypto.decrypt(data, key) == expected


def test_threads_each_use_their_own_contexts() -> None:
    data = bytes(range(256)) * 4096  # 1 MB: long enough for two threads to overlap
    sealed = aes_encrypt(data, "0123456789ABCDEF")
    results: list[bool] = []

    def work() -> None:
        results.extend(crypto.decrypt(sealed, "0123456789ABCDEF") == data for _ in range(5))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 15
