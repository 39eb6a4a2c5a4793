"""Builders for hostile and broken files, written byte by byte so the tests
control every field a parser trusts: zip directories that lie, OLE2
containers, PDFs with thousands of pages, XML with entities.

Everything is built in memory in milliseconds: a zip bomb's deflate stream is
one compressed megabyte repeated (each copy starts after a full flush, so
the copies are identical and independent), and its CRC is combined from the
CRC of one copy, never computed over the inflated gigabyte.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GIB = 1 << 30
MIB = 1 << 20

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOCUMENT_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


# -- CRC-32 without the data -----------------------------------------------------------


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """CRC-32 of A + B from crc(A), crc(B) and len(B) (zlib's crc32_combine)."""
    if length2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << (n - 1) for n in range(1, 32)]  # one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    while True:
        even = _gf2_square(odd)
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


def crc32_repeated(chunk: bytes, count: int) -> int:
    """CRC-32 of ``chunk * count`` by doubling."""
    result, result_len = 0, 0
    power, power_len = zlib.crc32(chunk), len(chunk)
    while count:
        if count & 1:
            result = crc32_combine(result, power, power_len)
            result_len += power_len
        count >>= 1
        if count:
            power = crc32_combine(power, power, power_len)
            power_len *= 2
    return result


# -- zip --------------------------------------------------------------------------------


@dataclass
class Member:
    """One zip member: its raw deflate (or stored) bytes and what the
    directory says about it. ``declared_size`` / ``declared_crc`` override the
    truth (a directory that lies)."""

    name: str
    payload: bytes
    size: int
    crc: int
    method: int = 8  # 8 deflate, 0 stored
    declared_size: int | None = None
    declared_crc: int | None = None


def deflated(name: str, data: bytes) -> Member:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Member(name, c.compress(data) + c.flush(), len(data), zlib.crc32(data))


def stored(name: str, data: bytes) -> Member:
    return Member(name, data, len(data), zlib.crc32(data), method=0)


def bomb(name: str, head: bytes, unit: bytes, count: int, tail: bytes) -> Member:
    """A deflated member ``head + unit * count + tail`` built without ever
    holding the inflated data: about 1 KB on disk per MB inflated."""
    per_chunk = max(1, MIB // len(unit))
    chunk = unit * per_chunk
    copies, rest = divmod(count, per_chunk)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = [c.compress(head), c.flush(zlib.Z_FULL_FLUSH)]
    if copies:
        block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
        out.append(block)
        if copies > 1:
            again = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
            assert again == block, "deflate copies after a full flush should be identical"
            out.extend([block] * (copies - 1))
    out.append(c.compress(unit * rest + tail))
    out.append(c.flush())
    crc = zlib.crc32(head)
    crc = crc32_combine(crc, crc32_repeated(chunk, copies), len(chunk) * copies)
    crc = zlib.crc32(unit * rest + tail, crc)
    size = len(head) + len(unit) * count + len(tail)
    return Member(name, b"".join(out), size, crc)


def zip_bytes(members: Iterable[Member]) -> bytes:
    """A zip file (no zip64, no data descriptors) with exactly the given directory."""
    local = bytearray()
    central = bytearray()
    count = 0
    for m in members:
        name = m.name.encode("utf-8")
        size = m.size if m.declared_size is None else m.declared_size
        crc = m.crc if m.declared_crc is None else m.declared_crc
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, m.method, 0, 0x21, crc,
                             len(m.payload), size, len(name), 0) + name + m.payload
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, m.method, 0, 0x21, crc,
                               len(m.payload), size, len(name), 0, 0, 0, 0, 0, offset) + name
        count += 1
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(local), 0)
    return bytes(local + central + end)


# -- Word packages -----------------------------------------------------------------------


def word_xml(body: str, *, root: str = "document", prolog: str = "") -> str:
    content = f"<w:body>{body}</w:body>" if root == "document" else body
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
            f'<w:{root} xmlns:w="{W_NS}" xmlns:r="{R_NS}">{content}</w:{root}>')


