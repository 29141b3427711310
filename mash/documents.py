"""Documents attached to records: checked by content, kept in private storage, read only through the record's
firewall, every upload and download audited.

* What may be attached (:data:`ALLOWED`): PDF, images (PNG, JPEG, GIF, WebP), Word (.doc, .docx) and plain
  text, up to ``settings.DOCUMENTS_MAX_BYTES`` (20 MB). The type is found from the bytes (``filetype``'s
  magic numbers; a .docx is a zip holding ``word/document.xml``; text decodes as UTF-8 with no NUL), never
  from the name or the browser's say-so, so a program renamed ``report.pdf`` is refused, and a real PDF
  named ``report.txt`` is a PDF.
* Where: the ``documents`` storage (``settings.DOCUMENTS_STORAGE``: a private directory by default, any
  django-storages backend by setting), under a random name. The user's file name is kept in the database
  only, made safe to show and to send back as the download's name.
* Who reads: the app owning the record registers a reader (:func:`register`): given a user, a ``Q`` over
  documents of its records the user may read. :func:`documents_for` combines them; anything else is 404.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import unicodedata
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404
from django.utils import timezone

from . import audit
from .exceptions import PolicyViolation
from .models import Document, DocumentKind

log = logging.getLogger(__name__)

HEAD_BYTES = 8192  # enough for every magic number filetype reads (a zip's entries are searched in 6,000)
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]  # the first is the one added to a download name that lacks a fitting one
    words: str


ALLOWED = {
    "pdf": FileType("application/pdf", ("pdf",), "PDF"),
    "png": FileType("image/png", ("png",), "PNG image"),
    "jpg": FileType("image/jpeg", ("jpg", "jpeg"), "JPEG image"),
    "gif": FileType("image/gif", ("gif",), "GIF image"),
    "webp": FileType("image/webp", ("webp",), "WebP image"),
    "doc": FileType("application/msword", ("doc",), "Word document"),
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",), "Word document"
    ),
    "txt": FileType("text/plain; charset=utf-8", ("txt",), "Text file"),
}
WORDS_BY_CONTENT_TYPE = {t.content_type: t.words for t in ALLOWED.values()}

# Programs, whatever they are called: Windows (MZ), Linux (ELF), macOS (Mach-O, universal), scripts (#!).
EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)

SELECT_A_FILE = "Select a file"
EMPTY = "The selected file is empty"
WRONG_TYPE = "The selected file must be a PDF, an image (PNG, JPEG, GIF or WebP), a Word document or a text file"
PROGRAM = (
    "The selected file is a program, not a document, whatever its name says. "
    "It must be a PDF, an image (PNG, JPEG, GIF or WebP), a Word document or a text file"
)
UNREADABLE = "The selected file could not be read. Check it opens on your computer and try again"
SELECT_KIND = "Select what kind of document this is"
DESCRIPTION_MAX = 500


def max_bytes() -> int:
    return settings.DOCUMENTS_MAX_BYTES


def size_words(size: int) -> str:
    """``20 MB``, ``350 KB``, ``12 bytes``: sizes as people read them."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} byte{'' if size == 1 else 's'}"


def too_large_message() -> str:
    return f"The file must be smaller than {size_words(max_bytes())}"


def storage():
    return storages["documents"]


# --- what the file is -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inspected:
    file_type: FileType
    size: int
    sha256: str


def _refuse(message: str):
    return PolicyViolation(message, field="file")


def _chunks(upload) -> Iterable[bytes]:
    upload.seek(0)
    while chunk := upload.read(CHUNK):
        yield chunk


def _is_docx(upload) -> bool:
    upload.seek(0)
    with zipfile.ZipFile(upload) as archive:  # reads the central directory only: nothing is extracted
        return "word/document.xml" in archive.namelist()


