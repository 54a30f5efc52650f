"""%chart: query results as Vega-Lite charts (the MIME bundle), pull and live push, and the
static SVG picture their final state carries for saved notebooks."""
import json
import re
import xml.etree.ElementTree as ET

from harness import execute, texts
from ksql_helpers import default_scenario, final_frame, num, set_scenario, settled
from test_live import displays, live_kernel, push_query, updates  # noqa: F401  (fixture)

VEGA = "application/vnd.vegalite.v5+json"
SVG = "image/svg+xml"


def svg_texts(svg):
    """The text of a well-formed SVG picture that holds no script or outside reference."""
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert not re.search(r"<script|href=|url\(|@import|on[a-z]+=", svg, re.I), svg[:500]
    return [t.text.strip() for t in root.iter() if t.tag.endswith("text") and t.text]

COLUMNS = [{"name": "ID", "type": "STRING", "key": True}, {"name": "WINDOWSTART", "type": "BIGINT"},
           {"name": "TOTAL", "type": "DECIMAL(20, 2)"}, {"name": "N", "type": "BIGINT"}]


def chart_bundles(outputs):
    return [m["content"]["data"] for m in settled(outputs)
            if m["msg_type"] in ("display_data", "execute_result") and VEGA in m["content"]["data"]]


def test_pull_result_as_chart(live_kernel):
    server, _, kc = live_kernel
    set_scenario(server, {"queries": [{
        "match": "SELECT * FROM totals", "push": False, "table": True, "columns": COLUMNS,
        "rows": [["a", num("1700000000000"), num("12.50"), 1], ["b", num("1700000060000"), num("12345678901234567.89"), 2]]}]})
    reply, outputs = execute(kc, '%chart bar x=windowstart y=total color=id title="Totals <per> minute"\nSELECT * FROM totals;')
    assert reply["content"]["status"] == "ok", texts(outputs)
    (bundle,) = chart_bundles(outputs)
    spec = bundle[VEGA]
    assert spec["$schema"].endswith("vega-lite/v5.json")
    assert spec["mark"]["type"] == "bar"
    assert spec["title"]["text"] == "Totals <per> minute"
    assert spec["encoding"]["x"]["type"] == "temporal"
    assert spec["encoding"]["y"] == {"field": "TOTAL", "type": "quantitative", "title": "TOTAL"}
    assert spec["encoding"]["color"]["type"] == "nominal"
    assert [v["ID"] for v in spec["data"]["values"]] == ["a", "b"]
    # Exact values: the kernel keeps the server's spelling of DECIMALs and BIGINTs.
    raw = json.dumps(spec["data"])
    assert "12345678901234567.89" in raw or spec["data"]["values"][1]["TOTAL"] == 12345678901234567.89
    # Fallbacks for front ends without Vega-Lite; JupyterLab ranks text/html above Vega-Lite,
    # so the HTML table is not in the chart's bundle.
    assert "TOTAL" in bundle["text/plain"] and "12.50" in bundle["text/plain"]
    assert bundle["application/vnd.ksqldb+json"]["rows"][0][0] == "a"
    assert "text/html" not in bundle
    # The picture for saved copies: same title, axes named, times as 24-hour UTC.
    labels = svg_texts(bundle[SVG])
    assert "Totals <per> minute" in labels and "TOTAL" in labels and "WINDOWSTART (UTC)" in labels, labels
    # 1700000000000 is 22:13:20 UTC: the axis reads 22:13:00, 22:13:30, ... (not 10:13 PM).
    assert any(re.fullmatch(r"22:1[3-5]:[0-5]0", label) for label in labels), labels
    assert "a" in labels and "b" in labels, "the legend names each ID"
    # The next cell has no chart.
    reply, outputs = execute(kc, "SELECT * FROM totals;")
    assert not chart_bundles(outputs)


def test_push_chart_updates_in_place(live_kernel):
    server, _, kc = live_kernel
    rows = [[f"k{i % 3}", num(str(1700000000000 + i * 1000)), num(f"{i}.25"), i] for i in range(12)]
    set_scenario(server, {"queries": [push_query("SELECT * FROM ticks EMIT CHANGES", rows, columns=COLUMNS,
                                                 interval_ms=60, end="complete")]})
    reply, outputs = execute(kc, "%chart line x=WINDOWSTART y=N color=ID\n%push --mode tail --interval 100\n"
                                 "SELECT * FROM ticks EMIT CHANGES;", timeout=30)
    assert reply["content"]["status"] == "ok", texts(outputs)
    shown = displays(outputs)
    assert len(shown) == 1
    display_id = shown[0]["content"]["transient"]["display_id"]
    assert VEGA in shown[0]["content"]["data"]
    ups = updates(outputs)
    assert len(ups) >= 2
    assert all(u["content"]["transient"]["display_id"] == display_id and VEGA in u["content"]["data"] for u in ups)
    # Live frames stay light; only the final one carries the picture.
    final = final_frame(outputs)
    assert SVG not in shown[0]["content"]["data"] and all(SVG not in u["content"]["data"] for u in ups)
    assert "Query Completed" in " ".join(svg_texts(final[SVG]))
    counts = [len(u["content"]["data"][VEGA]["data"]["values"]) for u in ups] + [len(final[VEGA]["data"]["values"])]
    assert counts == sorted(counts) and counts[-1] == 12, counts
    assert "Query Completed" in final[VEGA]["title"]["subtitle"]
    assert final[VEGA]["data"]["values"][-1]["N"] == 11
    assert final["application/vnd.ksqldb+json"]["total_rows"] == 12


def test_chart_errors_are_clear(live_kernel):
    server, _, kc = live_kernel
    set_scenario(server, default_scenario())
    reply, outputs = execute(kc, "%chart pie x=a y=b\nSELECT * FROM RIDERS;")
    assert reply["content"]["status"] == "error"
    assert "line, bar, area or point" in reply["content"]["evalue"]
    reply, outputs = execute(kc, "%chart bar x=ID y=NOPE\nSELECT * FROM RIDERS LIMIT 2;")
    assert reply["content"]["status"] == "ok"
    assert "no column NOPE" in texts(outputs) and "showing the table" in texts(outputs)
    assert not chart_bundles(outputs)
    assert any("text/html" in m["content"].get("data", {}) for m in outputs)
