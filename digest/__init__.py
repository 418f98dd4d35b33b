"""The mayor's morning digest and the dashboard."""
from flask import Flask


def init_app(app: Flask) -> None:
    from digest import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.digest_group)
