"""create_app() and app: the only place that wires config, database, queue, blueprints and commands."""
import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import db
import jobqueue
import schedule
from config import Config


def create_app(config: Config | None = None) -> Flask:
    config = config or Config()
    app = Flask(__name__, instance_path=config.INSTANCE_PATH)
    app.config.from_object(config)
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _ensure_instance_dir(app)

    db.init_app(app)
    jobqueue.init_app(app)
    _register_blueprints(app)
    _register_commands(app)
    if config.TRUSTED_PROXIES:
        # Behind a load balancer the client address (sign-in rate limits) comes from X-Forwarded-For.
        n = config.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    if config.embedded and config.EMBEDDED_CLOCK:
        schedule.start_in_background(app)
    return app


def _ensure_instance_dir(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def _register_blueprints(app: Flask) -> None:
    import digest
    import health
    import inbox
    import open311.api
    import replies
    import sms_gateway.webhook

    app.register_blueprint(health.bp)
    app.register_blueprint(sms_gateway.webhook.bp)
    app.register_blueprint(open311.api.bp)
    inbox.init_app(app)
    digest.init_app(app)
    replies.init_app(app)
    if app.config["SIMULATOR_ENABLED"]:
        import sms_gateway.simulator

        app.register_blueprint(sms_gateway.simulator.bp)


def _register_commands(app: Flask) -> None:
    import release
    import routing.cli
    import sla.cli

    app.cli.add_command(release.release_command)
    app.cli.add_command(schedule.clock_command)
    app.cli.add_command(routing.cli.routing_group)
    app.cli.add_command(sla.cli.sla_group)


def __getattr__(name: str):
    # `wsgi:app` for gunicorn and `flask --app wsgi`, built on first use so importing create_app has no side effects.
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(name)
