//! One renderer per `/ksql` entity type (SHOW lists, DESCRIBE, EXPLAIN, command status...).
//!
//! Every entity becomes one bundle: text/html, its text/plain twin (laid out like the ksqlDB
//! CLI's tabular output) and application/vnd.ksqldb+json with the entity exactly as the server sent it.
//! Tables go through the one table renderer ([`Table`]), status lines through
//! [`render_status`], label/value blocks through [`render_key_values`]; everything else
//! written here (headings, notes, `<pre>` blocks) escapes every value with [`escape_into`].

use serde_json::Value;

use super::html::{escape, escape_into, push_title};
use super::messages::{render_json_value, render_key_values, render_status, Kind};
use super::table::{fit, Align, Cell, Table, TableColumn, TableLimits};
use super::value::epoch_millis_to_utc;
use super::MimeBundle;
use ksql_wire::entity::Entity;
use ksql_wire::entity::{
    AssertSchemaEntity, CommandStatusEntity, ConnectorDescription, ConnectorList, ConnectorPluginsList,
    CreateConnectorEntity, FieldInfo, FunctionDescriptionList, FunctionNameList, KafkaTopicsList, PropertiesList,
    QueryDescription, RunningQuery, SourceDescription, SourceInfo,
};
use ksql_wire::schema::SqlType;

/// No row cap for [`render_entities`] (help pages show whole tables).
pub const NO_ROW_CAP: usize = usize::MAX;

/// The outputs for a `/ksql` response, in order: one bundle per entity. When the response
/// holds several entities, each starts with its statement as a small caption. Tables (SHOW
/// lists, DESCRIBE fields) show at most `row_cap` rows, with a note saying so.
pub fn render_entities(entities: &[Entity], row_cap: usize) -> Vec<MimeBundle> {
    let captions = entities.len() > 1;
    entities.iter().map(|e| render_entity(e, if captions { e.statement_text() } else { None }, row_cap)).collect()
}

/// One entity as one bundle (text/html, text/plain, application/vnd.ksqldb+json).
pub fn render_entity(entity: &Entity, caption: Option<&str>, row_cap: usize) -> MimeBundle {
    let mut out = Out { row_cap, ..Out::default() };
    if let Some(c) = caption.map(str::trim).filter(|c| !c.is_empty()) {
        out.caption(c);
    }
    match entity {
        Entity::CommandStatus(p) => command_status(&mut out, p),
        Entity::Streams(p) => source_list(&mut out, "Stream Name", &p.streams),
        Entity::Tables(p) => source_list(&mut out, "Table Name", &p.tables),
        Entity::Queries(p) => {
            out.table(queries_table(&p.queries, true));
            if !p.queries.is_empty() {
                out.note("For detailed information on a query run: EXPLAIN <Query ID>;");
            }
        }
        Entity::QueryDescription(p) => query_description(&mut out, &p.query_description, false),
        Entity::QueryDescriptions(p) => {
            if p.query_descriptions.is_empty() {
                out.note("No queries.");
            }
            for (i, q) in p.query_descriptions.iter().enumerate() {
                if i > 0 {
                    out.rule();
                }
                query_description(&mut out, q, true);
            }
        }
        Entity::Properties(p) => properties(&mut out, p),
        Entity::SourceDescription(p) => source_description(&mut out, &p.source_description, false),
        Entity::SourceDescriptions(p) => {
            if p.source_descriptions.is_empty() {
                out.note("No sources.");
            }
            for (i, s) in p.source_descriptions.iter().enumerate() {
                if i > 0 {
                    out.rule();
                }
                source_description(&mut out, s, true);
            }
        }
        Entity::KafkaTopics(p) | Entity::KafkaTopicsExtended(p) => {
            kafka_topics(&mut out, p, matches!(entity, Entity::KafkaTopicsExtended(_)))
        }
        Entity::TopicDescription(p) => {
            let mut t = table(&["Name", "Kafka Topic", "Format", "Schema"], &[]);
            t.rows.push(vec![
                opt_cell(p.name.as_deref()),
                opt_cell(p.kafka_topic.as_deref().or(p.topic.as_deref())),
                opt_cell(p.format.as_deref()),
                opt_cell(p.schema_string.as_deref()),
            ]);
            out.table(t);
        }
        Entity::ExecutionPlan(p) => out.pre("Execution plan", p.execution_plan.as_deref().unwrap_or("")),
        Entity::FunctionNames(p) => function_names(&mut out, p),
        Entity::DescribeFunction(p) => describe_function(&mut out, p),
        Entity::TypeList(p) => {
            let mut types = p.sql_types();
            types.sort_by(|a, b| a.0.cmp(&b.0));
            let mut t = table(&["Type Name", "Schema"], &[]);
            for (name, ty) in types {
                t.rows.push(vec![Cell::text(name), Cell::text(type_text(&ty))]);
            }
            out.table(t);
        }
        Entity::Variables(p) => {
            let mut t = table(&["Variable Name", "Value"], &[]);
            for v in &p.variables {
                t.rows.push(vec![Cell::text(&v.name), json_cell(&v.value)]);
            }
            out.table(t);
        }
        Entity::ConnectorList(p) => connector_list(&mut out, p),
        Entity::ConnectorPlugins(p) => connector_plugins(&mut out, p),
        Entity::ConnectorDescription(p) => connector_description(&mut out, p),
        Entity::ConnectorInfo(p) => connector_info(&mut out, p),
        Entity::DropConnector(p) => {
            let name = p.connector_name.as_deref().unwrap_or("");
            out.bundle(render_status(&format!("Dropped connector \"{name}\""), Kind::Success));
        }
        Entity::Warning(p) => out.bundle(render_status(&p.message, Kind::Warning)),
        Entity::TerminateQuery(p) => {
            let id = p.query_id.as_deref().unwrap_or("");
            if p.was_terminated == Some(false) {
                out.bundle(render_status(&format!("Query {id} was not running."), Kind::Info));
            } else {
                out.bundle(render_status(&format!("Query {id} terminated."), Kind::Success));
            }
        }
        Entity::AssertTopic(p) => {
            let verb = if p.exists == Some(false) { "does not exist" } else { "exists" };
            let name = p.topic_name.as_deref().unwrap_or("");
            out.bundle(render_status(&format!("Topic {name} {verb}."), Kind::Success));
        }
        Entity::AssertSchema(p) => assert_schema(&mut out, p),
        Entity::Unknown { type_name, raw } => {
            let title = if type_name.is_empty() || type_name == "unknown" {
                "Unrecognised response entity".to_string()
            } else {
                type_name.clone()
            };
            out.bundle(render_json_value(Some(&title), raw));
        }
    }
    out.finish(entity.raw_json())
}

/// SHOW TOPICS [EXTENDED].
fn kafka_topics(out: &mut Out, p: &KafkaTopicsList, extended: bool) {
    let mut headers = vec!["Kafka Topic", "Partitions", "Partition Replicas"];
    if extended {
        headers.extend(["Consumers", "Consumer Groups"]);
    }
    let mut t = table(&headers, &[1, 3, 4]);
    for topic in &p.topics {
        let mut row = vec![
            Cell::text(&topic.name),
            Cell::text(topic.replica_info.len().to_string()),
            Cell::text(replicas_text(&topic.replica_info)),
        ];
        if extended {
            row.push(opt_num(topic.consumer_count));
            row.push(opt_num(topic.consumer_group_count));
        }
        t.rows.push(row);
    }
    out.table(t);
}

/// SHOW FUNCTIONS.
fn function_names(out: &mut Out, p: &FunctionNameList) {
    let mut t = table(&["Function Name", "Category", "Type"], &[]);
    for f in &p.functions {
        t.rows.push(vec![Cell::text(&f.name), opt_cell(f.category.as_deref()), opt_cell(f.function_type.as_deref())]);
    }
    out.table(t);
    if !p.functions.is_empty() {
        out.note("For detailed information on a function run: DESCRIBE FUNCTION <Function Name>;");
    }
}

/// SHOW CONNECTORS.
fn connector_list(out: &mut Out, p: &ConnectorList) {
    let mut t = table(&["Connector Name", "Type", "Class", "Status"], &[]);
    for c in &p.connectors {
        t.rows.push(vec![
            Cell::text(&c.name),
            Cell::text(c.connector_type.as_deref().unwrap_or("UNKNOWN").to_uppercase()),
            opt_cell(c.class_name.as_deref()),
            opt_cell(c.state.as_deref()),
        ]);
    }
    out.table(t);
}

