//! DDL: CREATE STREAM/TABLE (declared or inferred from registered schemas), CREATE ... AS
//! SELECT, DROP, and CREATE/DROP TYPE.

use serde_json::Value as J;

use super::formats::{check_formats, default_value_wrapping};
use super::lifecycle::sink_spec;
use super::plan::{plan_query, PlanOptions, SinkTimestamp};
use super::replace::upgrade_error;
use super::schemas::Registration;
use super::status::{status_entity, warning};
use super::{exec, EResult, Engine, EngineError, Session};
use crate::catalog::{ColKind, Column, Source, WindowType};
use crate::registry;
use crate::schema_registry::wire::WireSchema;
use crate::schema_registry::SchemaRegistry;
use crate::sql::ast::{
    source_window_props, ColumnConstraint, ColumnDef, Expr, Literal, PropValue, Props, Query, SourceKind,
};
use crate::topics::Format;
use crate::types::SqlType;

impl Engine {
    fn check_name_free(
        &self,
        name: &str,
        kind: SourceKind,
        or_replace: bool,
        if_not_exists: bool,
        text: &str,
    ) -> EResult<Option<J>> {
        if let Some(existing) = self.catalog.get(name) {
            if if_not_exists {
                let (kind, existing) = (kind.lower(), existing.kind.lower());
                let message = format!("Cannot add {kind} {name}: A {existing} with the same name already exists.");
                return Ok(Some(warning(text, message)));
            }
            if or_replace && existing.kind == kind {
                return Ok(None);
            }
            if or_replace {
                return Err(EngineError::statement(format!(
                    "Cannot add {} '{}': A {} with the same name already exists",
                    kind.lower(),
                    name,
                    existing.kind.lower()
                )));
            }
            return Err(EngineError::statement(format!(
                "Cannot add {} '{}': A {} with the same name already exists",
                kind.lower(),
                name,
                existing.kind.lower()
            )));
        }
        Ok(None)
    }

    /// The columns a source's registered schemas give (CREATE without columns, or with only
    /// keys or only values), and whether the value schema is anonymous (not a record).
    fn inferred_columns(
        &self,
        kind: SourceKind,
        topic: &str,
        props: &Props,
        (key_format, value_format): (&Format, &Format),
        (declares_keys, declares_values): (bool, bool),
    ) -> EResult<(Vec<ColumnDef>, bool)> {
        let mut inferred: Vec<ColumnDef> = Vec::new();
        let mut anonymous_value = false;
        for (is_key, format, declared) in [(true, key_format, declares_keys), (false, value_format, declares_values)] {
            let (part, upper) = if is_key { ("KEY", "KEY_SCHEMA_ID") } else { ("VALUE", "VALUE_SCHEMA_ID") };
            let schema_id = props.get(upper).is_some();
            if schema_id && !format.supports_inference() {
                return Err(EngineError::statement(format!(
                    "{part}_FORMAT should support schema inference when {upper} is provided. Current format is {}.",
                    format.name()
                )));
            }
            if schema_id && declared {
                return Err(EngineError::statement(format!(
                    "Table elements and {upper} cannot both exist for create statement."
                )));
            }
            let Format::Schema(sf, _) = format else { continue };
            if declared
                || (is_key && kind == SourceKind::Stream && self.schema_registry.topic_schema(topic, true).is_none())
            {
                continue;
            }
            let stored = self.schema_registry.topic_schema(topic, is_key);
            let Some(reg) = stored.map(|s| s.document()) else {
                // A stream may have no key; a table's key comes first, as in ksqlDB's injector.
                if is_key && kind == SourceKind::Stream {
                    continue;
                }
                return Err(schema_not_found(topic, is_key));
            };
            let full_name = props.get_str(&format!("{part}_SCHEMA_FULL_NAME"));
            // A PROTOBUF schema compiled for records (with the schemas it imports) gives its types.
            let compiled = stored.and_then(|s| self.schema_registry.wire_schemas().get(s.id));
            let from_schema = match compiled.as_deref() {
                Some(WireSchema::Protobuf(p)) => {
                    p.sql_type(full_name.as_deref()).map(|t| registry::columns_from_type(t, is_key, schema_id))
                }
                _ => registry::columns_from_schema(*sf, &reg, is_key, full_name.as_deref(), schema_id),
            };
            let (cols, wrapped) = from_schema.map_err(|e| {
                if e.contains("not supported in the ksqlDB sandbox") {
                    EngineError::statement(e)
                } else {
                    EngineError::statement(format!("Schema inference failed: {e}"))
                }
            })?;
            anonymous_value |= !is_key && !wrapped;
            for (n, t) in cols {
                let constraint = if !is_key {
                    ColumnConstraint::None
                } else if kind == SourceKind::Table {
                    ColumnConstraint::PrimaryKey
                } else {
                    ColumnConstraint::Key
                };
                inferred.push(ColumnDef { name: n, ty: t, constraint });
            }
        }
        Ok((inferred, anonymous_value))
    }

