"""`python -m kb.printing.child MEMORY CPU FORMAT`: the bounded child that makes a PDF or Word file.

It reads kb.printing.to_json's output on stdin and answers {"ok": true, "content": base64} through
kb.extract.child_main, which limits its address space and CPU time before it reads a byte.
"""
from __future__ import annotations

import base64
import sys

from kb import extract
from kb.printing.document import from_json


def _make(content: bytes, args: list[str]) -> dict:
    """The file of the format in args[0] ("pdf" or "docx")."""
    doc, html = from_json(content)
    if args[0] == "pdf":
        from kb.printing.pdf import write_pdf

        data = write_pdf(doc, html)
    else:
        from kb.printing.office import write_docx

        data = write_docx(doc)
    return {"content": base64.b64encode(data).decode("ascii")}


if __name__ == "__main__":
    sys.exit(extract.child_main(sys.argv[1:], _make))