/// SHOW CONNECTOR PLUGINS.
fn connector_plugins(out: &mut Out, p: &ConnectorPluginsList) {
    let mut t = table(&["Class", "Type", "Version"], &[]);
    for c in &p.connectors_plugins {
        t.rows.push(vec![
            opt_cell(c.class_name.as_deref()),
            Cell::text(c.plugin_type.as_deref().unwrap_or("").to_uppercase()),
            opt_cell(c.version.as_deref()),
        ]);
    }
    out.table(t);
}

/// CREATE CONNECTOR's answer: the connector and its configuration.
fn connector_info(out: &mut Out, p: &CreateConnectorEntity) {
    let info = &p.info;
    let kind = info.connector_type.as_deref().map(|t| format!("{} ", t.to_lowercase())).unwrap_or_default();
    out.bundle(render_status(&format!("Created {kind}connector {}", info.name), Kind::Success));
    if !info.config.is_empty() {
        out.heading("Configuration");
        let mut t = table(&["Property", "Value"], &[]);
        for (k, v) in &info.config {
            t.rows.push(vec![Cell::text(k), json_cell(v)]);
        }
        out.table(t);
    }
}

/// ASSERT SCHEMA's answer.
fn assert_schema(out: &mut Out, p: &AssertSchemaEntity) {
    let verb = if p.exists == Some(false) { "does not exist" } else { "exists" };
    let mut what = String::from("Schema");
    if let Some(s) = &p.subject {
        what.push_str(&format!(" with subject {s}"));
    }
    if let Some(id) = p.id {
        what.push_str(if p.subject.is_some() { " id " } else { " with id " });
        what.push_str(&id.to_string());
    }
    out.bundle(render_status(&format!("{what} {verb}."), Kind::Success));
}

// ---------------------------------------------------------------------------------------------
// building blocks

const PRE_STYLE: &str = "margin:0;padding:6px 8px;background:rgba(128,128,128,0.08);color:inherit;max-height:480px;\
                         overflow:auto;white-space:pre";
/// `<pre>` blocks longer than this (lines / bytes) start collapsed.
const COLLAPSE_LINES: usize = 12;
const COLLAPSE_BYTES: usize = 1500;

/// An entity's output under construction: HTML pieces and their text twin.
#[derive(Default)]
struct Out {
    html: String,
    text: String,
    /// The next text piece follows without a blank line (after a heading).
    tight: bool,
    /// Most rows of a table ([`NO_ROW_CAP`]: all).
    row_cap: usize,
}

impl Out {
    fn push_text(&mut self, s: &str) {
        if !self.text.is_empty() {
            self.text.push_str(if self.tight { "\n" } else { "\n\n" });
        }
        self.text.push_str(s);
        self.tight = false;
    }

    /// Appends a bundle made by another renderer (its html and text/plain).
    fn bundle(&mut self, b: MimeBundle) {
        self.html.push_str(b.text_html().unwrap_or(""));
        self.push_text(b.text_plain().unwrap_or(""));
    }

    fn table(&mut self, mut t: Table) {
        if t.rows.len() > self.row_cap {
            let total = t.rows.len();
            t.rows.truncate(self.row_cap);
            t.footer.push(format!(
                "Showing {} of {} rows (the row cap; %rows N raises it).",
                self.row_cap,
                crate::results::group_thousands(total as u64)
            ));
        }
        self.bundle(t.to_bundle(&TableLimits::default()));
    }

    fn caption(&mut self, statement: &str) {
        let shown: String = if statement.chars().count() > 500 { fit(statement, 500) } else { statement.to_string() };
        self.html.push_str(
            "<div style=\"opacity:0.7;font-size:0.85em;font-family:var(--jp-code-font-family,monospace);\
             white-space:pre-wrap;margin:0 0 4px 0\">",
        );
        escape_into(&mut self.html, &shown);
        self.html.push_str("</div>");
        // One line in text: statements often span lines; whitespace runs collapse.
        let flat = statement.split_whitespace().collect::<Vec<_>>().join(" ");
        self.push_text(&fit(&flat, 200));
        self.tight = true;
    }

    fn heading(&mut self, title: &str) {
        self.html.push_str("<div style=\"font-weight:bold;margin:10px 0 4px 0\">");
        escape_into(&mut self.html, title);
        self.html.push_str("</div>");
        self.push_text(&format!("{title}\n{}", "-".repeat(title.chars().count())));
        self.tight = true;
    }

    fn note(&mut self, text: &str) {
        self.html.push_str("<div style=\"opacity:0.7;font-size:0.9em;margin:4px 0;white-space:pre-wrap\">");
        escape_into(&mut self.html, text);
        self.html.push_str("</div>");
        self.push_text(text);
    }

    /// A horizontal rule between the items of a list entity.
    fn rule(&mut self) {
        self.html.push_str("<hr style=\"border:none;border-top:1px solid rgba(128,128,128,0.35);margin:12px 0\">");
        self.push_text(&"=".repeat(40));
    }

    /// Preformatted text under a title; long blocks are collapsed in a `<details>` in HTML.
    fn pre(&mut self, title: &str, body: &str) {
        let body = body.trim_end_matches(['\n', '\r']);
        let lines = body.lines().count();
        let long = lines > COLLAPSE_LINES || body.len() > COLLAPSE_BYTES;
        if long {
            self.html.push_str("<details style=\"margin:8px 0\"><summary style=\"cursor:pointer;font-weight:bold\">");
            escape_into(&mut self.html, title);
            self.html
                .push_str(&format!(" <span style=\"font-weight:normal;opacity:0.6\">({lines} lines)</span></summary>"));
        } else {
            self.html.push_str("<div style=\"margin:8px 0\">");
            push_title(&mut self.html, title);
        }
        self.html.push_str("<pre style=\"");
        self.html.push_str(PRE_STYLE);
        self.html.push_str("\">");
        escape_into(&mut self.html, body);
        self.html.push_str("</pre>");
        self.html.push_str(if long { "</details>" } else { "</div>" });
        self.push_text(&format!("{title}\n{}\n{body}", "-".repeat(title.chars().count())));
    }

    fn key_values(&mut self, items: &[(String, String)]) {
        if !items.is_empty() {
            self.bundle(render_key_values::<String, String>(None, items));
        }
    }

    fn finish(self, raw: &Value) -> MimeBundle {
        let html = format!("<div class=\"ksql-entity\">{}</div>", self.html);
        MimeBundle::plain(self.text).with("text/html", Value::String(html)).with(super::JSON_MIME, raw.clone())
    }
}

/// A table of left-aligned columns, except the right-aligned (numeric) ones listed.
fn table(headers: &[&str], right: &[usize]) -> Table {
    Table::new(
        headers
            .iter()
            .enumerate()
            .map(|(i, h)| TableColumn {
                align: if right.contains(&i) { Align::Right } else { Align::Left },
                ..TableColumn::new(*h)
            })
            .collect(),
    )
}

fn opt_cell(s: Option<&str>) -> Cell {
    Cell::text(s.unwrap_or(""))
}

fn opt_num(n: Option<i64>) -> Cell {
    n.map(|n| Cell::text(n.to_string())).unwrap_or_default()
}

/// A cell for a JSON value: strings as they are, null as NULL, the rest as compact JSON
/// (numbers keep their exact text).
fn json_cell(v: &Value) -> Cell {
    match v {
        Value::Null => Cell::null(),
        other => Cell::text(json_text(other)),
    }
}

fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "NULL".to_string(),
        other => other.to_string(),
    }
}

/// Text followed by a dim marker, e.g. `STRING (primary key)`.
fn marked_cell(main: &str, marker: Option<&str>) -> Cell {
    match marker {
        None => Cell::text(main),
        Some(m) => Cell {
            text: format!("{main} {m}"),
            html: format!("{} <span style=\"opacity:0.6\">{}</span>", escape(main), escape(m)),
            ..Cell::default()
        },
    }
}

/// A ksqlDB type name as users write it: `STRUCT<a DOUBLE>` (no parser backticks).
fn type_text(t: &SqlType) -> String {
    t.to_string().replace('`', "")
}