def _is_utf8_text(upload) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in _chunks(upload):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _file_type(upload, head: bytes) -> FileType:
    if head.startswith(EXECUTABLE_MAGIC):
        raise _refuse(PROGRAM)
    guess = filetype.guess(head)
    if guess is not None:
        if guess.extension in ("docx", "zip"):
            if _is_docx(upload):
                return ALLOWED["docx"]
            raise _refuse(WRONG_TYPE)
        if guess.extension in ("exe", "elf"):
            raise _refuse(PROGRAM)
        if guess.extension in ALLOWED:
            return ALLOWED[guess.extension]
        raise _refuse(WRONG_TYPE)
    if _is_utf8_text(upload):
        return ALLOWED["txt"]
    raise _refuse(WRONG_TYPE)


def inspect_upload(upload) -> Inspected:
    """What ``upload`` (a Django ``UploadedFile`` or any file with ``size``) is, from its content; a
    :class:`PolicyViolation` on ``file`` with the GOV.UK message when it may not be attached."""
    if upload is None:
        raise _refuse(SELECT_A_FILE)
    size = getattr(upload, "size", None)
    if size is None:
        raise _refuse(UNREADABLE)
    if size == 0:
        raise _refuse(EMPTY)
    if size > max_bytes():
        raise _refuse(too_large_message())
    try:
        upload.seek(0)
        head = upload.read(HEAD_BYTES)
        file_type = _file_type(upload, head)
        digest = hashlib.sha256()
        for chunk in _chunks(upload):
            digest.update(chunk)
        upload.seek(0)
    except PolicyViolation:
        raise
    except (OSError, ValueError, EOFError, RuntimeError, zipfile.BadZipFile, NotImplementedError) as exc:
        # A truncated zip, an unreadable temporary file, a zip of an unknown compression: refused, never a 500.
        log.info("Document refused as unreadable: %s", type(exc).__name__)
        raise _refuse(UNREADABLE) from None
    return Inspected(file_type=file_type, size=size, sha256=digest.hexdigest())


def safe_name(name: str) -> str:
    """The user's file name made safe to show and to send back: no folders, no control characters, at most
    150 characters keeping the extension; ``document`` when nothing is left."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"<>:|?*')
    name = " ".join(name.split()).strip(" .")
    if len(name) > 150:
        stem, dot, extension = name.rpartition(".")
        name = f"{stem[: 149 - len(extension)]}.{extension}" if dot and len(extension) <= 10 else name[:150]
    return name or "document"


def download_name(document: Document) -> str:
    """The name the download is saved under: the user's, with the extension of what the file really is."""
    name = document.original_name
    file_type = next((t for t in ALLOWED.values() if t.content_type == document.content_type), None)
    if file_type is None:
        return name
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    return name if extension in file_type.extensions else f"{name}.{file_type.extensions[0]}"


# --- who may read which documents -------------------------------------------------------------------------

# subject type (app_label.model) -> reader: user -> Q over Document of what they may read of that type.
_READERS: dict[str, Callable] = {}


def register(subject_type: str, reader: Callable) -> None:
    """The app owning ``subject_type`` says who reads its records' documents (called from its ``ready``)."""
    _READERS[subject_type] = reader


def subject_type_of(obj) -> str:
    return obj._meta.label_lower


def documents_for(user):
    """Every document ``user`` may read in the active tenant: the union of the registered readers' rules."""
    allowed = Q(pk__in=[])
    for subject_type, reader in _READERS.items():
        allowed |= Q(subject_type=subject_type) & reader(user)
    return Document.objects.filter(allowed).select_related("uploaded_by")


def documents_of(subject):
    """The documents of one record, newest first (one query, uploader joined). Not filtered by reader:
    callers have already shown the user may read the record; apps narrow further where they must."""
    return Document.objects.filter(subject_type=subject_type_of(subject), subject_id=subject.pk).select_related(
        "uploaded_by"
    )


