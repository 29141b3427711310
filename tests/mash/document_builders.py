"""Builders of files for the documents tests: small real files of each allowed type (made here, in memory),
and things that are not documents (a Windows program, a Linux one, a zip that is not Word)."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def doc() -> bytes:
    """A Word 97-2003 file's header: the OLE2 compound file signature and Word's FIB at 512."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * (512 - 8)
    return header + b"\xec\xa5\xc1\x00" + b"\x00" * 1020


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document><w:body>Body map</w:body></w:document>')
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("payload.bin", "not a Word document")
    return buffer.getvalue()


def text() -> bytes:
    return "Home visit, 3 March: café closed, Leo's bruise on the left arm — seen by the GP.\n".encode()


def windows_program() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run"


def linux_program() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 300


# name, content, the content type the product finds
ALLOWED = {
    "pdf": ("police-report.pdf", pdf, "application/pdf"),
    "png": ("body-map.png", lambda: _image("PNG"), "image/png"),
    "jpeg": ("photo.jpg", lambda: _image("JPEG"), "image/jpeg"),
    "gif": ("sketch.gif", lambda: _image("GIF"), "image/gif"),
    "webp": ("photo.webp", lambda: _image("WEBP"), "image/webp"),
    "doc": ("eha.doc", doc, "application/msword"),
    "docx": ("eha.docx", docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "text": ("notes.txt", text, "text/plain; charset=utf-8"),
}


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    """A file as the browser sends it; the content type it claims is ignored by the product."""
    return SimpleUploadedFile(name, content, content_type=content_type)
