"""Run the fake Bot API standalone: ``python -m fakeapi --port 8081``.

Point a bot at the printed URLs (``base_url``/``base_file_url``) to try it
without Telegram; Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import threading

from fakeapi.server import FakeBotApi


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m fakeapi", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    args = parser.parse_args(argv)
    api = FakeBotApi(host=args.host, port=args.port).start()
    print(api.root_url, flush=True)
    print(f"base_url={api.base_url} base_file_url={api.base_file_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()


if __name__ == "__main__":
    main()
