"""Live push queries: one display updated in place at a bounded rate, keyed table views,
background cells, stopping (interrupt, %stop, re-run, shutdown) and headless endings."""
import os
import signal
import time

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

import harness
from harness import collect, execute, texts
from ksql_helpers import final_frame, live_frames, settled, with_defaults


def push_query(match, rows, columns=None, interval_ms=0, end="hang", **extra):
    q = {"match": match, "push": True, "rows": rows, "row_interval_ms": interval_ms, "end": end,
         "columns": columns or [{"name": "K", "type": "STRING"}, {"name": "N", "type": "BIGINT"}]}
    q.update(extra)
    return q


@pytest.fixture
def live_kernel(fake_server):
    fake_server.reset()
    env = dict(os.environ, KSQLDB_URL=fake_server.url)
    km, kc = start_new_kernel(kernel_name=harness.KERNEL_NAME, env=env, startup_timeout=30)
    yield fake_server, km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=False)


def displays(outputs):
    """Displays that can be updated (the connection banner of a first cell is not one)."""
    return [m for m in outputs if m["msg_type"] == "display_data" and m["content"].get("transient", {}).get("display_id")]


def updates(outputs):
    """The display's updates that draw a frame (not the one that empties it at the end)."""
    return [m for m in outputs if m["msg_type"] == "update_display_data" and m["content"]["data"]]


def final_json(outputs):
    return [m["content"]["data"]["application/vnd.ksqldb+json"] for m in settled(outputs)
            if "application/vnd.ksqldb+json" in m["content"].get("data", {})][-1]


def test_updates_are_coalesced_and_in_place(live_kernel):
    server, _, kc = live_kernel
    rows = [[f"k{i}", i] for i in range(60)]
    server.set_scenario({"queries": [push_query("SELECT * FROM ticks EMIT CHANGES", rows, interval_ms=25, end="complete")]})
    started = time.monotonic()
    reply, outputs = execute(kc, "%push --interval 250\nSELECT * FROM ticks EMIT CHANGES;", timeout=30)
    elapsed = time.monotonic() - started
    assert reply["content"]["status"] == "ok"
    shown = displays(outputs)
    assert len(shown) == 1, "one display, never one output per row"
    display_id = shown[0]["content"]["transient"]["display_id"]
    ups = updates(outputs)
    assert ups, "the display was updated"
    for u in ups:
        assert u["content"]["transient"]["display_id"] == display_id
        assert u["parent_header"]["msg_id"] == shown[0]["parent_header"]["msg_id"]
        assert "metadata" in u["content"]
    # At most one update per interval, plus the final one.
    assert len(ups) <= elapsed / 0.25 + 2, (len(ups), elapsed)
    assert len(ups) < len(rows) / 3
    result = final_json(outputs)
    assert result["total_rows"] == 60
    assert len(result["rows"]) == 60
    assert "Query Completed" in final_frame(outputs)["text/plain"]
    # The end: the live display is emptied and the final frame follows as a new output (one
    # table in a notebook; front ends that ignore updates, jupyter console, show it too).
    ending = [m for m in outputs if m["msg_type"] in ("display_data", "update_display_data")][-2:]
    assert ending[0]["msg_type"] == "update_display_data" and ending[0]["content"]["data"] == {}
    assert ending[0]["content"]["transient"]["display_id"] == display_id
    assert ending[1]["msg_type"] == "display_data" and "Query Completed" in ending[1]["content"]["data"]["text/html"]


def test_tail_is_bounded_to_the_row_cap(live_kernel):
    server, _, kc = live_kernel
    rows = [[f"k{i}", i] for i in range(500)]
    server.set_scenario({"queries": [push_query("SELECT * FROM many EMIT CHANGES", rows, end="complete")]})
    reply, outputs = execute(kc, "%push --rows 10\nSELECT * FROM many EMIT CHANGES;", timeout=30)
    result = final_json(outputs)
    assert result["rows"] == [[f"k{i}", i] for i in range(490, 500)]
    assert result["total_rows"] == 500
    assert "last 10 of 500" in texts(settled(outputs))


def test_table_view_materializes_upserts_and_tombstones(live_kernel):
    server, _, kc = live_kernel
    changes = [["a", 1], ["b", 1], ["a", 2], ["c", 5], {"columns": ["b", None], "tombstone": True}, ["a", 3], ["d", 1]]
    sql = "SELECT K, COUNT(*) AS N FROM clicks GROUP BY K EMIT CHANGES"
    server.set_scenario({"queries": [push_query(sql, changes, end="complete")]})
    reply, outputs = execute(kc, sql + ";", timeout=30)
    assert reply["content"]["status"] == "ok"
    result = final_json(outputs)
    # The materialization: last value per key, deleted keys gone, in key order.
    assert result["rows"] == [["a", 3], ["c", 5], ["d", 1]]
    final_text = final_frame(outputs)["text/plain"]
    assert "table view" in final_text and "1 deletes" in final_text


