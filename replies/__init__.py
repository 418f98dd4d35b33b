"""What residents receive: templates, segment counting, the outbox and the send job."""


def init_app(app) -> None:
    """The public one-click pages (/q/<tag>) and the `residents` and `qr` commands."""
    from replies import cli, oneclick

    app.register_blueprint(oneclick.bp)
    app.cli.add_command(cli.residents_group)
    app.cli.add_command(cli.qr_group)
