"""A real SMTP server for the tests (aiosmtpd) that stores every message it accepts as a file.

Usage: smtp_sink.py DIR [PORT] [--tls CERT KEY]

Listens on 127.0.0.1:PORT (0 or absent: any free port) and prints "PORT <n>" on stdout once it listens.
Each accepted message is written to DIR/<time>-<n>.eml (the bytes as received), with its SMTP envelope in
DIR/<time>-<n>.json ({"mail_from": ..., "rcpt_tos": [...], "tls": ...}) written first, so a test that sees the
.eml sees the envelope too. "tls" is null for a message received in clear, else what the session's TLS layer
says: {"version": "TLSv1.3", "cipher": "..."}.

With --tls the server offers STARTTLS with that certificate and key (PEM), and still takes mail in clear, so a
client that does not upgrade (or falls back to clear) is seen doing so. Every session's steps are appended to
DIR/sessions.jsonl, one JSON object a line: {"event": "ehlo" | "starttls" | "tls" | "tls-failed" | "mail",
"tls": <whether the session was upgraded then>, "peer": "host:port", ...}: "starttls" when the client asks,
"tls" once the handshake is done, "tls-failed" when it fails, "mail" on MAIL FROM.

Runs until SIGTERM or SIGINT; restarting it on the same DIR keeps earlier messages and sessions.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import time

from aiosmtpd.smtp import SMTP, TLSSetupException, syntax


def tls_info(session):
    """What the session's TLS layer says, or None when the session is in clear."""
    if not session.ssl:
        return None
    obj = session.ssl.get("ssl_object")
    cipher = session.ssl.get("cipher")
    return {
        "version": obj.version() if obj is not None else None,
        "cipher": cipher[0] if cipher else None,
    }


class Store:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    def event(self, session, event, **extra):
        peer = session.peer
        record = {
            "event": event,
            "tls": bool(session.ssl),
            "peer": f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer),
            **extra,
        }
        with open(os.path.join(self.directory, "sessions.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.event(session, "ehlo", hostname=hostname)
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.event(session, "mail", address=address)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = os.path.join(self.directory, f"{time.time_ns()}-{self.count:04d}")
        with open(stem + ".json", "w", encoding="utf-8") as f:
            json.dump(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "tls": tls_info(session),
                },
                f,
            )
        with open(stem + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(stem + ".tmp", stem + ".eml")
        return f"250 2.0.0 Ok: stored as {os.path.basename(stem)}"


class Server(SMTP):
    """aiosmtpd's server, recording STARTTLS attempts and their outcome."""

    @syntax("STARTTLS", when="tls_context")
    async def smtp_STARTTLS(self, arg):
        store = self.event_handler
        store.event(self.session, "starttls")
        try:
            await super().smtp_STARTTLS(arg)
        except TLSSetupException as e:
            store.event(self.session, "tls-failed", error=repr(e.__cause__))
            raise
        if self.session.ssl:
            store.event(self.session, "tls", **tls_info(self.session))


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("port", nargs="?", type=int, default=0)
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    context = None
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*args.tls)
    handler = Store(args.dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: Server(
            handler,
            hostname="sink.test",
            data_size_limit=None,
            decode_data=False,
            tls_context=context,
        ),
        host="127.0.0.1",
        port=args.port,
        reuse_address=True,
    )
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


asyncio.run(main())