/// Replicas per partition: one number when all partitions agree, else the list.
fn replicas_text(replicas: &[i64]) -> String {
    match replicas.first() {
        None => String::new(),
        Some(first) if replicas.iter().all(|r| r == first) => first.to_string(),
        _ => replicas.iter().map(i64::to_string).collect::<Vec<_>>().join(", "),
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

// ---------------------------------------------------------------------------------------------
// currentStatus

fn command_status(out: &mut Out, p: &CommandStatusEntity) {
    let status = &p.command_status;
    let mut message = status.message.trim().to_string();
    if message.is_empty() {
        message = if status.status.is_empty() { "Done".to_string() } else { status.status.clone() };
    }
    if let Some(id) = non_empty(status.query_id.as_deref()) {
        if !message.contains(id) {
            message.push_str(&format!(" (query ID {id})"));
        }
    }
    let s = status.status.to_ascii_uppercase();
    let (message, kind) = match s.as_str() {
        "ERROR" => (format!("Statement failed: {message}"), Kind::Warning),
        "SUCCESS" | "" => (message, Kind::Success),
        // QUEUED, PARSING, EXECUTING, RUNNING, TERMINATED: still in progress or unusual.
        other => (format!("{message} (status {other})"), Kind::Info),
    };
    out.bundle(render_status(&message, kind));
}

// ---------------------------------------------------------------------------------------------
// streams / tables / queries

fn source_list(out: &mut Out, name_header: &str, items: &[SourceInfo]) {
    // Servers before 0.14 have no key format (and `format` for the value format); servers
    // before 0.9 no windowed flag: leave such columns out rather than show them empty.
    let key_format = items.is_empty() || items.iter().any(|s| s.key_format.is_some());
    let windowed = items.is_empty() || items.iter().any(|s| s.is_windowed.is_some());
    let mut headers = vec![name_header, "Kafka Topic"];
    if key_format {
        headers.push("Key Format");
    }
    headers.push("Value Format");
    if windowed {
        headers.push("Windowed");
    }
    let mut t = table(&headers, &[]);
    for s in items {
        let mut row = vec![Cell::text(&s.name), opt_cell(s.topic.as_deref())];
        if key_format {
            row.push(opt_cell(s.key_format.as_deref()));
        }
        row.push(opt_cell(s.value_format()));
        if windowed {
            row.push(opt_cell(s.is_windowed.map(|w| if w { "true" } else { "false" })));
        }
        t.rows.push(row);
    }
    out.table(t);
}

/// `RUNNING:1,ERROR:2` like the CLI (RUNNING first), else the aggregate state.
fn query_status(q: &RunningQuery) -> String {
    match &q.status_count {
        Some(counts) if !counts.is_empty() => {
            let rank = |s: &str| {
                ["RUNNING", "PAUSED", "ERROR", "UNRESPONSIVE"].iter().position(|k| *k == s).unwrap_or(usize::MAX)
            };
            let mut entries: Vec<_> = counts.iter().collect();
            entries.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then(a.0.cmp(b.0)));
            entries.iter().map(|(k, v)| format!("{k}:{v}")).collect::<Vec<_>>().join(",")
        }
        _ => q.state.clone().unwrap_or_default(),
    }
}

fn queries_table(queries: &[RunningQuery], with_sinks: bool) -> Table {
    let mut headers = vec!["Query ID", "Query Type", "Status"];
    if with_sinks {
        headers.extend(["Sink Name", "Sink Kafka Topic"]);
    }
    headers.push("Query String");
    let mut t = table(&headers, &[]);
    for q in queries {
        let mut row = vec![Cell::text(q.id()), opt_cell(q.query_type.as_deref()), Cell::text(query_status(q))];
        if with_sinks {
            row.push(Cell::text(q.sinks.join(", ")));
            row.push(Cell::text(q.sink_kafka_topics.join(", ")));
        }
        row.push(opt_cell(q.text().map(str::trim)));
        t.rows.push(row);
    }
    t
}

// ---------------------------------------------------------------------------------------------
// fields (DESCRIBE, EXPLAIN)

/// `(primary key)` for table keys, `(key)` for stream keys, `(header('k'))`, `(headers)`.
fn field_marker(f: &FieldInfo, is_table: bool) -> Option<String> {
    match f.field_type.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("") | Some("VALUE") => None,
        Some("KEY") => Some(if is_table { "(primary key)" } else { "(key)" }.to_string()),
        Some("HEADER") => Some(match &f.header_key {
            Some(k) => format!("(header('{}'))", k.replace('\'', "''")),
            None => "(headers)".to_string(),
        }),
        Some(other) => Some(format!("({})", other.to_lowercase())),
    }
}

fn fields_table(fields: &[FieldInfo], is_table: bool) -> Table {
    let mut t = table(&["Field", "Type"], &[]);
    for f in fields {
        let marker = field_marker(f, is_table);
        t.rows.push(vec![Cell::text(&f.name), marked_cell(&type_text(&f.sql_type()), marker.as_deref())]);
    }
    t
}

// ---------------------------------------------------------------------------------------------
// EXPLAIN / SHOW QUERIES EXTENDED

fn query_description(out: &mut Out, q: &QueryDescription, titled: bool) {
    let id = q.id();
    if titled {
        out.heading(&format!("Query {id}"));
    }
    let mut kv: Vec<(String, String)> = vec![("ID".into(), id.clone())];
    if let Some(t) = non_empty(q.query_type.as_deref()) {
        kv.push(("Query Type".into(), t.to_string()));
    }
    if let Some(s) = non_empty(q.state.as_deref()) {
        kv.push(("Status".into(), s.to_string()));
    }
    if let Some(w) = non_empty(q.window_type.as_deref()) {
        kv.push(("Window Type".into(), w.to_string()));
    }
    if !q.sources.is_empty() {
        kv.push(("Sources".into(), q.sources.join(", ")));
    }
    if !q.sinks.is_empty() {
        kv.push(("Sinks".into(), q.sinks.join(", ")));
    }
    if let Some(g) = non_empty(q.consumer_group_id.as_deref()) {
        kv.push(("Consumer Group".into(), g.to_string()));
    }
    if let Some(s) = non_empty(q.statement_text.as_deref()) {
        kv.push(("SQL".into(), s.to_string()));
    }
    out.key_values(&kv);

    if !q.fields.is_empty() {
        out.table(fields_table(&q.fields, false));
    }
    if !q.ksql_host_query_status.is_empty() {
        out.heading("Host Query Status");
        let mut t = table(&["Host", "Status"], &[]);
        for (host, status) in &q.ksql_host_query_status {
            t.rows.push(vec![Cell::text(host), Cell::text(status)]);
        }
        out.table(t);
    }
    if !q.overridden_properties.is_empty() {
        out.heading("Overridden Properties");
        let mut t = table(&["Property", "Value"], &[]);
        for (k, v) in &q.overridden_properties {
            t.rows.push(vec![Cell::text(k), json_cell(v)]);
        }
        out.table(t);
    }
    if !q.query_errors.is_empty() {
        out.heading("Query Errors");
        let mut t = table(&["Error Date (UTC)", "Error Type", "Error Details"], &[]);
        for e in &q.query_errors {
            let date = e.timestamp.map(|ms| epoch_millis_to_utc(ms).unwrap_or_else(|| ms.to_string()));
            t.rows.push(vec![
                opt_cell(date.as_deref()),
                opt_cell(e.error_type.as_deref()),
                opt_cell(e.error_message.as_deref()),
            ]);
        }
        out.table(t);
    }
    if let Some(plan) = non_empty(q.execution_plan.as_deref()) {
        out.pre("Execution plan", plan);
    }
    if let Some(topology) = non_empty(q.topology.as_deref()) {
        out.pre("Processing topology", topology);
    }
}

// ---------------------------------------------------------------------------------------------
// properties

