"""Reads an e-mail as its recipient's mail program would (Python's email package), and prints one JSON object.

Usage: mail_parts.py MESSAGE.eml OUTDIR

Printed: "headers" (From, To, Subject, Message-ID, decoded), "body" (the text/plain part, decoded) and
"attachments": [{"name", "type", "path", "size"}], each attachment written to OUTDIR under its file name.
"""
import email
import email.policy
import json
import os
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",))
    attachments = []
    for part in msg.iter_attachments():
        name = os.path.basename(part.get_filename() or "unnamed")
        data = part.get_payload(decode=True) or b""
        target = os.path.join(out, name)
        with open(target, "wb") as f:
            f.write(data)
        attachments.append(
            {"name": name, "type": part.get_content_type(), "path": target, "size": len(data)}
        )
    print(
        json.dumps(
            {
                "headers": {k: str(msg[k]) for k in ("From", "To", "Subject", "Message-ID") if msg[k]},
                "body": body.get_content() if body is not None else None,
                "attachments": attachments,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