    /// The source's columns from the declared and inferred ones, with ksqlDB's checks: KEY for
    /// streams and PRIMARY KEY for tables, no reserved or duplicate names.
    fn source_columns(&self, cols: &[ColumnDef], kind: SourceKind) -> EResult<Vec<Column>> {
        let mut columns = Vec::new();
        for c in cols {
            let ty = self.catalog.resolve_type(&c.ty).map_err(EngineError::statement)?;
            let k = match (&c.constraint, kind) {
                (ColumnConstraint::Key, SourceKind::Table) | (ColumnConstraint::PrimaryKey, SourceKind::Stream) => {
                    return Err(wrong_key_kind(&c.name, kind))
                }
                (ColumnConstraint::Key | ColumnConstraint::PrimaryKey, _) => ColKind::Key,
                (ColumnConstraint::Headers(h), _) => {
                    check_header_type(h.as_deref(), &ty)?;
                    ColKind::Header(h.clone())
                }
                (ColumnConstraint::None, _) => ColKind::Value,
            };
            if matches!(c.name.as_str(), "ROWTIME" | "ROWPARTITION" | "ROWOFFSET" | "WINDOWSTART" | "WINDOWEND") {
                return Err(EngineError::statement(format!(
                    "'{}' is a reserved column name. You cannot use it as a name for a column.",
                    c.name
                )));
            }
            if columns.iter().any(|x: &Column| x.name == c.name) {
                return Err(EngineError::statement(format!("Duplicate column names: {}", c.name)));
            }
            columns.push(Column { name: c.name.clone(), ty, kind: k });
        }
        Ok(columns)
    }