fn properties(out: &mut Out, p: &PropertiesList) {
    let scope = p.properties.iter().any(|x| x.scope.is_some());
    let level = p.properties.iter().any(|x| x.level.is_some());
    let origin = !p.overwritten_properties.is_empty() || !p.default_properties.is_empty();
    let mut headers = vec!["Property"];
    if scope {
        headers.push("Scope");
    }
    if level {
        headers.push("Level");
    }
    headers.push("Value");
    if origin {
        headers.push("Origin");
    }
    let mut t = table(&headers, &[]);
    for prop in &p.properties {
        let mut row = vec![Cell::text(&prop.name)];
        if scope {
            row.push(opt_cell(prop.scope.as_deref()));
        }
        if level {
            row.push(opt_cell(prop.level.as_deref()));
        }
        row.push(match prop.value_text() {
            Some(v) => Cell::text(v),
            None => Cell::null(),
        });
        if origin {
            let marker = if p.overwritten_properties.contains(&prop.name) {
                "overwritten"
            } else if p.default_properties.contains(&prop.name) {
                "default"
            } else {
                ""
            };
            row.push(Cell::text(marker));
        }
        t.rows.push(row);
    }
    out.table(t);
}

// ---------------------------------------------------------------------------------------------
// DESCRIBE [EXTENDED]

/// Removes the "The statistics field is deprecated ... instead." sentences of newer servers.
fn strip_deprecation(s: &str) -> String {
    const MARK: &str = "is deprecated and will be removed";
    let mut lines = Vec::new();
    for line in s.lines() {
        if line.contains(MARK) {
            // Keep anything after the sentence on the same line.
            let rest = line.find("instead.").map(|i| line[i + "instead.".len()..].trim()).unwrap_or("");
            if !rest.is_empty() {
                lines.push(rest.to_string());
            }
        } else {
            lines.push(line.to_string());
        }
    }
    lines.join("\n").trim().to_string()
}

fn source_description(out: &mut Out, s: &SourceDescription, titled: bool) {
    let kind = s.source_type.as_deref().unwrap_or("").to_ascii_uppercase();
    let is_table = kind == "TABLE";
    let kind_word = if kind.is_empty() { "SOURCE".to_string() } else { kind.clone() };
    if titled {
        let title = if kind.is_empty() { s.name.clone() } else { format!("{kind} {}", s.name) };
        out.heading(&title);
    }
    let mut kv: Vec<(String, String)> = vec![("Name".into(), s.name.clone())];
    if !kind.is_empty() {
        kv.push(("Type".into(), kind.clone()));
    }
    kv.push((
        "Timestamp field".into(),
        non_empty(s.timestamp.as_deref()).unwrap_or("Not set - using <ROWTIME>").to_string(),
    ));
    if let Some(k) = non_empty(s.key.as_deref()) {
        kv.push(("Key field".into(), k.to_string()));
    }
    if let Some(k) = non_empty(s.key_format.as_deref()) {
        kv.push(("Key format".into(), k.to_string()));
    }
    if let Some(v) = non_empty(s.value_format()) {
        kv.push(("Value format".into(), v.to_string()));
    }
    if let Some(topic) = non_empty(s.topic.as_deref()) {
        let mut v = topic.to_string();
        if s.partitions.is_some() || s.replication.is_some() {
            let n = |x: Option<i64>| x.map(|x| x.to_string()).unwrap_or_else(|| "?".into());
            v.push_str(&format!(" (partitions: {}, replication: {})", n(s.partitions), n(s.replication)));
        }
        kv.push(("Kafka topic".into(), v));
    }
    if let Some(w) = non_empty(s.window_type.as_deref()) {
        kv.push(("Window type".into(), w.to_string()));
    }
    if let Some(st) = non_empty(s.statement.as_deref()) {
        kv.push(("Statement".into(), st.to_string()));
    }
    out.key_values(&kv);
    out.table(fields_table(&s.fields, is_table));

    if !s.source_constraints.is_empty() {
        out.heading("Sources that have a DROP constraint on this source");
        let mut t = table(&["Source Name"], &[]);
        t.rows = s.source_constraints.iter().map(|c| vec![Cell::text(c)]).collect();
        out.table(t);
    }
    let with_queries = !s.read_queries.is_empty() || !s.write_queries.is_empty();
    if !s.read_queries.is_empty() {
        out.heading(&format!("Queries that read from this {kind_word}"));
        out.table(queries_table(&s.read_queries, false));
    }
    if !s.write_queries.is_empty() {
        out.heading(&format!("Queries that write into this {kind_word}"));
        out.table(queries_table(&s.write_queries, false));
    }
    if with_queries {
        out.note("For query topology and execution plan run: EXPLAIN <Query ID>;");
    }

    // EXTENDED
    let stats = strip_deprecation(s.statistics.as_deref().unwrap_or(""));
    let errors = strip_deprecation(s.error_stats.as_deref().unwrap_or(""));
    let local = [stats, errors].into_iter().filter(|x| !x.is_empty()).collect::<Vec<_>>().join("\n");
    let cluster = !s.cluster_statistics.is_empty() || !s.cluster_error_stats.is_empty();
    if cluster {
        out.heading("Runtime statistics by host");
        out.table(cluster_stats_table(s));
    } else if !local.is_empty() {
        out.pre("Local runtime statistics", &local);
    }
    if !cluster && !local.is_empty() && non_empty(s.topic.as_deref()).is_some() {
        let topic = s.topic.as_deref().unwrap_or("");
        out.note(&format!("(Statistics of the local ksqlDB server interaction with the Kafka topic {topic})"));
    }
    if !s.query_offset_summaries.is_empty() {
        offset_summaries(out, &s.query_offset_summaries);
    }
}

fn cluster_stats_table(s: &SourceDescription) -> Table {
    let mut stats: Vec<&Value> = s.cluster_statistics.iter().chain(&s.cluster_error_stats).collect();
    let key = |v: &Value, k: &str| v.get(k).map(json_text).unwrap_or_default();
    stats.sort_by(|a, b| key(a, "host").cmp(&key(b, "host")).then(key(a, "name").cmp(&key(b, "name"))));
    let mut t = table(&["Host", "Metric", "Value", "Last Message (UTC)"], &[2]);
    for st in stats {
        let mut value = key(st, "value");
        if let Some(int) = value.strip_suffix(".0") {
            value = int.to_string();
        }
        let last = match st.get("timestamp").and_then(Value::as_i64) {
            Some(ms) => epoch_millis_to_utc(ms).unwrap_or_else(|| ms.to_string()),
            None => key(st, "timestamp"),
        };
        t.rows.push(vec![
            Cell::text(key(st, "host")),
            Cell::text(key(st, "name")),
            Cell::text(value),
            Cell::text(last),
        ]);
    }
    t
}

