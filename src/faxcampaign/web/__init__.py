"""The team's web app (`serve`): a Starlette front end beside the CLI. Routes call the services; the
templates only lay out what the routes prepared. No SQL and no decisions here. May import services,
outputs and the foundation; nothing below services directly but the log's pool."""
