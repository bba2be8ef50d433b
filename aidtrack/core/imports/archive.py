"""An uploaded zip and its XML parts, opened as a stranger's file: bounded before it is unpacked.

- **The archive is checked before anything is unpacked.** The central
  directory is bounded first (zipfile would load any number of entries), then
  each part's declared size: zipfile never inflates a part beyond the size it
  declares (and a part that lies fails its CRC), so the declared sizes bound
  the work. A part that inflates more than ``_BOMB_RATIO`` times, or parts
  adding up to more than ``EXPANSION`` times the upload limit, are a zip bomb
  or simply too much. Encrypted parts and unknown compressions are refused.
- **No XML part may carry a DTD**: a DOCTYPE is how XML declares entities
  (the "billion laughs" bomb, external files), and no workbook needs one. The
  bytes are scanned for it as they stream in, before lxml sees them, and lxml
  parses without resolving entities or touching the network besides.
- **XML is streamed** with lxml's pull parser: the caller gets the elements
  it names as each ends, frees them, and is protected from an element that
  never ends (``_MAX_BETWEEN_EVENTS``).
"""

import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _
from lxml import etree

from aidtrack.core.imports.sheet import FileRefused

# Parts may unpack to this many times the upload limit, all together: a
# legitimate sheet of 100,000 rows and 35 columns unpacks to ~210 MB from ~17 MB.
EXPANSION = 20
# A part above this size that inflates more than _BOMB_RATIO times is a bomb:
# sheet XML compresses ~10 times, a run of zeros ~1,000 times.
_BOMB_RATIO = 100
_BOMB_MIN_SIZE = 1024 * 1024
# A workbook has tens of parts; the central directory listing them stays small.
MAX_PARTS = 10_000
_MAX_DIRECTORY_BYTES = 1024 * 1024
_CHUNK = 256 * 1024
# An element is built whole before it is read: a row, a string item, whatever lies
# between two of them may take this much XML at most (a real row takes kilobytes;
# a flood of tiny elements costs some 30 times its XML in memory).
_MAX_BETWEEN_EVENTS = 2 * 1024 * 1024

# A DOCTYPE or ENTITY declaration, as the bytes of each encoding an XML part may use.
_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_DTD_OVERLAP = max(len(marker) for marker in _DTD_MARKERS) - 1

# What a broken archive or XML part raises while it is read.
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, struct.error, etree.LxmlError)


def damaged() -> FileRefused:
    return FileRefused(
        _("The file is damaged or incomplete; open it in Excel, save it again and upload it anew.")
    )


def too_large() -> FileRefused:
    return FileRefused(
        _(
            "This workbook unpacks to more data than an import allows (a zip bomb, or simply "
            "too large); split it into smaller files."
        )
    )


@contextmanager
def damage_refused():
    """Turn the errors of a broken archive or XML part into a refusal the user can act on."""
    try:
        yield
    except _DAMAGE as error:
        raise damaged() from error


def open_archive(file, *, size: int, max_bytes: int) -> zipfile.ZipFile:
    """The zip ``file`` (``size`` bytes long), its parts checked against the limits."""
    with damage_refused():
        _check_central_directory(file, size)
        file.seek(0)
        archive = zipfile.ZipFile(file)
    try:
        _check_parts(archive, max_bytes)
    except BaseException:
        archive.close()
        raise
    return archive


def _check_central_directory(file, size: int) -> None:
    """Refuse an archive listing more parts than a workbook has, before zipfile loads them all.

    The end record (the archive's last 22 bytes, plus a comment of up to 64 KB)
    gives the directory's size; a zip64 archive moves it to its own record.
    """
    tail_size = min(size, 22 + 0xFFFF + 20)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) < end + 22:
        raise damaged()
    entries, directory_size = struct.unpack_from("<HI", tail, end + 10)
    if directory_size == 0xFFFFFFFF or entries == 0xFFFF:
        locator = end - 20
        if locator < 0 or tail[locator : locator + 4] != b"PK\x06\x07":
            raise damaged()
        (record_at,) = struct.unpack_from("<Q", tail, locator + 8)
        file.seek(record_at)
        record = file.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            raise damaged()
        entries, directory_size = struct.unpack_from("<QQ", record, 32)
    if entries > MAX_PARTS or directory_size > _MAX_DIRECTORY_BYTES:
        raise too_large()


def _check_parts(archive: zipfile.ZipFile, max_bytes: int) -> None:
    total = 0
    for info in archive.infolist():
        if info.flag_bits & 0x1 or info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ):
            raise damaged()
        inflates = info.file_size > _BOMB_RATIO * max(info.compress_size, 1)
        if info.file_size > _BOMB_MIN_SIZE and inflates:
            raise too_large()
        total += info.file_size
    if total > EXPANSION * max_bytes:
        raise too_large()


def xml_events(
    archive: zipfile.ZipFile, part: str, tags, *, until: str | None = None
) -> Iterator[tuple[str, object]]:
    """(event, element) at the end of each element named ``tags`` in ``part``, streamed.

    The bytes are checked for a DTD before the parser sees them, and the
    first element's document once more, whatever its encoding. Reading stops
    at the end of the element named ``until`` (what follows is not needed),
    and is refused when more than ``_MAX_BETWEEN_EVENTS`` of XML pass without
    an event: the parser builds every element whole, the caller frees them.
    """
    tags = (tags,) if isinstance(tags, str) else tuple(tags)
    parser = etree.XMLPullParser(
        events=("end",),
        tag=tags + ((f"{{*}}{until}",) if until else ()),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        collect_ids=False,
    )
    checked = False
    overlap = b""
    since_event = 0
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if chunk:
                _refuse_dtd(overlap + chunk[:_DTD_OVERLAP])
                _refuse_dtd(chunk)
                overlap = chunk[-_DTD_OVERLAP:]
                parser.feed(chunk)
                since_event += len(chunk)
            else:
                parser.close()
            for event, element in parser.read_events():
                since_event = 0
                if not checked:
                    _refuse_dtd_of(element)
                    checked = True
                if until and element.tag.rpartition("}")[2] == until:
                    return
                yield event, element
            if not chunk:
                return
            if since_event > _MAX_BETWEEN_EVENTS:
                raise too_large()


def drop_earlier_siblings(element) -> None:
    """Free the elements already read (each was cleared, but its empty shell stays)."""
    parent = element.getparent()
    if parent is not None:
        del parent[: parent.index(element)]


def _refuse_dtd(data: bytes) -> None:
    if any(marker in data for marker in _DTD_MARKERS):
        raise _entities_refused()


def _refuse_dtd_of(element) -> None:
    info = element.getroottree().docinfo
    if info.internalDTD is not None or info.doctype:
        raise _entities_refused()


def _entities_refused() -> FileRefused:
    return FileRefused(
        _(
            "This file declares XML entities (a DOCTYPE), which no workbook needs; "
            "it is refused for safety."
        )
    )