def para(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def package_members(document: bytes | Member, *, parts: dict[str, bytes] | None = None,
                    rels: Sequence[tuple[str, str, str]] = (), core_title: str | None = None,
                    core_prolog: str = "", root_rels_prolog: str = "",
                    content_types_prolog: str = "") -> list[Member]:
    """The members of a minimal Word package. ``rels``: (id, type suffix,
    target) relationships of the main part; a ``Member`` as ``document`` is
    used as it is (a bomb)."""
    rel_xml = "".join(f'<Relationship Id="{rid}" Type="{R_NS}/{kind}" Target="{target}"/>'
                      for rid, kind, target in rels)
    root_rels = (f'<?xml version="1.0"?>{root_rels_prolog}<Relationships xmlns="http://schemas.openxmlformats.org/'
                 f'package/2006/relationships"><Relationship Id="rId1" Type="{R_NS}/officeDocument" '
                 'Target="word/document.xml"/>')
    if core_title is not None:
        root_rels += ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
                      'relationships/metadata/core-properties" Target="docProps/core.xml"/>')
    root_rels += "</Relationships>"
    members = [
        deflated("[Content_Types].xml", (
            f'<?xml version="1.0"?>{content_types_prolog}<Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/word/document.xml" '
            f'ContentType="{DOCUMENT_CT}"/></Types>').encode()),
        deflated("_rels/.rels", root_rels.encode()),
        document if isinstance(document, Member) else deflated("word/document.xml", document),
        deflated("word/_rels/document.xml.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships">{rel_xml}</Relationships>').encode()),
    ]
    if core_title is not None:
        members.append(deflated("docProps/core.xml", (
            f'<?xml version="1.0"?>{core_prolog}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
            'package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{core_title}</dc:title></cp:coreProperties>").encode()))
    for name, data in (parts or {}).items():
        members.append(deflated(name, data))
    return members


def docx_bytes(document: str | bytes | Member, **kwargs) -> bytes:
    if isinstance(document, str):
        document = document.encode("utf-8")
    return zip_bytes(package_members(document, **kwargs))


_TEXT_HEAD = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>'
              "<w:p><w:r><w:t>").encode()
_TEXT_TAIL = b"</w:t></w:r></w:p></w:body></w:document>"


def _text_node_member(inflated: int) -> Member:
    return bomb("word/document.xml", _TEXT_HEAD, b"A", inflated - len(_TEXT_HEAD) - len(_TEXT_TAIL), _TEXT_TAIL)


def text_node_bomb(inflated: int = GIB) -> bytes:
    """A Word package whose main part is one paragraph holding one text node
    of ``inflated`` bytes."""
    return zip_bytes(package_members(_text_node_member(inflated)))


TINY_PARAGRAPH = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"


def paragraph_bomb(paragraphs: int = 3_000_000, unit: bytes = TINY_PARAGRAPH) -> bytes:
    """A Word package whose main part has ``paragraphs`` tiny paragraphs."""
    head = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>').encode()
    tail = b"</w:body></w:document>"
    return zip_bytes(package_members(bomb("word/document.xml", head, unit, paragraphs, tail)))


def lying_bomb(inflated: int = GIB, declared: int = 4096) -> bytes:
    """Like ``text_node_bomb`` but the zip directory says the main part is
    ``declared`` bytes (and gives the CRC of that many bytes), so only
    reading -- not the directory -- can catch it."""
    member = _text_node_member(inflated)
    member.declared_size = declared
    member.declared_crc = zlib.crc32((_TEXT_HEAD + b"A" * declared)[:declared])
    return zip_bytes(package_members(member))


def nested_tables(depth: int, text: str = "Deepest cell") -> str:
    """A main part with ``depth`` tables, each inside the only cell of the one above."""
    body = para(text)
    for level in range(depth):
        body = f"<w:tbl><w:tr><w:tc>{para(f'Level {depth - level}')}{body}</w:tc></w:tr></w:tbl>"
    return word_xml(body + para("After the tables"))


def billion_laughs(root: str = "document") -> str:
    """The classic entity expansion (10^9 "lol"s if expanded), used in a w:t."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    return word_xml(para("Laugh &lol9;"), root=root, prolog=f"<!DOCTYPE w:{root} [{entities}]>")


# -- OLE2 (compound file binary) ------------------------------------------------------------

_FREE, _END, _FAT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _dir_entry(name: str, kind: int, child: int = _NOSTREAM, right: int = _NOSTREAM,
               start: int = _END, size: int = 0) -> bytes:
    if not name:
        return struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM,
                           b"", 0, 0, 0, 0, 0)
    encoded = (name + "\0").encode("utf-16-le")
    return struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, _NOSTREAM, right, child,
                       b"", 0, 0, 0, start, size)


def cfb_bytes(streams: dict[str, bytes]) -> bytes:
    """An OLE2 compound file (version 3, 512-byte sectors) holding
    ``streams`` in its root storage. Streams are padded to 4096 bytes so none
    goes in the mini stream; at most three streams and 60 KB in all."""
    assert len(streams) <= 3
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # CFB order: a right-leaning chain
    datas = [streams[n].ljust(4096, b"\0") for n in names]
    sectors: list[bytes] = []
    fat = [_FAT, _END]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for data in datas:
        data = data + b"\0" * (-len(data) % 512)
        first = 2 + len(sectors)
        starts.append(first)
        count = len(data) // 512
        fat.extend(first + i + 1 for i in range(count - 1))
        fat.append(_END)
        sectors.extend(data[i:i + 512] for i in range(0, len(data), 512))
    assert len(fat) <= 128
    fat_sector = struct.pack("<128I", *(fat + [_FREE] * (128 - len(fat))))
    entries = [_dir_entry("Root Entry", 5, child=1 if names else _NOSTREAM)]
    for i, (name, _data) in enumerate(zip(names, datas)):
        right = i + 2 if i + 1 < len(names) else _NOSTREAM
        entries.append(_dir_entry(name, 2, right=right, start=starts[i], size=len(streams[name])))
    entries += [_dir_entry("", 0)] * (4 - len(entries))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", 0, *([_FREE] * 108)))
    assert len(header) == 512
    return header + fat_sector + b"".join(entries) + b"".join(sectors)


def encrypted_docx_bytes() -> bytes:
    """What Word writes for a password-protected .docx: an OLE2 container with
    EncryptionInfo (agile, version 4.4) and EncryptedPackage streams."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    package = struct.pack("<Q", 12345) + bytes(range(256)) * 8
    return cfb_bytes({"EncryptionInfo": info, "EncryptedPackage": package})


def legacy_doc_bytes() -> bytes:
    """A Word 97-2003 .doc (as far as its container goes): WordDocument and 1Table streams."""
    fib = struct.pack("<HH", 0xA5EC, 0xC1) + b"\0" * 60
    return cfb_bytes({"WordDocument": fib, "1Table": b"\0" * 64})


# -- PDF ---------------------------------------------------------------------------------------


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf_bytes(pages: Sequence[Sequence[str] | None], *, image_pages: Iterable[int] = (),
              tree_last: bool = False) -> bytes:
    """A PDF with one page per item of ``pages``: its lines of text in
    Helvetica, or nothing for None. Pages whose 1-based number is in
    ``image_pages`` show an image and no text (a scan). ``tree_last`` writes
    the page tree after the pages, as many producers do."""
    images = set(image_pages)
    count = len(pages)
    objects: dict[int, bytes] = {}
    # 1 catalog, 2 page tree, 3 font, 4 image, 5 resources, then page/content pairs.
    image = bytes((x * 16 + y * 16) % 256 for x in range(16) for y in range(16))
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objects[4] = (b"<< /Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray "
                  b"/BitsPerComponent 8 /Length %d >>\nstream\n" % len(image) + image + b"\nendstream")
    objects[5] = b"<< /Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> >>"
    kids = []
    for index, lines in enumerate(pages):
        page_id, content_id = 6 + 2 * index, 7 + 2 * index
        kids.append(f"{page_id} 0 R")
        if index + 1 in images:
            content = "q 400 0 0 300 100 300 cm /Im1 Do Q"
        elif lines:
            content = "BT /F1 11 Tf 14 TL 72 720 Td " + " T* ".join(f"{_pdf_string(line)} Tj" for line in lines) + " ET"
        else:
            content = ""
        data = content.encode("latin-1")
        objects[page_id] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources 5 0 R "
                            f"/Contents {content_id} 0 R >>").encode()
        objects[content_id] = b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {count} >>".encode()
    order = sorted(objects)
    if tree_last:
        order = [n for n in order if n != 2] + [2]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in order:
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


_TOPICS = ("Rostering", "Breaks", "Overtime", "Annual leave", "Sick leave", "Training", "Supervision",
           "Travel", "Uniforms", "Records", "Safety", "Complaints", "Parking")
_SENTENCES = (
    "Staff must take a paid break of thirty minutes in each shift of more than five hours.",
    "The manager will record every change to the roster in the rostering system.",
    "Requests for leave should be made at least two weeks before the leave starts.",
    "Workers who are unwell must tell their team leader before the start of their shift.",
    "All new staff complete an induction within their first month of employment.",
    "Each worker meets with a supervisor of their choice at least once a month.",
    "Travel costs are paid back when the trip was approved in advance by a manager.",
    "The organisation provides two sets of uniform to each worker every year.",
    "Personal records are kept in a locked cabinet and are only seen by the HR team.",
    "Any injury at work is reported on the day it happens, using the incident form.",
    "A complaint about a colleague can be made to any manager, in writing or in person.",
)


RUNNING_HEADER = "Harbour City Health - Workforce Policy Manual"


def policy_page(number: int, total: int) -> list[str]:
    """A page of an English policy manual: a running header, a topic, two
    sentences (no body line is on most pages) and "Page N of M"."""
    topic = _TOPICS[number % len(_TOPICS)]
    return [RUNNING_HEADER,
            f"{topic}, part {number}",
            _SENTENCES[number % len(_SENTENCES)],
            _SENTENCES[(number * 7 + 3) % len(_SENTENCES)],
            f"Page {number} of {total}"]


def long_pdf(pages: int = 2000) -> bytes:
    return pdf_bytes([policy_page(n, pages) for n in range(1, pages + 1)])


# -- measuring (not a test): python tests/hostile.py [--pipeline] --------------------------

_MEASURE_CHILD = """
import json, resource, sys, time
from pathlib import Path
from policylint.run import Options, read_and_classify
from policylint.config import Config
from policylint.document import Limits
limits = Limits(max_part_bytes=1 << 30, max_total_bytes=1 << 31, max_compression_ratio=1e9) \
    if sys.argv[3] == "raised" else Limits()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
doc, info, findings = read_and_classify(Path(sys.argv[1]), Options(config=Config(limits=limits)))
if sys.argv[2] == "pipeline" and doc is not None:
    from policylint.run import make_engine
    engine = make_engine(Options())
    engine.check(engine.analyse(doc))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "base_mb": base / 1024,
                  "codes": sorted({f.code for f in findings}), "blocks": len(doc.blocks) if doc else 0,
                  "message": findings[0].message if findings else ""}))
"""


def measure(pipeline: bool = False) -> None:
    """Wall time and peak RSS of policylint answering on the two zip bombs
    and the 2,000-page PDF, each in a fresh process."""
    import json
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    cases = {"zip bomb, one 1 GiB text node": ("bomb-text.docx", text_node_bomb, "default"),
             "zip bomb, 3,000,000 tiny paragraphs": ("bomb-paragraphs.docx", paragraph_bomb, "default"),
             "  same, size and ratio limits raised": ("bomb-paragraphs.docx", paragraph_bomb, "raised"),
             "zip bomb, directory lies (declares 4 KB)": ("bomb-lying.docx", lying_bomb, "default"),
             "2,000-page PDF": ("manual-2000-pages.pdf", long_pdf, "default")}
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        for label, (name, build, limits) in cases.items():
            path = Path(tmp) / name
            path.write_bytes(build())
            mode = "pipeline" if pipeline and name.endswith(".pdf") else "read"
            out = subprocess.run([sys.executable, "-c", _MEASURE_CHILD, str(path), mode, limits], cwd=root,
                                 capture_output=True, text=True, check=True).stdout
            r = json.loads(out)
            print(f"{label:42} {path.stat().st_size / MIB:6.2f} MB on disk  {mode:8} {r['seconds']:7.2f} s  "
                  f"peak RSS {r['peak_mb']:6.1f} MB (after imports {r['base_mb']:5.1f} MB)  "
                  f"{','.join(r['codes']) or 'read'}  blocks={r['blocks']}  {r['message'][:70]}")


if __name__ == "__main__":
    import sys

    measure(pipeline="--pipeline" in sys.argv)
