"""Formatters: each takes a service's result and returns text or bytes (plan, call sheet, rota, status
and history, sending reports). No decisions, no I/O.

May import: services and everything below it; never click."""
