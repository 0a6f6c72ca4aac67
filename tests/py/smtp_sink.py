"""A real SMTP server for the tests (aiosmtpd) that stores every message it accepts as a file.

Usage: smtp_sink.py DIR [PORT]

Listens on 127.0.0.1:PORT (0 or absent: any free port) and prints "PORT <n>" on stdout once it listens.
Each accepted message is written to DIR/<time>-<n>.eml (the bytes as received), with its SMTP envelope in
DIR/<time>-<n>.json ({"mail_from": ..., "rcpt_tos": [...]}) written first, so a test that sees the .eml
sees the envelope too. Runs until SIGTERM or SIGINT; restarting it on the same DIR keeps earlier messages.
"""
import asyncio
import json
import os
import signal
import sys
import time

from aiosmtpd.smtp import SMTP


class Store:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = os.path.join(self.directory, f"{time.time_ns()}-{self.count:04d}")
        with open(stem + ".json", "w", encoding="utf-8") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        with open(stem + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(stem + ".tmp", stem + ".eml")
        return f"250 2.0.0 Ok: stored as {os.path.basename(stem)}"


async def main():
    directory = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    os.makedirs(directory, exist_ok=True)
    handler = Store(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", data_size_limit=None, decode_data=False),
        host="127.0.0.1",
        port=port,
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