def test_changelog_view_shows_every_change(live_kernel):
    server, _, kc = live_kernel
    changes = [["a", 1], {"columns": ["a", None], "tombstone": True}]
    server.set_scenario({"queries": [push_query("SELECT * FROM t EMIT CHANGES", changes, end="complete", table=True)]})
    reply, outputs = execute(kc, "%push --mode changelog\nSELECT * FROM t EMIT CHANGES;", timeout=30)
    text = final_frame(outputs)["text/plain"]
    assert "DELETE" in text and ("UPSERT" in text or "INSERT" in text)


def test_interrupt_closes_the_right_query(live_kernel):
    server, _, kc = live_kernel
    server.set_scenario({"queries": [push_query("SELECT * FROM endless EMIT CHANGES", [["a", 1]], query_id="transient_ENDLESS_42")]})
    msg_id = kc.execute("SELECT * FROM endless EMIT CHANGES;")
    time.sleep(0.8)
    assert [q["id"] for q in server.active_queries()] == ["transient_ENDLESS_42"]
    kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    reply = kc.get_shell_msg(timeout=10)
    assert reply["content"]["status"] == "ok"
    outputs = collect(kc, msg_id)
    assert "stopped by user" in final_frame(outputs)["text/plain"]
    closes = [r for r in server.requests() if r["path"] == "/close-query"]
    assert closes and '"transient_ENDLESS_42"' in closes[0]["body"]
    assert server.active_queries() == []


@pytest.mark.parametrize("how", ["interrupt_request", "SIGINT"])
def test_interrupt_aborts_the_cells_queued_behind_the_push_query(live_kernel, how):
    """Run All with a push query that never ends: the stop button ends it (its rows kept, reply
    as usual) and the cells queued behind it are aborted, as in ipykernel, instead of running
    into the next blocking push query. A cell sent after the interrupt runs."""
    server, km, kc = live_kernel
    server.set_scenario(with_defaults(queries=[
        push_query("SELECT * FROM endless EMIT CHANGES", [["a", 1], ["b", 2]]),
        push_query("SELECT * FROM blocking EMIT CHANGES", [["c", 3]])]))
    first = kc.execute("SELECT * FROM endless EMIT CHANGES;")
    deadline = time.monotonic() + 10
    while not server.active_queries() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the rows are in
    queued = [kc.execute("SELECT * FROM blocking EMIT CHANGES;"), kc.execute("SHOW STREAMS;")]
    time.sleep(0.3)  # read by the kernel, waiting behind the push query
    started = time.monotonic()
    if how == "SIGINT":
        km.signal_kernel(signal.SIGINT)
    else:
        kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    replies, took = {}, {}
    while len(replies) < 3 and time.monotonic() - started < 10:
        try:
            r = kc.get_shell_msg(timeout=0.5)
        except Exception:
            continue
        replies[r["parent_header"]["msg_id"]] = r["content"]
        took[r["parent_header"]["msg_id"]] = time.monotonic() - started
    assert first in replies and replies[first]["status"] == "ok", replies
    # IOPub in order: the interrupted cell's outputs, then busy/idle around each aborted one.
    outputs = collect(kc, first)
    assert final_json(outputs)["rows"] == [["a", 1], ["b", 2]], "the interrupted cell keeps its rows"
    assert "stopped by user" in final_frame(outputs)["text/plain"]
    for msg_id in queued:
        assert replies.get(msg_id, {}).get("status") == "aborted", (msg_id, replies)
        assert took[msg_id] < 2.0, f"aborted after {took[msg_id]:.1f} s"
        statuses = [m["content"].get("execution_state") for m in collect(kc, msg_id)]
        assert statuses == ["busy", "idle"], statuses  # no execute_input: the cell never ran
    sent = [r["body"] for r in server.requests() if r["path"] in ("/query", "/query-stream")]
    assert not any("blocking" in body for body in sent), "the queued push query never started"
    reply, after = execute(kc, "SHOW STREAMS;")
    assert reply["content"]["status"] == "ok" and "RIDERS" in texts(after)


