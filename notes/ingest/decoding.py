"""Bytes of an uploaded or imported text → str, whatever encoding and line ends it came with.

Pure functions, no Django. UTF-8 (with or without BOM) first, then Windows-1252, which older
Swedish office files use; newlines become "\\n".
"""

from __future__ import annotations


def decode_bytes(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), falling back to Windows-1252; newlines become "\\n".

    Bytes that Windows-1252 leaves undefined are decoded as Latin-1 rather than dropped.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = "".join(_decode_cp1252_byte(b) for b in data)
    return normalise_newlines(text).removeprefix("\ufeff")


def _decode_cp1252_byte(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return bytes([byte]).decode("latin-1")


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR line ends as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
