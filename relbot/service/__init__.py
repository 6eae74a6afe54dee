"""The service layer: joins the core and the edges (ingest, poll, outbox, the weekly send,
review, the scheduler, status-mail import), built from the config in ``wiring``."""
