"""Cut a golden-file input from a real file: its header and first N records, byte for byte.

    python tests/golden/cut.py SOURCE TARGET N

The bytes are copied as they are (encoding, byte-order mark, delimiters, quoting, line ends); a record ends at
the first line end outside quotes, so a quoted cell over several lines stays whole. A gzipped source is read
unzipped (the target is plain CSV).
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path


def cut(source: Path, records: int) -> bytes:
    raw = source.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    out: list[bytes] = []
    quotes = 0
    wanted = records + 1  # the header, then the records
    for line in raw.splitlines(keepends=True):
        out.append(line)
        quotes += line.count(b'"')
        if quotes % 2 == 0:  # the record ends here
            wanted -= 1
            if wanted == 0:
                break
    return b"".join(out)


if __name__ == "__main__":
    source, target, count = sys.argv[1:]
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_bytes(cut(Path(source), int(count)))
