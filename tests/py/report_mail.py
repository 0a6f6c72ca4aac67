"""Reads a report as an organisation receives it, with independent tools (Python's email and zipfile,
openpyxl), and prints what it found as one JSON object.

Usage: report_mail.py MESSAGE.eml OUTDIR     a received e-mail: headers, body, the zip attachment
       report_mail.py --zip ARCHIVE.zip OUTDIR   an archive written by `gateway report run --out`

The zip's members are extracted into OUTDIR (for `openssl cms -verify`). Printed: "headers" (From, To,
Subject, Message-ID, Date), "body", "attachments" (file names), "members" (name, compression: "stored" or
"deflated", size), "workbook" and "signature" (member names), "sheet" (the worksheet's name) and "rows" (every
row of the worksheet, cells as JSON: dates and times in ISO 8601, numbers as numbers, empty cells as null).
"""
import datetime
import email
import email.header
import email.policy
import json
import os
import sys
import zipfile

import openpyxl


def cell(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_zip(path, outdir, out):
    with zipfile.ZipFile(path) as z:
        out["members"] = [
            {
                "name": i.filename,
                "compression": "stored" if i.compress_type == zipfile.ZIP_STORED else "deflated",
                "size": i.file_size,
            }
            for i in z.infolist()
        ]
        z.extractall(outdir)
    names = [m["name"] for m in out["members"]]
    out["workbook"] = next((n for n in names if n.endswith(".xlsx")), None)
    out["signature"] = next((n for n in names if n.endswith(".sig")), None)
    if out["workbook"]:
        wb = openpyxl.load_workbook(os.path.join(outdir, out["workbook"]), read_only=True)
        ws = wb.worksheets[0]
        out["sheet"] = ws.title
        out["rows"] = [[cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
        wb.close()


def main():
    out = {}
    if sys.argv[1] == "--zip":
        read_zip(sys.argv[2], sys.argv[3], out)
    else:
        path, outdir = sys.argv[1], sys.argv[2]
        with open(path, "rb") as f:
            raw = f.read()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        # Headers are decoded by the classic decoder: it joins adjacent encoded-words as RFC 2047 says (the
        # new policy's address parser leaves a space where a long display name was split mid-word).
        legacy = email.message_from_bytes(raw, policy=email.policy.compat32)
        out["headers"] = {
            k: str(email.header.make_header(email.header.decode_header(legacy[k])))
            for k in ("From", "To", "Subject", "Message-ID", "Date")
        }
        body = msg.get_body(preferencelist=("plain",))
        out["body"] = body.get_content() if body else None
        out["attachments"] = []
        for part in msg.iter_attachments():
            name = part.get_filename()
            out["attachments"].append(name)
            if name and name.endswith(".zip"):
                archive = os.path.join(outdir, name)
                with open(archive, "wb") as f:
                    f.write(part.get_payload(decode=True))
                read_zip(archive, outdir, out)
    json.dump(out, sys.stdout, ensure_ascii=False)


main()