def test_background_query_keeps_updating_while_other_cells_run(live_kernel):
    server, _, kc = live_kernel
    rows = [[f"k{i}", i] for i in range(40)]
    server.set_scenario({"queries": [push_query("SELECT * FROM bg EMIT CHANGES", rows, interval_ms=50)]})
    bg_id = kc.execute("%push --background --interval 100\nSELECT * FROM bg EMIT CHANGES;")
    reply = kc.get_shell_msg(timeout=10)
    assert reply["content"]["status"] == "ok"  # the cell finished at once
    bg_outputs = collect(kc, bg_id)
    display_id = displays(bg_outputs)[0]["content"]["transient"]["display_id"]
    # A following cell completes while the earlier display keeps receiving updates.
    next_id = kc.execute("%queries")
    late_updates, next_reply = [], None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (next_reply is None or len(late_updates) < 3):
        try:
            msg = kc.get_iopub_msg(timeout=0.5)
        except Exception:
            pass
        else:
            if msg["msg_type"] == "update_display_data" and msg["parent_header"]["msg_id"] == bg_id:
                assert msg["content"]["transient"]["display_id"] == display_id
                late_updates.append(msg)
        if next_reply is None:
            try:
                r = kc.get_shell_msg(timeout=0.01)
                if r["parent_header"]["msg_id"] == next_id:
                    next_reply = r
            except Exception:
                pass
    assert next_reply and next_reply["content"]["status"] == "ok"
    assert len(late_updates) >= 3
    assert len(server.active_queries()) == 1
    reply, outputs = execute(kc, "%stop all")
    assert "Stopped 1 push query" in texts(outputs)
    assert server.active_queries() == []


def test_rerunning_a_cell_stops_its_previous_query(live_kernel):
    server, _, kc = live_kernel
    server.set_scenario({"queries": [push_query("SELECT * FROM again EMIT CHANGES", [["a", 1]])]})

    def run_in_cell():
        msg = kc.session.msg("execute_request", {"code": "%push --background\nSELECT * FROM again EMIT CHANGES;",
                                                 "silent": False, "store_history": True, "user_expressions": {},
                                                 "allow_stdin": False, "stop_on_error": True})
        msg["metadata"]["cellId"] = "cell-abc"
        kc.shell_channel.send(msg)
        reply = kc.get_shell_msg(timeout=10)
        collect(kc, msg["header"]["msg_id"])
        return reply

    run_in_cell()
    time.sleep(0.3)
    first = [q["id"] for q in server.active_queries()]
    assert len(first) == 1
    run_in_cell()
    time.sleep(0.3)
    second = [q["id"] for q in server.active_queries()]
    assert len(second) == 1 and second != first


def test_timeout_and_idle_end_the_query(live_kernel):
    server, _, kc = live_kernel
    server.set_scenario({"queries": [
        push_query("SELECT * FROM slow EMIT CHANGES", [[f"k{i}", i] for i in range(100)], interval_ms=100),
        push_query("SELECT * FROM quiet EMIT CHANGES", [["a", 1]]),
    ]})
    started = time.monotonic()
    reply, outputs = execute(kc, "%push --timeout 1\nSELECT * FROM slow EMIT CHANGES;", timeout=20)
    assert time.monotonic() - started < 5
    assert "timed out after" in final_frame(outputs)["text/plain"]
    reply, outputs = execute(kc, "%push --idle 0.5\nSELECT * FROM quiet EMIT CHANGES;", timeout=20)
    assert "no row for" in final_frame(outputs)["text/plain"]
    assert server.active_queries() == []


def test_shutdown_closes_background_queries(fake_server):
    fake_server.set_scenario({"queries": [push_query("SELECT * FROM forever EMIT CHANGES", [["a", 1]])]})
    env = dict(os.environ, KSQLDB_URL=fake_server.url)
    km, kc = start_new_kernel(kernel_name=harness.KERNEL_NAME, env=env, startup_timeout=30)
    execute(kc, "%push --background\nSELECT * FROM forever EMIT CHANGES;")
    execute(kc, "%push --background\nSELECT * FROM forever EMIT CHANGES;")
    time.sleep(0.3)
    assert len(fake_server.active_queries()) == 2
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    deadline = time.monotonic() + 5
    while fake_server.active_queries() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fake_server.active_queries() == []


@pytest.mark.parametrize("variant", ["limit", "timeout"])
def test_nbclient_saves_one_output_with_the_final_table(fake_server, monkeypatch, variant):
    rows = [[f"k{i}", i] for i in range(5)]
    fake_server.set_scenario({"statements": [{"match": "SHOW STREAMS", "entities": [{"@type": "streams", "streams": []}]}],
                              "queries": [push_query("SELECT * FROM nb EMIT CHANGES LIMIT 5", rows),
                                          push_query("SELECT * FROM nb EMIT CHANGES", rows)]})
    monkeypatch.setenv("KSQLDB_URL", fake_server.url)
    code = ("SELECT * FROM nb EMIT CHANGES LIMIT 5;" if variant == "limit"
            else "%push --timeout 1.5\nSELECT * FROM nb EMIT CHANGES;")
    # The first cell connects (and shows the connection banner).
    nb = new_notebook(cells=[new_code_cell("SHOW STREAMS;"), new_code_cell(code)])
    NotebookClient(nb, kernel_name=harness.KERNEL_NAME, timeout=60, startup_timeout=30).execute()
    outputs = nb.cells[1].outputs
    assert len(outputs) == 1, outputs
    html = outputs[0]["data"]["text/html"]
    assert "<script" not in html
    assert all(f">k{i}<" in html for i in range(5))
    assert ("Limit Reached" if variant == "limit" else "timed out after") in html
    assert "running" not in outputs[0]["data"]["text/plain"].splitlines()[0]
    assert "transient" not in outputs[0]  # nbformat keeps no display ids
    nbformat.validate(nb)


