"""``policylint serve``: the review page, a local web application."""

from __future__ import annotations

from pathlib import Path

import click

from policylint.commands.options import checking, rule_error, run_options


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on. Keep the default unless others must reach the page.")
@click.option("--port", default=8750, show_default=True, type=click.IntRange(1, 65535), help="The port to listen on.")
@click.option("--allow-host", "allow_hosts", multiple=True,
              help="Another name the page may be reached by (the Host header), e.g. this server's name "
                   "when --host is not a loopback address. May be repeated.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16),
              help="Uploads checked at the same time.")
@click.option("--max-files", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="Files in one upload (a zip counts the files it holds).")
@click.option("--forget-after", default=30, show_default=True, type=click.IntRange(1, 24 * 60),
              help="Minutes an upload unused is kept before it is deleted.")
@checking
def command(host: str, port: int, allow_hosts: tuple[str, ...], workers: int, max_files: int, forget_after: int,
            kind: str | None, select: tuple[str, ...], ignore: tuple[str, ...], config_path: Path | None,
            model: str | None) -> None:
    """Serve the review page: a reviewer drops in documents, reads the
    findings beside the text, dismisses findings or chooses suggested
    wording, and downloads the reviewed Word copy, the findings and the
    scorecard. Nothing is kept: uploads are deleted when the reviewer
    finishes, soon after a download, or when left unused.

    \b
    Example:  policylint serve            # then open http://127.0.0.1:8750/
    """
    import socket

    from policylint.engine.rules import RuleError

    if any(h.strip() in ("*", "") or "*" in h for h in allow_hosts):
        raise click.BadParameter("name each host; a wildcard would let any web page reach the server",
                                 param_hint="'--allow-host'")
    import uvicorn

    from policylint.run import make_engine
    from policylint.serve import Settings, create_app

    options = run_options([Path.cwd()], kind, select, ignore, config_path, model)
    try:
        engine = make_engine(options)
    except RuleError as exc:
        raise rule_error(exc) from None
    settings = Settings(options, host=host, port=port, allow_hosts=tuple(h.strip().lower() for h in allow_hosts),
                        workers=workers, max_files=max_files, idle_seconds=forget_after * 60.0)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)  # connections wait from now on, while the server starts
    except OSError as exc:
        sock.close()
        raise click.ClickException(f"cannot listen on {host} port {port}: {exc.strerror or exc}; "
                                   "try another --port") from None
    app = create_app(settings, engine)
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    click.echo(f"policylint serve: the review page is at http://{shown}:{port}/", err=True)
    click.echo("Open that address in your browser. Press Ctrl-C here to stop; uploads are deleted then.", err=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", server_header=False, date_header=False))
    server.run(sockets=[sock])