/// Consumer lag per group: `topic, partition, start, end, committed offset, lag`.
fn offset_summaries(out: &mut Out, summaries: &[Value]) {
    out.heading("Consumer groups");
    for group in summaries {
        let id = group.get("groupId").map(json_text).unwrap_or_default();
        let topics = group.get("topicSummaries").and_then(Value::as_array).cloned().unwrap_or_default();
        let mut t = table(
            &["Kafka Topic", "Partition", "Start Offset", "End Offset", "Committed Offset", "Lag"],
            &[1, 2, 3, 4, 5],
        );
        let mut max_lag: Option<i64> = None;
        for topic in &topics {
            let name = topic.get("kafkaTopic").map(json_text).unwrap_or_default();
            for o in topic.get("offsets").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
                let num = |k: &str| o.get(k).and_then(Value::as_i64);
                let cell = |k: &str| o.get(k).map(|v| Cell::text(json_text(v))).unwrap_or_default();
                let lag = match (num("logEndOffset"), num("consumerOffset")) {
                    (Some(end), Some(committed)) => Some(end - committed),
                    _ => None,
                };
                if let Some(l) = lag {
                    max_lag = Some(max_lag.map_or(l, |m| m.max(l)));
                }
                t.rows.push(vec![
                    Cell::text(&name),
                    cell("partition"),
                    cell("logStartOffset"),
                    cell("logEndOffset"),
                    cell("consumerOffset"),
                    opt_num(lag),
                ]);
            }
        }
        if t.rows.is_empty() {
            out.note(&format!("Consumer group {id}: no offsets committed by this group yet"));
        } else {
            t.caption = Some(match max_lag {
                Some(m) => format!("Consumer group {id} · max lag {m}"),
                None => format!("Consumer group {id}"),
            });
            out.table(t);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// DESCRIBE FUNCTION

fn describe_function(out: &mut Out, f: &FunctionDescriptionList) {
    let mut kv: Vec<(String, String)> = vec![("Name".into(), f.name.clone())];
    for (label, value) in [
        ("Type", &f.function_type),
        ("Author", &f.author),
        ("Version", &f.version),
        ("Jar", &f.path),
        ("Overview", &f.description),
    ] {
        if let Some(v) = non_empty(value.as_deref()) {
            kv.push((label.into(), v.replace('\t', "    ")));
        }
    }
    out.key_values(&kv);
    let mut t = table(&["Variation", "Returns", "Description", "Arguments"], &[]);
    for v in &f.functions {
        let args: Vec<String> = if v.arguments.is_empty() {
            v.argument_types.clone()
        } else {
            v.arguments
                .iter()
                .map(|a| {
                    let mut s = a.name.clone();
                    if let Some(ty) = non_empty(a.arg_type.as_deref()) {
                        if !s.is_empty() {
                            s.push(' ');
                        }
                        s.push_str(ty);
                    }
                    if a.is_variadic == Some(true) {
                        s.push_str("...");
                    }
                    s
                })
                .collect()
        };
        let signature = format!("{}({})", f.name, args.join(", "));
        let arg_docs: Vec<String> = v
            .arguments
            .iter()
            .filter_map(|a| {
                let d = non_empty(a.description.as_deref());
                let variadic = a.is_variadic == Some(true);
                if d.is_none() && !variadic {
                    return None;
                }
                let mut s = a.name.clone();
                if variadic {
                    s.push_str(" (variadic)");
                }
                if let Some(d) = d {
                    s.push_str(": ");
                    s.push_str(&d.replace('\t', "    "));
                }
                Some(s)
            })
            .collect();
        t.rows.push(vec![
            Cell::text(signature),
            opt_cell(v.return_type.as_deref()),
            Cell::text(v.description.as_deref().unwrap_or("").trim().replace('\t', "    ")),
            Cell::text(arg_docs.join("\n")),
        ]);
    }
    out.heading("Variations");
    out.table(t);
}

// ---------------------------------------------------------------------------------------------
// DESCRIBE CONNECTOR

fn connector_description(out: &mut Out, c: &ConnectorDescription) {
    let status = &c.status;
    let mut kv: Vec<(String, String)> = Vec::new();
    let mut add = |label: &str, v: Option<&str>| {
        if let Some(v) = non_empty(v) {
            kv.push((label.to_string(), v.to_string()));
        }
    };
    add("Name", status.name.as_deref());
    add("Class", c.connector_class.as_deref());
    add("Type", status.connector_type.as_deref());
    add("State", status.connector.state.as_deref());
    add("WorkerId", status.connector.worker_id.as_deref());
    add("Trace", status.connector.trace.as_deref());
    if let Some(g) = &c.sandbox_generator {
        let count = |n: Option<u64>| n.map(ksqldb_units::group_thousands);
        add("Quickstart", g.quickstart.as_deref());
        add("Records produced", count(g.records_produced).as_deref());
        add("Iterations", Some(count(g.iterations).as_deref().unwrap_or("unbounded")));
        add("Max interval", g.max_interval_ms.map(|ms| format!("{ms} ms")).as_deref());
        add("Seed", Some(g.seed.map(|s| s.to_string()).as_deref().unwrap_or("random")));
    }
    out.key_values(&kv);
    if !status.tasks.is_empty() {
        out.heading("Tasks");
        let mut t = table(&["Task ID", "State", "Worker", "Error Trace"], &[0]);
        for task in &status.tasks {
            t.rows.push(vec![
                opt_num(task.id),
                opt_cell(task.state.as_deref()),
                opt_cell(task.worker_id.as_deref()),
                opt_cell(task.trace.as_deref()),
            ]);
        }
        out.table(t);
    }
    if !c.sources.is_empty() {
        out.heading("ksqlDB sources");
        let mut t = table(&["KSQL Source Name", "Kafka Topic", "Type"], &[]);
        for s in &c.sources {
            t.rows.push(vec![Cell::text(&s.name), opt_cell(s.topic.as_deref()), opt_cell(s.source_type.as_deref())]);
        }
        out.table(t);
    }
    if !c.topics.is_empty() {
        let mut t = table(&["Related Topics"], &[]);
        t.rows = c.topics.iter().map(|x| vec![Cell::text(x)]).collect();
        out.table(t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const HOSTILE: &str = "<script>alert(1)</script>";

    fn fixtures_dir() -> Option<PathBuf> {
        let sub = "ksql-cli-console-approved";
        let rel = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures").join(sub);
        let abs = PathBuf::from("/work/shared/fixtures").join(sub);
        [rel, abs].into_iter().find(|p| p.is_dir())
    }

    /// The entities of `ConsoleTest.<name>.approved.json`, or None (with a message) when the
    /// fixtures are not available.
    fn fixture(name: &str) -> Option<Vec<Entity>> {
        let Some(dir) = fixtures_dir() else {
            eprintln!("skipping: ksql-cli-console-approved fixtures not found");
            return None;
        };
        let path = dir.join(format!("ConsoleTest.{name}.approved.json"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("skipping: {path:?} not found");
            return None;
        };
        Some(Entity::list_from_json(serde_json::from_str(&text).unwrap()))
    }

    /// Renders the single entity of a fixture; checks the invariants every bundle must hold.
    fn render_fixture(name: &str) -> Option<(String, String, Entity)> {
        let entities = fixture(name)?;
        assert_eq!(entities.len(), 1, "{name}");
        let (text, html) = render_one(&entities[0]);
        Some((text, html, entities.into_iter().next().unwrap()))
    }

    fn render_one(e: &Entity) -> (String, String) {
        let bundles = render_entities(std::slice::from_ref(e), NO_ROW_CAP);
        assert_eq!(bundles.len(), 1);
        let b = &bundles[0];
        assert_eq!(b.application_json(), Some(e.raw_json()), "application/vnd.ksqldb+json must hold the raw entity");
        let text = b.text_plain().expect("text/plain").to_string();
        let html = b.text_html().expect("text/html").to_string();
        assert!(!html.contains("<script"), "{html}");
        (text, html)
    }

    fn parse(json: &str) -> Entity {
        Entity::from_json(serde_json::from_str(json).unwrap())
    }

    fn render_json(json: &str) -> (String, String) {
        let e = parse(json);
        assert!(!matches!(e, Entity::Unknown { .. }), "{e:?}");
        render_one(&e)
    }

    fn assert_escaped(html: &str) {
        assert!(!html.contains(HOSTILE));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    }

    #[test]
    fn command_status_lines() {
        if let Some((text, html, _)) = render_fixture("testPrintCommandStatus") {
            assert_eq!(text, "Success Message (query ID CSAS_0)");
            assert!(html.contains("Success Message") && html.contains("rgb(46,160,67)"));
        }
        let (text, _) = render_json(concat!(
            r#"{"@type":"currentStatus","statementText":"CREATE STREAM X AS SELECT * FROM Y;","#,
            r#""commandId":"stream/`X`/create","commandStatus":{"status":"SUCCESS","#,
            r#""message":"Created query with ID CSAS_X_0","queryId":"CSAS_X_0"},"commandSequenceNumber":2,"#,
            r#""warnings":[]}"#,
        ));
        assert_eq!(text, "Created query with ID CSAS_X_0");
        let (text, html) = render_json(concat!(
            r#"{"@type":"currentStatus","statementText":"CREATE STREAM s;","#,
            r#""commandStatus":{"status":"SUCCESS","message":"Stream created","queryId":null}}"#,
        ));
        assert_eq!(text, "Stream created");
        assert!(html.contains("✔"));
        let (text, html) = render_json(concat!(
            r#"{"@type":"currentStatus","statementText":"x","commandStatus":{"status":"ERROR","#,
            r#""message":"<script>alert(1)</script> failed"}}"#,
        ));
        assert!(text.starts_with("WARNING: Statement failed: <script>"), "{text}");
        assert_escaped(&html);
        assert!(html.contains("rgb(210,153,34)"));
        let (text, _) = render_json(concat!(
            r#"{"@type":"currentStatus","statementText":"x","commandStatus":{"status":"QUEUED","#,
            r#""message":"Statement written to command topic"}}"#,
        ));
        assert!(text.contains("QUEUED"));
    }

    #[test]
    fn streams_and_tables_lists() {
        if let Some((text, html, _)) = render_fixture("shouldPrintStreamsList") {
            for h in ["Stream Name", "Kafka Topic", "Key Format", "Value Format", "Windowed"] {
                assert!(text.contains(h) && html.contains(h), "{h}");
            }
            assert!(text.contains("| A           | t1          | JSON       | JSON         | true     |"), "{text}");
            assert!(html.contains(">AVRO<") && html.contains(">KAFKA<"));
        }
        if let Some((text, html, _)) = render_fixture("shouldPrintTablesList") {
            assert!(text.contains("Table Name") && html.contains("Table Name"));
            assert!(text.contains("| B          | t2          | JSON       | JSON         | true     |"), "{text}");
        }
        // Before 0.14: `format` is the value format, no key format or windowed flag.
        let (text, html) = render_json(concat!(
            r#"{"@type":"streams","statementText":"show streams;","streams":[{"type":"STREAM","#,
            r#""name":"<script>alert(1)</script>","topic":"exist_topic","format":"DELIMITED"}]}"#,
        ));
        assert!(text.contains("DELIMITED") && !text.contains("Key Format") && text.contains("Value Format"));
        assert!(text.contains(HOSTILE));
        assert_escaped(&html);
        let (text, _) = render_json(r#"{"@type":"tables","statementText":"show tables;","tables":[],"warnings":[]}"#);
        assert!(text.contains("Table Name") && text.contains("(no rows)"));
    }

    #[test]
    fn queries_list() {
        if let Some((text, html, _)) = render_fixture("testPrintQueries") {
            for h in ["Query ID", "Query Type", "Status", "Sink Name", "Sink Kafka Topic", "Query String"] {
                assert!(text.contains(h) && html.contains(h), "{h}");
            }
            assert!(text.contains("RUNNING:1,ERROR:2") && html.contains("RUNNING:1,ERROR:2"));
            assert!(text.contains("select * from t1 emit changes") && text.contains("Test topic"));
            assert!(text.contains("EXPLAIN <Query ID>"));
        }
        // 5.4 / 0.6 shape: object id, statementText.
        let (text, html) = render_json(concat!(
            r#"{"@type":"queries","statementText":"SHOW QUERIES;","queries":[{"sinks":["X"],"#,
            r#""id":{"id":"CSAS_X_0"},"#,
            r#""statementText":"CREATE STREAM X AS SELECT '<script>alert(1)</script>' FROM Y;"}],"#,
            r#""warnings":[]}"#,
        ));
        assert!(text.contains("CSAS_X_0") && text.contains("CREATE STREAM X AS"));
        assert_escaped(&html);
    }

    #[test]
    fn explain_query() {
        if let Some((text, html, _)) = render_fixture("shouldPrintExplainQueryWithError") {
            for s in ["ID", "PERSISTENT", "ERROR", "source", "sink", "consumerGroupId", "statement"] {
                assert!(text.contains(s) && html.contains(s), "{s}");
            }
            assert!(text.contains("| name  | STRING |"), "{text}");
            assert!(text.contains("Overridden Properties") && text.contains("| overridden.prop | 42    |"), "{text}");
            assert!(text.contains("foo:123") && text.contains("Host Query Status"));
            assert!(
                text.contains("2020-08-05 16:28:56.314") && text.contains("SYSTEM") && text.contains("Error Details")
            );
            assert!(text.contains("Execution plan\n--------------\nexecutionPlan"), "{text}");
            assert!(text.contains("Processing topology\n-------------------\ntopology"));
            assert!(html.contains("<pre") && html.contains(">topology</pre>"));
            assert!(!html.contains("<details"), "short blocks are shown open");
        }
        let topology = (0..40)
            .map(|i| format!("   Processor: <script>alert(1)</script> KSTREAM-{i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let json = serde_json::json!({
            "@type": "queryDescription", "statementText": "EXPLAIN CSAS_1;",
            "queryDescription": {
                "id": "CSAS_1", "statementText": "CREATE STREAM B AS SELECT '<script>alert(1)</script>' FROM A;",
                "fields": [
                    {"name": "K", "schema": {"type": "STRING", "fields": null, "memberSchema": null}, "type": "KEY"}
                ],
                "sources": ["A"], "sinks": ["B"], "topology": topology, "executionPlan": " > [ SINK ]",
                "overriddenProperties": {}, "ksqlHostQueryStatus": {}, "queryType": "PERSISTENT", "queryErrors": [],
                "state": "RUNNING"
            }, "warnings": []
        });
        let (text, html) = render_json(&json.to_string());
        assert_escaped(&html);
        assert!(html.contains("<details") && html.contains("<summary") && html.contains("(40 lines)"));
        assert!(!html.contains("<script"));
        assert!(text.contains("KSTREAM-39") && text.contains("STRING (key)") && text.contains("RUNNING"));
    }

    #[test]
    fn show_queries_extended() {
        let (text, html) = render_json(concat!(
            r#"{"@type":"query_descriptions","statementText":"SHOW QUERIES EXTENDED;","#,
            r#""queryDescriptions":[{"id":"CSAS_1","statementText":"x","windowType":null,"fields":[],"#,
            r#""sources":["A"],"sinks":["B"],"topology":"t","executionPlan":"p","#,
            r#""overriddenProperties":{"x":1.50},"ksqlHostQueryStatus":{"h:1":"RUNNING"},"#,
            r#""queryType":"PERSISTENT","queryErrors":[],"tasksMetadata":[],"state":"RUNNING"},"#,
            r#"{"id":"CTAS_2","sources":["C"],"sinks":["D"],"queryType":"PERSISTENT"}],"warnings":[]}"#,
        ));
        assert!(text.contains("Query CSAS_1") && text.contains("Query CTAS_2"));
        assert!(html.contains("Query CSAS_1") && html.contains("<hr"));
        assert!(text.contains("1.50"), "exact numbers kept: {text}");
        assert!(text.contains("h:1") && text.contains("RUNNING"));
    }

    #[test]
    fn properties_list() {
        if let Some((text, html, _)) = render_fixture("testPrintPropertyList") {
            for h in ["Property", "Scope", "Level", "Value", "k1", "KSQL", "SERVER", "v2", "true"] {
                assert!(text.contains(h) && html.contains(h), "{h}");
            }
            assert!(!text.contains("Origin"), "no markers when the server lists none");
        }
        let (text, html) = render_json(concat!(
            r#"{"@type":"properties","statementText":"show properties;","#,
            r#""properties":[{"name":"ksql.extension.dir","scope":"KSQL","value":"ext"},"#,
            r#"{"name":"ksql.security.extension.class","scope":"KSQL","value":null},"#,
            r#"{"name":"config.storage.topic","scope":"EMBEDDED CONNECT WORKER","#,
            r#""value":"<script>alert(1)</script>"}],"overwrittenProperties":["config.storage.topic"],"#,
            r#""defaultProperties":["ksql.extension.dir","ksql.security.extension.class"],"warnings":[]}"#,
        ));
        assert!(text.contains("Origin") && text.contains("overwritten") && text.contains("default"));
        assert!(text.contains("NULL") && !text.contains("Level"));
        assert_escaped(&html);
        // The 0.6 map form.
        let (text, _) = render_json(
            r#"{"@type":"properties","statementText":"list properties;","properties":{"ksql.a":"1","ksql.b":"x"}}"#,
        );
        assert!(text.contains("ksql.a") && text.contains("| x ") && !text.contains("Scope"), "{text}");
    }

    #[test]
    fn describe_source() {
        if let Some((text, html, _)) = render_fixture("testPrintSourceDescription") {
            for s in [
                "Name                 : TestSource",
                "Type                 : TABLE",
                "Timestamp field      : 2000-01-01",
                "Key format           : kafka",
                "Value format         : avro",
                "Kafka topic          : kafka-topic (partitions: 1, replication: 1)",
                "Statement            : sql statement",
                "| ROWKEY | STRING (primary key) |",
                "| f_5    | ARRAY<STRING>",
                "| f_6    | MAP<STRING, BIGINT>",
                "| f_7    | STRUCT<a DOUBLE>",
                "Queries that read from this TABLE",
                "Queries that write into this TABLE",
                "readId",
                "RUNNING:1,ERROR:2",
                "read query",
                "Local runtime statistics",
                "stats\nerrors",
                "Kafka topic kafka-topic",
            ] {
                assert!(text.contains(s), "{s}\n{text}");
            }
            assert!(!text.contains("deprecated") && !html.contains("deprecated"));
            assert!(html.contains("<th") && html.contains(">Field<") && html.contains(">Type<"));
            assert!(html.contains("STRING <span style=\"opacity:0.6\">(primary key)</span>"));
            assert!(html.contains("STRUCT&lt;a DOUBLE&gt;"));
        }
        if let Some((text, html, _)) = render_fixture("testPrintSourceDescriptionWithHeaders") {
            assert!(text.contains("ARRAY<STRUCT<KEY STRING, VALUE BYTES>> (headers)"), "{text}");
            assert!(html.contains("(headers)"));
        }
        if let Some((text, html, _)) = render_fixture("testPrintSourceDescriptionWithExtractedHeader") {
            assert!(text.contains("| HEAD   | BYTES (header('abc'))"), "{text}");
            assert!(html.contains("(header(&#39;abc&#39;))"));
        }
        if let Some((text, _, _)) = render_fixture("shouldPrintWarnings") {
            // Warnings are the kernel's (stderr); the entity itself still renders.
            assert!(text.contains("f_1") && !text.contains("oops"));
        }
    }

    #[test]
    fn describe_extended_with_cluster_stats_and_offsets() {
        if let Some((text, html, _)) = render_fixture("testPrintSourceDescriptionWithClusterStats") {
            assert!(text.contains("Runtime statistics by host"));
            for s in [
                "Host",
                "Metric",
                "Value",
                "Last Message (UTC)",
                "host1:8001",
                "ERROR",
                "TEST",
                "2020-08-05 16:28:56.314",
            ] {
                assert!(text.contains(s) && html.contains(s), "{s}");
            }
            let h1 = text.find("| host1:8001 | ERROR").unwrap();
            let h4 = text.find("| host4:8004 | TEST").unwrap();
            assert!(h1 < h4);
            assert!(text.contains("|     0 |"), "{text}");
            assert!(!text.contains("Local runtime statistics") && !text.contains("Statistics of the local"));
        }
        if let Some((text, html, _)) = render_fixture("shouldPrintTopicDescribeExtended") {
            assert!(text.contains("Key format           : json"));
            assert!(text.contains("Sources that have a DROP constraint on this source") && text.contains("| S2 "));
            for h in ["Kafka Topic", "Partition", "Start Offset", "End Offset", "Committed Offset", "Lag"] {
                assert!(text.contains(h) && html.contains(h), "{h}");
            }
            assert!(text.contains("Consumer group consumer1 · max lag 100"), "{text}");
            assert!(
                text.contains("| kafka-topic   |         0 |          100 |        900 |              800 | 100 |"),
                "{text}"
            );
            assert!(
                text.contains("| kafka-topic-2 |         1 |           10 |         90 |               90 |   0 |"),
                "{text}"
            );
            assert!(text.contains("Consumer group consumer2: no offsets committed by this group yet"));
        }
    }

    #[test]
    fn describe_sources_list_and_hostile_source() {
        let json = serde_json::json!({
            "@type": "source_descriptions", "statementText": "DESCRIBE STREAMS;",
            "sourceDescriptions": [
                {"name": HOSTILE,
                 "fields": [
                    {"name": "ID", "schema": {"type": "INTEGER", "fields": null, "memberSchema": null}, "type": "KEY"}
                 ],
                 "readQueries": [], "writeQueries": [], "type": "STREAM", "keyFormat": "KAFKA", "valueFormat": "JSON",
                 "topic": "t", "partitions": 1, "replication": 1,
                 "statement": format!("CREATE STREAM x (ID INT KEY) WITH (kafka_topic='{HOSTILE}');"),
                 "statistics": "", "errorStats": "", "extended": false, "windowType": "TUMBLING"},
                {"name": "OLD", "fields": [], "readQueries": [], "writeQueries": [], "type": "TABLE",
                 "format": "DELIMITED", "key": "ID", "timestamp": ""}
            ], "warnings": []
        });
        let (text, html) = render_json(&json.to_string());
        assert_escaped(&html);
        assert!(text.contains("STREAM <script>") && text.contains("| ID    | INTEGER (key) |"), "{text}");
        assert!(text.contains("Window type          : TUMBLING"));
        assert!(text.contains("Value format         : DELIMITED") && text.contains("Key field            : ID"));
        assert!(text.contains("Not set - using <ROWTIME>") && html.contains("Not set - using &lt;ROWTIME&gt;"));
        assert!(!text.contains("Local runtime statistics"));
    }

    #[test]
    fn topics_lists() {
        let (text, html) = render_json(concat!(
            r#"{"@type":"kafka_topics","statementText":"SHOW TOPICS;","topics":[{"name":"dead.letter.queue","#,
            r#""replicaInfo":[1]},{"name":"orders","replicaInfo":[3,3,3]},"#,
            r#"{"name":"<script>alert(1)</script>","replicaInfo":[1,2]}],"warnings":[]}"#,
        ));
        for h in ["Kafka Topic", "Partitions", "Partition Replicas"] {
            assert!(text.contains(h) && html.contains(h));
        }
        assert!(text.contains("| orders                    |          3 | 3                  |"), "{text}");
        assert!(text.contains("1, 2") && !text.contains("Consumers"));
        assert_escaped(&html);
        let (text, html) = render_json(concat!(
            r#"{"@type":"kafka_topics_extended","statementText":"SHOW TOPICS EXTENDED;","#,
            r#""topics":[{"name":"orders","replicaInfo":[1,1],"consumerCount":2,"consumerGroupCount":1}],"#,
            r#""warnings":[]}"#,
        ));
        assert!(text.contains("Consumers") && text.contains("Consumer Groups") && html.contains("Consumer Groups"));
        assert!(
            text.contains("| orders      |          2 | 1                  |         2 |               1 |"),
            "{text}"
        );
    }

    #[test]
    fn functions() {
        let (text, html) = render_json(concat!(
            r#"{"@type":"function_names","statementText":"SHOW FUNCTIONS;","functions":[{"name":"ABS","#,
            r#""type":"SCALAR","category":"MATHEMATICAL"},{"name":"<script>alert(1)</script>","#,
            r#""type":"AGGREGATE"}],"warnings":[]}"#,
        ));
        for h in ["Function Name", "Category", "Type", "ABS", "MATHEMATICAL", "SCALAR", "AGGREGATE"] {
            assert!(text.contains(h) && html.contains(h), "{h}");
        }
        assert!(text.find("ABS").unwrap() < text.find("<script>").unwrap(), "kept in server order");
        assert_escaped(&html);
        if let Some((text, html, _)) = render_fixture("shouldPrintFunctionDescription") {
            for s in [
                "Name                 : FOO",
                "Author               : Andy",
                "Version              : v1.1.0",
                "Jar                  : some.jar",
                "Type                 : SCALAR",
                "and containing new lines",
            ] {
                assert!(text.contains(s), "{s}\n{text}");
            }
            for s in ["Variation", "Returns", "FOO(arg1 INT...)", "LONG", "arg1 (variadic): Another really"] {
                assert!(text.contains(s) && html.contains(s), "{s}");
            }
        }
    }

    #[test]
    fn types_and_variables() {
        if let Some((text, html, _)) = render_fixture("shouldPrintTypesList") {
            assert!(text.contains("Type Name") && text.contains("Schema"));
            assert!(text.contains("| typeA     | STRUCT<f1 STRING> |"), "{text}");
            assert!(text.contains("ARRAY<STRING>") && text.contains("DECIMAL(10, 9)"));
            assert!(text.find("typeA").unwrap() < text.find("typeB").unwrap());
            assert!(html.contains("STRUCT&lt;f1 STRING&gt;"));
        }
        let (text, html) = render_json(concat!(
            r#"{"@type":"variables","statementText":"SHOW VARIABLES;","variables":[{"name":"name","#,
            r#""value":"value"},{"name":"x","value":"<script>alert(1)</script>"}],"warnings":[]}"#,
        ));
        assert!(text.contains("Variable Name") && text.contains("| name          | value "), "{text}");
        assert_escaped(&html);
    }

    #[test]
    fn connectors() {
        if let Some((text, html, _)) = render_fixture("shouldPrintConnectorsList") {
            for h in ["Connector Name", "Type", "Class", "Status", "foo", "SOURCE", "clazz", "STATUS", "UNKNOWN"] {
                assert!(text.contains(h) && html.contains(h), "{h}");
            }
        }
        if let Some((text, html, _)) = render_fixture("testPrintConnectorDescription") {
            for s in [
                "Class                : io.confluent.Connector",
                "State                : state",
                "WorkerId             : worker",
                "Trace                : msg",
            ] {
                assert!(text.contains(s), "{s}\n{text}");
            }
            for s in [
                "Task ID",
                "task_msg",
                "KSQL Source Name",
                "TestSource",
                "kafka-topic",
                "TABLE",
                "Related Topics",
                "a-jdbc-topic",
            ] {
                assert!(text.contains(s) && html.contains(s), "{s}");
            }
        }
        if let Some((text, html, _)) = render_fixture("shouldPrintDropConnector") {
            assert_eq!(text, "Dropped connector \"connectorName\"");
            assert!(html.contains("Dropped connector &quot;connectorName&quot;"));
        }
        let (text, html) = render_json(concat!(
            r#"{"@type":"connector_plugins_list","statementText":"SHOW CONNECTOR PLUGINS;","#,
            r#""connectorsPlugins":[{"className":"io.x.Y","type":"source","version":"1.0"}],"warnings":[]}"#,
        ));
        assert!(text.contains("io.x.Y") && text.contains("SOURCE") && text.contains("1.0") && html.contains("Version"));
        let (text, html) = render_json(concat!(
            r#"{"@type":"connector_info","#,
            r#""statementText":"CREATE SOURCE CONNECTOR c WITH ('password'='*****');","#,
            r#""info":{"name":"<script>alert(1)</script>","config":{"password":"*****","tasks.max":"1"},"#,
            r#""tasks":[],"type":"source"},"warnings":[]}"#,
        ));
        assert!(
            text.starts_with("Created source connector <script>")
                && text.contains("tasks.max")
                && text.contains("*****")
        );
        assert_escaped(&html);
    }

    #[test]
    fn small_status_entities() {
        let (text, html) = render_json(concat!(
            r#"{"@type":"warning_entity","statementText":"UNDEFINE x;","#,
            r#""message":"Cannot undefine variable 'x' which was never defined","warnings":[]}"#,
        ));
        assert_eq!(text, "WARNING: Cannot undefine variable 'x' which was never defined");
        assert!(html.contains("Warning:"));
        if let Some((text, _, _)) = render_fixture("shouldPrintTerminateQuery") {
            assert_eq!(text, "Query queryId terminated.");
        }
        let (text, _) = render_json(concat!(
            r#"{"@type":"terminate_query","statementText":"TERMINATE transient_S_1;","#,
            r#""queryId":"transient_S_1","wasTerminated":false}"#,
        ));
        assert_eq!(text, "Query transient_S_1 was not running.");
        for (name, expected) in [
            ("shouldPrintAssertTopicResult", "Topic name exists."),
            ("shouldPrintAssertNotExistsTopicResult", "Topic name does not exist."),
            ("shouldPrintAssertSchemaResult", "Schema with subject abc id 55 exists."),
            ("shouldPrintAssertNotExistsSchemaResult", "Schema with subject abc id 55 does not exist."),
        ] {
            if let Some((text, html, _)) = render_fixture(name) {
                assert_eq!(text, expected);
                assert!(html.contains(expected));
            }
        }
        let (text, _) = render_json(concat!(
            r#"{"@type":"assert_schema","statementText":"ASSERT SCHEMA SUBJECT 'Kafka-key';","#,
            r#""subject":"Kafka-key","id":null,"exists":true}"#,
        ));
        assert_eq!(text, "Schema with subject Kafka-key exists.");
    }

    #[test]
    fn execution_plan_and_topic_description() {
        if let Some((text, html, _)) = render_fixture("testPrintExecuptionPlan") {
            assert!(text.contains("Execution plan") && text.contains("Test Execution Plan"));
            assert!(html.contains("<pre") && html.contains("Test Execution Plan"));
        }
        if let Some((text, html, _)) = render_fixture("testPrintTopicDescription") {
            for s in ["Name", "Kafka Topic", "Format", "Schema", "TestTopic", "TestKafkaTopic", "AVRO", "schemaString"]
            {
                assert!(text.contains(s) && html.contains(s), "{s}");
            }
        }
        let (_, html) = render_json(
            r#"{"@type":"executionPlan","statementText":"x","executionPlan":"</pre><script>alert(1)</script>"}"#,
        );
        assert_escaped(&html);
        assert!(html.contains("&lt;/pre&gt;"));
    }

    #[test]
    fn unknown_entities_render_as_json() {
        let e = parse(
            r#"{"@type":"future_thing","statementText":"X;","payload":{"v":"<script>alert(1)</script>","n":4.50}}"#,
        );
        assert!(matches!(e, Entity::Unknown { .. }));
        let (text, html) = render_one(&e);
        assert!(text.starts_with("future_thing\n") && text.contains("4.50"));
        assert!(html.contains("future_thing"));
        assert_escaped(&html);
        if let Some((text, _, e)) = render_fixture("shouldPrintErrorEntityLongJson") {
            assert!(matches!(e, Entity::Unknown { .. }));
            assert!(text.contains("error_entity") && text.contains("errorMessage"));
        }
        let (text, _) = render_one(&Entity::from_json(Value::from(42)));
        assert!(text.contains("42"));
    }

    #[test]
    fn several_entities_get_statement_captions() {
        let v: Value = serde_json::from_str(concat!(
            r#"[
            {"@type":"currentStatus","#,
            r#""statementText":"CREATE STREAM <script>alert(1)</script> (a INT)\n    WITH (kafka_topic='t', "#,
            r#"value_format='JSON');","commandStatus":{"status":"SUCCESS","message":"Stream created"}},
            {"@type":"streams","statementText":"SHOW STREAMS;","streams":[]},
            {"@type":"mystery","statementText":"MYSTERY;"}
        ]"#
        ))
        .unwrap();
        let entities = Entity::list_from_json(v);
        let bundles = render_entities(&entities, NO_ROW_CAP);
        assert_eq!(bundles.len(), 3);
        let t0 = bundles[0].text_plain().unwrap();
        assert!(t0.starts_with("CREATE STREAM <script>") && t0.ends_with("\nStream created"), "{t0}");
        assert!(t0.contains("(a INT) WITH (kafka_topic"), "whitespace collapsed in the text caption: {t0}");
        assert_escaped(bundles[0].text_html().unwrap());
        assert!(bundles[1].text_plain().unwrap().starts_with("SHOW STREAMS;\n"));
        assert!(bundles[1].text_html().unwrap().contains("SHOW STREAMS;"));
        assert!(bundles[2].text_plain().unwrap().starts_with("MYSTERY;\nmystery"));
        for (b, e) in bundles.iter().zip(&entities) {
            assert_eq!(b.application_json(), Some(e.raw_json()));
        }
        // A single entity gets no caption.
        let one = render_entities(&entities[..1], NO_ROW_CAP);
        assert_eq!(one[0].text_plain(), Some("Stream created"));
        assert!(render_entities(&[], NO_ROW_CAP).is_empty());
    }

    #[test]
    fn every_approved_fixture_renders() {
        let Some(dir) = fixtures_dir() else {
            eprintln!("skipping: ksql-cli-console-approved fixtures not found");
            return;
        };
        let mut count = 0;
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if !path.to_string_lossy().ends_with(".approved.json") {
                continue;
            }
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for e in Entity::list_from_json(v) {
                let (text, html) = render_one(&e);
                assert!(!text.is_empty() && html.starts_with("<div class=\"ksql-entity\">"), "{path:?}");
                count += 1;
            }
        }
        assert!(count >= 26, "{count}");
    }

    #[test]
    fn deprecation_sentences_are_stripped() {
        assert_eq!(
            strip_deprecation(
                "The statistics field is deprecated and will be removed in a future version of ksql. Please update \
                 your client to the latest version and use statisticsMap instead.\nstats"
            ),
            "stats"
        );
        assert_eq!(strip_deprecation("messages-per-sec: 1.5\n"), "messages-per-sec: 1.5");
        assert_eq!(strip_deprecation(""), "");
    }
}
