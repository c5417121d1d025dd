"""The server-log check of the system tests (tests/conftest.py) passes only the records of its
allow-list: it reports every other error, critical record or traceback."""

from system_server import unexpected_log_errors

HEAD = "2026-12-02 05:20:01,123 4242 {level} sys_db {logger}: "
SERIALIZATION = HEAD.format(level="ERROR", logger="odoo.sql_db") + (
    "bad query: SELECT id FROM account_move_line WHERE id IN (1, 2) ORDER BY id FOR UPDATE\n"
    "ERROR: could not serialize access due to concurrent update\n"
)
# The same failure met by a foreign key's check, as an insert of a reconciliation hits it.
SERIALIZATION_IN_KEY_CHECK = HEAD.format(level="ERROR", logger="odoo.sql_db") + (
    'bad query: INSERT INTO "account_partial_reconcile" ("amount") VALUES (1)\n'
    "ERROR: could not serialize access due to concurrent update\n"
    'CONTEXT:  SQL statement "SELECT 1 FROM ONLY "public"."account_move_line" x WHERE "id"'
    ' OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF x"\n \n'
)
POLL_RETRY = HEAD.format(level="ERROR", logger="odoo.http") + (
    "Exception during request handling.\n"
    "Traceback (most recent call last):\n"
    '  File "addons/payment/controllers/post_processing.py", line 55, in poll_status\n'
    "psycopg2.errors.SerializationFailure: could not serialize access\n\n"
    "During handling of the above exception, another exception occurred:\n\n"
    "Traceback (most recent call last):\n"
    '  File "addons/payment/controllers/post_processing.py", line 60, in poll_status\n'
    "Exception: retry\n"
)
INFO = HEAD.format(level="INFO", logger="werkzeug") + '"POST /payment/status/poll" 200 -\n'


def test_the_allow_list_passes_only_what_it_names():
    assert unexpected_log_errors("") == []
    assert unexpected_log_errors(INFO + SERIALIZATION + POLL_RETRY + INFO) == []
    assert unexpected_log_errors(INFO + SERIALIZATION_IN_KEY_CHECK + INFO) == []


def test_anything_else_is_reported():
    deadlock = HEAD.format(level="ERROR", logger="odoo.sql_db") + (
        "bad query: UPDATE account_move SET x = 1\nERROR: deadlock detected\n"
    )
    key_error = HEAD.format(level="ERROR", logger="odoo.http") + (
        "Exception during request handling.\nTraceback (most recent call last):\n"
        "  File \"x.py\", line 1, in f\nKeyError: 'amount'\n"
    )
    warning_traceback = HEAD.format(level="WARNING", logger="odoo.addons.x") + (
        "Something odd\nTraceback (most recent call last):\nValueError: odd\n"
    )
    timeout = HEAD.format(level="ERROR", logger="odoo.service.server") + (
        "WorkerHTTP (4243) timeout after 120s\n"
    )
    critical = HEAD.format(level="CRITICAL", logger="odoo.service.server") + "Critical error\n"
    other_context = HEAD.format(level="ERROR", logger="odoo.sql_db") + (
        "bad query: UPDATE account_move SET x = 1\n"
        "ERROR: could not serialize access due to concurrent update\n"
        "CONTEXT:  PL/pgSQL function f() line 3 at SQL statement\n"
    )
    for record in (deadlock, key_error, warning_traceback, timeout, critical, other_context):
        reported = unexpected_log_errors(INFO + SERIALIZATION + record + POLL_RETRY)
        assert [r.split(":")[0] for r in reported] == [record.split(" ", 5)[5].split(":")[0]]