    /// The topic a CREATE names, created when missing: with PARTITIONS, or with one partition
    /// when the sandbox creates topics on demand; else ksqlDB's error.
    fn ensure_topic(&mut self, text: &str, kind: SourceKind, topic: &str, props: &Props) -> EResult<()> {
        let partitions = props
            .get_str("PARTITIONS")
            .map(|p| p.parse::<u32>().map_err(|_| EngineError::statement(format!("Invalid PARTITIONS: {p}"))))
            .transpose()?;
        let retention_ms = retention_ms(props)?;
        if self.topics.get(topic).is_none() {
            match partitions {
                Some(p) => {
                    self.topics.create(topic, p).retention.ms = retention_ms;
                }
                None if self.auto_create_topics => {
                    self.topics.create(topic, 1).retention.ms = retention_ms;
                }
                None => {
                    return Err(EngineError::generic(format!(
                        "Topic '{topic}' does not exist. If you want to create a new topic for the {} please \
                         re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause \
                         (and optionally 'REPLICAS'). For example: {}",
                        kind.lower(),
                        text.trim_end_matches(';').trim().to_string() + " WITH (PARTITIONS=1);"
                    )))
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn create_source(
        &mut self,
        text: &str,
        kind: SourceKind,
        or_replace: bool,
        if_not_exists: bool,
        read_only: bool,
        name: &str,
        cols: &[ColumnDef],
        props: &Props,
        session: &Session,
    ) -> EResult<Option<J>> {
        if or_replace && (read_only || self.catalog.get(name).is_some_and(|e| e.read_only)) {
            let what = if kind == SourceKind::Stream { ("stream", "streams") } else { ("table", "tables") };
            return Err(EngineError::statement(format!(
                "Cannot add {} '{}': CREATE OR REPLACE is not supported on source {}.",
                what.0, name, what.1
            )));
        }
        if let Some(w) = self.check_name_free(name, kind, or_replace, if_not_exists, text)? {
            return Ok(Some(w));
        }
        let topic = props.get_str("KAFKA_TOPIC").ok_or_else(|| {
            EngineError::statement("Missing required property \"KAFKA_TOPIC\" which has no default value.")
        })?;
        let (key_format, value_format) = self.formats(props, None, None)?;
        if cols.is_empty() && !value_format.supports_inference() {
            return Err(EngineError::statement("No columns supplied."));
        }
        let declares_values = cols.iter().any(|c| matches!(c.constraint, ColumnConstraint::None));
        let declares_keys =
            cols.iter().any(|c| matches!(c.constraint, ColumnConstraint::Key | ColumnConstraint::PrimaryKey));
        let (inferred, anonymous_value) =
            self.inferred_columns(kind, &topic, props, (&key_format, &value_format), (declares_keys, declares_values))?;
        let all_cols: Vec<ColumnDef> = cols.iter().cloned().chain(inferred).collect();
        let cols = &all_cols[..];
        let has_keys =
            cols.iter().any(|c| matches!(c.constraint, ColumnConstraint::Key | ColumnConstraint::PrimaryKey));
        if !has_keys && key_format.supports_inference() && kind == SourceKind::Table {
            return Err(schema_not_found(&topic, true));
        }
        let mut columns = self.source_columns(cols, kind)?;
        if kind == SourceKind::Table && !columns.iter().any(|c| c.kind == ColKind::Key) {
            return Err(EngineError::statement(
                "Tables require a PRIMARY KEY. Please define the PRIMARY KEY.\n\
                 Use a partial schema to define the primary key and still let the value columns be inferred from \
                 the schema registry, e.g. CREATE TABLE t (id INT PRIMARY KEY) WITH (...);",
            ));
        }
        // Keys first, keeping declaration order otherwise.
        columns.sort_by_key(|c| if c.kind == ColKind::Key { 0 } else { 1 });
        let wrap = props
            .get("WRAP_SINGLE_VALUE")
            .map(|v| matches!(v, PropValue::Bool(true)) || v.as_string().eq_ignore_ascii_case("true"));
        let wrap = if anonymous_value { Some(false) } else { wrap };
        let wrap = wrap.or_else(|| default_value_wrapping(session, &value_format, &columns));
        check_formats(&key_format, &value_format, &columns, wrap)?;
        let timestamp_column = props.get_str("TIMESTAMP").map(|t| t.to_ascii_uppercase());
        if let Some(tc) = &timestamp_column {
            let c = columns.iter().find(|c| c.name == *tc).ok_or_else(|| {
                EngineError::statement(format!(
                    "The TIMESTAMP column set in the WITH clause does not exist in the schema: '{tc}'"
                ))
            })?;
            if !matches!(c.ty, SqlType::Bigint | SqlType::Timestamp | SqlType::String) {
                return Err(EngineError::statement(format!(
                    "Timestamp column, `{tc}`, should be LONG(INT64), TIMESTAMP, \
                     or a String with a timestamp_format specified."
                )));
            }
        }
        let window = source_window(props, &columns)?;
        let mut src = Source {
            name: name.to_string(),
            kind,
            columns,
            topic,
            key_format,
            value_format,
            wrap_single_value: wrap,
            timestamp_column,
            timestamp_format: props.get_str("TIMESTAMP_FORMAT"),
            window,
            read_only,
            statement: text.to_string(),
            writer_query: None,
        };
        if let Some(reason) = self.catalog.get(name).and_then(|old| upgrade_error(old, &src)) {
            return Err(EngineError::statement(reason));
        }
        self.ensure_topic(text, kind, &src.topic, props)?;
        self.register_source_schemas(&mut src, props, Registration::IfAbsent)?;
        self.catalog.sources.insert(name.to_string(), src);
        self.command_seq += 1;
        Ok(Some(status_entity(
            text,
            format!("{}/`{}`/create", kind.lower(), name),
            format!("{} created", if kind == SourceKind::Stream { "Stream" } else { "Table" }),
            None,
            self.command_seq,
        )))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn create_as_select(
        &mut self,
        text: &str,
        kind: SourceKind,
        or_replace: bool,
        if_not_exists: bool,
        name: &str,
        props: &Props,
        query: &Query,
        session: &Session,
    ) -> EResult<Option<J>> {
        if let Some(w) = self.check_name_free(name, kind, or_replace, if_not_exists, text)? {
            return Ok(Some(w));
        }
        let upgrading = if or_replace { self.query_to_upgrade(name, kind)? } else { None };
        if query.limit.is_some() {
            let what = if kind == SourceKind::Table { "TABLE" } else { "STREAM" };
            return Err(EngineError::statement(format!(
                "CREATE {what} AS SELECT statements don't support LIMIT clause."
            )));
        }
        let sink_ts = props.get_str("TIMESTAMP").map(|t| t.to_ascii_uppercase());
        let sink_timestamp =
            sink_ts.clone().map(|column| SinkTimestamp { column, format: props.get_str("TIMESTAMP_FORMAT") });
        let mut plan = plan_query(
            query,
            &self.catalog,
            &PlanOptions { persistent: true, sink_name: Some(name.to_string()), sink_timestamp },
        )
        .map_err(EngineError::statement)?;
        plan.executor.set_collect_limits(|p| session.property(p).and_then(|v| v.trim().parse().ok()));
        if plan.has_join && plan.sources.len() > 2 {
            // The sources of an n-way join must be co-partitioned.
            let parts = |n: &str| {
                self.catalog.get(n).and_then(|s| self.topics.get(&s.topic)).map(|t| t.partitions.len()).unwrap_or(0)
            };
            let first = &plan.sources[0];
            for other in &plan.sources[1..] {
                let (a, b) = (parts(first), parts(other));
                if a != b && a > 0 && b > 0 {
                    return Err(EngineError::statement(format!(
                        "Can't join `{first}` with `{other}` since the number of partitions don't match. `{first}` \
                         partitions = {a}; `{other}` partitions = {b}. Please repartition either one so that the \
                         number of partitions match."
                    )));
                }
            }
        }
        if plan.output_is_table && kind == SourceKind::Stream {
            return Err(EngineError::statement(
                "Invalid result type. Your SELECT query produces a TABLE. Please use CREATE TABLE AS SELECT \
                 statement instead."
                    .to_string(),
            ));
        }
        if !plan.output_is_table && kind == SourceKind::Table {
            return Err(EngineError::statement(
                "Invalid result type. Your SELECT query produces a STREAM. Please use CREATE STREAM AS SELECT \
                 statement instead."
                    .to_string(),
            ));
        }
        let from = plan.from.clone();
        let (inherited_key, value_format) = self.formats(props, Some(&from.key_format), Some(&from.value_format))?;
        let keyless = plan.key_cols.is_empty();
        let key_format = sink_key_format(inherited_key, props, query, keyless, session)?;
        if keyless && kind == SourceKind::Stream && props.get("KEY_FORMAT").is_some() && key_format != Format::None {
            return Err(EngineError::statement("Key format specified for stream without key columns."));
        }
        // The default sink topic is the name, after ksql.output.topic.name.prefix when set.
        let prefix = session.property("ksql.output.topic.name.prefix").unwrap_or_default();
        let topic = props.get_str("KAFKA_TOPIC").unwrap_or_else(|| format!("{prefix}{name}"));
        let partitions = match props.get_str("PARTITIONS") {
            Some(p) => p.parse::<u32>().map_err(|_| EngineError::statement(format!("Invalid PARTITIONS: {p}")))?,
            None => self.topics.get(&from.topic).map(|t| t.partitions.len() as u32).unwrap_or(1),
        };
        let mut columns: Vec<Column> = Vec::new();
        for (n, t) in &plan.key_cols {
            columns.push(Column { name: n.clone(), ty: t.clone(), kind: ColKind::Key });
        }
        for (i, c) in plan.columns.iter().enumerate() {
            if !plan.key_positions.contains(&i) {
                columns.push(Column { name: c.name.clone(), ty: c.ty.clone(), kind: ColKind::Value });
            }
        }
        if !columns.iter().any(|c| c.kind == ColKind::Value) {
            return Err(EngineError::statement("The projection contains no value columns."));
        }
        let wrap = props
            .get("WRAP_SINGLE_VALUE")
            .map(|v| matches!(v, PropValue::Bool(true)) || v.as_string().eq_ignore_ascii_case("true"));
        let wrap = wrap.or_else(|| default_value_wrapping(session, &value_format, &columns));
        check_formats(&key_format, &value_format, &columns, wrap)?;
        let id = match &upgrading {
            Some(id) => id.clone(),
            None => self.next_id(if kind == SourceKind::Stream { "CSAS" } else { "CTAS" }, name),
        };
        let mut src = Source {
            name: name.to_string(),
            kind,
            columns,
            topic: topic.clone(),
            key_format,
            value_format,
            wrap_single_value: wrap,
            timestamp_column: sink_ts,
            timestamp_format: props.get_str("TIMESTAMP_FORMAT"),
            window: plan.window,
            read_only: false,
            statement: text.to_string(),
            writer_query: Some(id.clone()),
        };
        let retention_ms = retention_ms(props)?;
        self.check_replacement(&src, &plan, upgrading.as_deref())?;
        if self.topics.get(&topic).is_none() {
            self.topics.create(&topic, partitions).retention.ms = retention_ms;
        }
        self.register_source_schemas(&mut src, props, Registration::Sink)?;
        let sink = sink_spec(&src, &plan);
        if let Some(id) = &upgrading {
            let materialized = self.materialized.contains_key(name);
            self.catalog.sources.insert(name.to_string(), src.clone());
            if materialized {
                self.materialize(&src);
            }
            self.upgrade_persistent(id, text, name, plan, sink);
        } else {
            if kind == SourceKind::Table {
                // Queryable from the start: an aggregation's own groups answer pull queries
                // (its state kept once) when it alone fills the topic; otherwise the table's
                // state follows the query's output as it comes, so no pull query has to replay
                // the topic.
                let empty = self.topics.get(&topic).is_none_or(|t| t.log_end() == 0);
                match &mut plan.executor.body {
                    exec::Body::Aggregate(a) if empty && !a.emit_final => a.serves_table = true,
                    _ => self.materialize(&src),
                }
            }
            self.catalog.sources.insert(name.to_string(), src);
            self.start_persistent(id.clone(), text, Some(name.to_string()), plan, sink, session);
        }
        self.command_seq += 1;
        Ok(Some(status_entity(
            text,
            format!("{}/`{}`/create", kind.lower(), name),
            format!("Created query with ID {id}"),
            Some(id),
            self.command_seq,
        )))
    }

    pub(super) fn drop_source(
        &mut self,
        text: &str,
        kind: SourceKind,
        if_exists: bool,
        name: &str,
        delete_topic: bool,
    ) -> EResult<Option<J>> {
        let Some(src) = self.catalog.get(name) else {
            if if_exists {
                self.command_seq += 1;
                return Ok(Some(status_entity(
                    text,
                    format!("{}/`{}`/drop", kind.lower(), name),
                    format!("Source `{name}` does not exist."),
                    None,
                    self.command_seq,
                )));
            }
            let what = if kind == SourceKind::Table { "Table" } else { "Stream" };
            return Err(EngineError::statement(format!("{what} {name} does not exist.")));
        };
        if src.kind != kind {
            return Err(EngineError::statement(format!(
                "Incompatible data source type is {}, but statement was DROP {}",
                src.kind.name(),
                kind.name()
            )));
        }
        if delete_topic && src.read_only {
            // A SOURCE stream or table reads a topic it does not own.
            return Err(EngineError::statement(format!("Cannot delete topic for read-only source: {name}")));
        }
        let readers: Vec<String> = self
            .queries
            .values()
            .filter(|q| q.info.sources.iter().any(|s| s == name))
            .map(|q| q.info.id.clone())
            .collect();
        let writers: Vec<String> =
            self.queries.values().filter(|q| q.info.sink.as_deref() == Some(name)).map(|q| q.info.id.clone()).collect();
        // Like ksqlDB 0.29: dropping a CSAS/CTAS sink terminates its own query.
        let own: Vec<String> =
            writers.iter().filter(|id| src.writer_query.as_deref() == Some(id.as_str())).cloned().collect();
        let other_writers: Vec<String> = writers.iter().filter(|w| !own.contains(w)).cloned().collect();
        if !readers.is_empty() || !other_writers.is_empty() {
            return Err(EngineError::statement(format!(
                "Cannot drop {name}.\nThe following queries read from this source: [{}].\n\
                 The following queries write into this source: [{}].\n\
                 You need to terminate them before dropping {name}.",
                readers.join(", "),
                other_writers.join(", ")
            )));
        }
        for id in own {
            self.queries.remove(&id);
        }
        let topic = src.topic.clone();
        self.catalog.sources.remove(name);
        self.materialized.remove(name);
        if delete_topic {
            self.topics.delete(&topic);
        }
        self.command_seq += 1;
        Ok(Some(status_entity(
            text,
            format!("{}/`{}`/drop", kind.lower(), name),
            format!("Source `{name}` (topic: {topic}) was dropped."),
            None,
            self.command_seq,
        )))
    }

    pub(super) fn create_type(
        &mut self,
        text: &str,
        if_not_exists: bool,
        name: String,
        ty: SqlType,
    ) -> EResult<Option<J>> {
        if self.catalog.types.contains_key(&name) {
            if if_not_exists {
                return Ok(Some(warning(text, format!("Type {name} already exists"))));
            }
            return Err(EngineError::statement(format!(
                "Cannot register custom type '{name}' since it is already registered with type: {}",
                self.catalog.types[&name]
            )));
        }
        let ty = self.catalog.resolve_type(&ty).map_err(EngineError::statement)?;
        self.catalog.types.insert(name.clone(), ty);
        self.command_seq += 1;
        Ok(Some(status_entity(
            text,
            format!("type/`{name}`/create"),
            format!("Registered custom type with name '{name}' and SQL type {}", self.catalog.types[&name]),
            None,
            self.command_seq,
        )))
    }

    pub(super) fn drop_type(&mut self, text: &str, if_exists: bool, name: String) -> EResult<Option<J>> {
        if self.catalog.types.remove(&name).is_none() && !if_exists {
            return Err(EngineError::statement(format!("Type {name} does not exist.")));
        }
        self.command_seq += 1;
        Ok(Some(status_entity(
            text,
            format!("type/`{name}`/drop"),
            format!("Dropped type '{name}'"),
            None,
            self.command_seq,
        )))
    }
}

/// `RETENTION_MS` of a WITH clause (ksqlDB 0.28+): the `retention.ms` of a topic the
/// statement creates.
fn retention_ms(props: &Props) -> EResult<Option<u64>> {
    props
        .get_str("RETENTION_MS")
        .map(|v| {
            v.trim().parse::<u64>().map_err(|_| {
                EngineError::statement(format!(
                    "Invalid value for RETENTION_MS: '{v}'. It must be a number of milliseconds."
                ))
            })
        })
        .transpose()
}

/// WINDOW_TYPE and WINDOW_SIZE of a source over a windowed topic.
fn source_window(props: &Props, columns: &[Column]) -> EResult<Option<(WindowType, Option<u64>)>> {
    let Some((kind, size)) = source_window_props(props).map_err(EngineError::statement)? else {
        return Ok(None);
    };
    if !columns.iter().any(|c| c.kind == ColKind::Key) {
        return Err(EngineError::statement("Windowed sources require a key column."));
    }
    let kind = match kind.as_str() {
        "TUMBLING" => WindowType::Tumbling,
        "HOPPING" => WindowType::Hopping,
        _ => WindowType::Session,
    };
    Ok(Some((kind, size)))
}

/// A CREATE ... AS SELECT's key format where its WITH clause names none, as ksqlDB's analyzer
/// sets it: PARTITION BY NULL leaves no key (NONE); a sink with key columns does not inherit
/// the NONE key format but takes the session's default (ksql.persistence.default.format.key,
/// KAFKA when unset); otherwise the source's.
fn sink_key_format(
    inherited: Format,
    props: &Props,
    query: &Query,
    keyless: bool,
    session: &Session,
) -> EResult<Format> {
    if props.get("KEY_FORMAT").is_some() || props.get("FORMAT").is_some() {
        return Ok(inherited);
    }
    if matches!(query.partition_by.as_slice(), [Expr::Lit(Literal::Null)]) {
        return Ok(Format::None);
    }
    if inherited == Format::None && !keyless {
        return match session.property("ksql.persistence.default.format.key") {
            Some(f) => Format::parse(f, None).map_err(EngineError::statement),
            None => Ok(Format::Kafka),
        };
    }
    Ok(inherited)
}

/// ksqlDB's refusal of KEY on a table column or PRIMARY KEY on a stream column.
fn wrong_key_kind(column: &str, kind: SourceKind) -> EngineError {
    let (written, wanted, kinds) = match kind {
        SourceKind::Table => ("KEY", "PRIMARY KEY", "tables"),
        SourceKind::Stream => ("PRIMARY KEY", "KEY", "streams"),
    };
    EngineError::statement(format!(
        "Column `{column}` is a '{written}' column: please use '{wanted}' for {kinds}.\n\
         Tables have PRIMARY KEYs, which are unique and NON NULL.\n\
         Streams have KEYs, which have no uniqueness or NON NULL constraints."
    ))
}

/// A HEADERS column holds every header, `ARRAY<STRUCT<KEY STRING, VALUE BYTES>>`; a
/// HEADER('key') column one header's bytes.
fn check_header_type(key: Option<&str>, ty: &SqlType) -> EResult<()> {
    let all = SqlType::Array(Box::new(SqlType::Struct(vec![
        ("KEY".to_string(), SqlType::String),
        ("VALUE".to_string(), SqlType::Bytes),
    ])));
    let (expected, what) = match key {
        None => (all, "HEADERS".to_string()),
        Some(k) => (SqlType::Bytes, format!("HEADER('{k}')")),
    };
    if *ty != expected {
        return Err(EngineError::statement(format!("Invalid type for {what} column: expected {expected}, got {ty}")));
    }
    Ok(())
}

/// ksqlDB's answer when a source's columns are to come from a subject nobody registered
/// (SchemaRegistryTopicSchemaSupplier's notFound, with the sandbox's own registry named).
fn schema_not_found(topic: &str, is_key: bool) -> EngineError {
    let subject = SchemaRegistry::subject_for(topic, is_key);
    EngineError::statement(format!(
        "Schema for message {} on topic '{topic}' does not exist in the Schema Registry.\n\
         Subject: {subject}\n\
         Possible causes include:\n\
         - The topic itself does not exist\n\
         \t-> Use SHOW TOPICS; to check\n\
         - Messages on the topic are not serialized using a format Schema Registry supports\n\
         \t-> Use PRINT '{topic}' FROM BEGINNING; to verify\n\
         - The schema is registered on a different instance of the Schema Registry\n\
         \t-> The sandbox serves its own Schema Registry: register the schema there \
         (POST /subjects/{subject}/versions) or declare the columns in the statement",
        if is_key { "keys" } else { "values" }
    ))
}