def test_headless_runs_end_a_push_query_without_limit(fake_server, monkeypatch):
    """nbclient cannot press stop: with no option at all, a push query that goes quiet ends
    after the headless idle default (10 s) instead of hanging the run."""
    fake_server.set_scenario({"statements": [{"match": "SHOW STREAMS", "entities": [{"@type": "streams", "streams": []}]}],
                              "queries": [push_query("SELECT * FROM quiet EMIT CHANGES", [["a", 1]])]})
    monkeypatch.setenv("KSQLDB_URL", fake_server.url)
    nb = new_notebook(cells=[new_code_cell("SHOW STREAMS;"), new_code_cell("SELECT * FROM quiet EMIT CHANGES;")])
    started = time.monotonic()
    NotebookClient(nb, kernel_name=harness.KERNEL_NAME, timeout=60, startup_timeout=30).execute()
    assert 9 < time.monotonic() - started < 40
    text = nb.cells[1].outputs[0]["data"]["text/plain"]
    assert "no row for 10 s" in text and ">a<" in nb.cells[1].outputs[0]["data"]["text/html"]
    assert fake_server.active_queries() == []


def test_headless_run_keeps_background_views_current(fake_server, monkeypatch):
    """nbclient listens only to the running cell: background views also send their frames
    to it (same display id), so the saved notebook holds the background view's last state."""
    rows = [[f"k{i}", i] for i in range(5)]
    fake_server.set_scenario({
        "statements": [{"match": "SHOW STREAMS", "entities": [{"@type": "streams", "streams": []}], "delay_ms": 1200}],
        "queries": [push_query("SELECT * FROM bgnb EMIT CHANGES", rows, interval_ms=100)]})
    monkeypatch.setenv("KSQLDB_URL", fake_server.url)
    nb = new_notebook(cells=[
        new_code_cell("%push --background --interval 100\nSELECT * FROM bgnb EMIT CHANGES;"),
        new_code_cell("SHOW STREAMS;"),  # takes 1.2 s: the rows arrive meanwhile
        new_code_cell("%stop all"),
    ])
    NotebookClient(nb, kernel_name=harness.KERNEL_NAME, timeout=60, startup_timeout=30).execute()
    view = [o for o in nb.cells[0].outputs if o["output_type"] == "display_data" and ">k0<" in o["data"].get("text/html", "") or "stopped by user" in o.get("data", {}).get("text/plain", "")]
    assert view, nb.cells[0].outputs
    final = view[-1]["data"]
    assert "stopped by user" in final["text/plain"]
    assert all(f">k{i}<" in final["text/html"] for i in range(5))
    # The %stop cell shows the final state too (after a page reload the first output no
    # longer updates), once.
    shown = [o for o in nb.cells[2].outputs if o["output_type"] == "display_data" and "stopped by user" in o["data"].get("text/plain", "")]
    assert len(shown) == 1 and all(f">k{i}<" in shown[0]["data"]["text/html"] for i in range(5)), nb.cells[2].outputs


def test_quiet_query_status_ticks_and_says_it_is_waiting(live_kernel):
    """No row arrives: the status line still moves about once a second (elapsed time), says
    it is waiting for rows, and the final frame counts 0 rows."""
    server, _, kc = live_kernel
    server.set_scenario({"queries": [push_query("SELECT * FROM silent EMIT CHANGES", [])]})
    reply, outputs = execute(kc, "%push --timeout 3.5\nSELECT * FROM silent EMIT CHANGES;", timeout=20)
    assert reply["content"]["status"] == "ok"
    ups = updates(outputs)
    running = [u["content"]["data"]["text/plain"] for u in ups]
    assert len(running) >= 2, f"the status ticked while no row came: {len(running)} updates"
    assert all("waiting for rows" in t for t in running), running
    assert len(set(running)) == len(running), "every tick shows a new elapsed time"
    assert len(ups) <= 3.5 / 0.25 + 2
    last = final_frame(outputs)["text/plain"]
    assert "timed out after" in last and "0 rows" in last and "waiting for rows" not in last, last