def documents_by_subject(subject_type: str, ids: Iterable[int]) -> dict[int, list[Document]]:
    """``{record id: [documents]}`` for many records of one type: one query."""
    grouped: dict[int, list[Document]] = defaultdict(list)
    for document in Document.objects.filter(subject_type=subject_type, subject_id__in=list(ids)).select_related(
        "uploaded_by"
    ):
        grouped[document.subject_id].append(document)
    return grouped


def document_for(user, pk) -> Document:
    """The document if ``user`` may read it; otherwise it does not exist for them (404)."""
    document = documents_for(user).filter(pk=pk).first()
    if document is None:
        raise Http404
    return document


# --- attaching, downloading, removing -------------------------------------------------------------------


@contextmanager
def _stored(upload, *, tenant_id: int):
    """Save the file under a random name; remove it again when the block fails, so no file outlives a refusal."""
    name = storage().save(f"{tenant_id}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}", upload)
    try:
        yield name
    except BaseException:
        _delete_files([name])
        raise


def attach(*, subject, actor, upload, kind: str, description: str = "", label: str = "") -> Document:
    """Attach ``upload`` to ``subject`` (already checked: the actor may attach to it). Audited.

    Refusals are :class:`PolicyViolation` on ``file``, ``kind`` or ``description``, checked before
    anything is stored.
    """
    if kind not in DocumentKind.values:
        raise PolicyViolation(SELECT_KIND, field="kind")
    description = " ".join((description or "").split())
    if len(description) > DESCRIPTION_MAX:
        raise PolicyViolation(f"The description must be {DESCRIPTION_MAX} characters or fewer", field="description")
    inspected = inspect_upload(upload)
    label = (label or str(subject))[:200]
    with _stored(upload, tenant_id=subject.tenant_id) as storage_name, transaction.atomic():
        document = Document.objects.create(
            tenant_id=subject.tenant_id,
            subject_type=subject_type_of(subject),
            subject_id=subject.pk,
            subject_label=label,
            kind=kind,
            description=description,
            original_name=safe_name(upload.name),
            storage_name=storage_name,
            content_type=inspected.file_type.content_type,
            size=inspected.size,
            sha256=inspected.sha256,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        audit.record(
            actor=actor,
            action="document.uploaded",
            obj=document,
            label=f"{document.original_name} ({label})",
            changes=_audit_changes(document),
        )
    return document


def _audit_changes(document: Document) -> dict:
    return {
        "record": document.subject_type,
        "record_id": document.subject_id,
        "record_label": document.subject_label,
        "name": document.original_name,
        "kind": document.kind,
        "size": document.size,
        "content_type": document.content_type,
    }


def download(*, document: Document, actor) -> FileResponse:
    """The file as an attachment of its true type, never rendered by the browser. Audited."""
    try:
        handle = storage().open(document.storage_name, "rb")
    except (FileNotFoundError, OSError):
        log.error("Document %s has no file in storage", document.pk)
        raise Http404 from None
    audit.record(
        actor=actor,
        action="document.downloaded",
        obj=document,
        label=f"{document.original_name} ({document.subject_label})",
        changes=_audit_changes(document),
    )
    response = FileResponse(
        handle, as_attachment=True, filename=download_name(document), content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _delete_files(names: Iterable[str]) -> None:
    backend = storage()
    for name in names:
        try:
            backend.delete(name)
        except OSError:  # a file already gone is not a failure of the removal
            log.warning("Document file %s could not be deleted", name)


def remove_for(subject) -> int:
    """Delete the documents of ``subject`` (retention): the rows now, the files once the transaction commits."""
    documents = Document.objects.filter(subject_type=subject_type_of(subject), subject_id=subject.pk)
    names = list(documents.values_list("storage_name", flat=True))
    if names:
        documents.delete()
        transaction.on_commit(lambda: _delete_files(names))
    return len(names)


def words(document: Document) -> str:
    """``PDF, 1.2 MB``: what the document is, for lists."""
    return f"{WORDS_BY_CONTENT_TYPE.get(document.content_type, 'File')}, {size_words(document.size)}"
