//! `%lineage [NAME]`: reads the server's topology (streams and tables with their topics,
//! formats and the queries that read and write them; persistent queries; connectors and
//! their topics) and draws it (see `render::lineage`), this notebook's objects highlighted.

use super::catalog::sql_name;
use super::cleanup::ObjectKind;
use super::describe_order::describe_extended;
use super::request::{report_ksql_error, request_context};
use super::scope::StatementScope;
use super::KsqlKernel;
use ksql_wire::entity::Entity;
use ksqldb_render::error::ErrorReport;
use ksqldb_render::lineage::{edge_list, render_lineage, Lineage, NodeKind};
use ksqldb_render::MimeBundle;

/// Connectors described at most (one DESCRIBE CONNECTOR each).
const MAX_CONNECTORS: usize = 50;
/// Sources described one by one at most, on servers without SHOW STREAMS EXTENDED.
const MAX_DESCRIBED: usize = 200;
/// Nodes drawn at most; a bigger topology gets its text list only.
const MAX_PICTURED: usize = 300;

pub async fn run_lineage(
    kernel: &KsqlKernel,
    scope: &StatementScope,
    args: &str,
) -> Result<Vec<MimeBundle>, ErrorReport> {
    let name = args.trim();
    if name.split_whitespace().count() > 1 {
        return Err(ErrorReport::usage("UsageError", "usage: %lineage [NAME]"));
    }
    let mut lineage = read_topology(scope).await?;
    mark_mine(kernel, scope, &mut lineage);
    let url = scope.connection.client.url().to_string();
    let (lineage, title) = if name.is_empty() {
        (lineage, format!("Lineage on {url}"))
    } else {
        let around = lineage.around(name).ok_or_else(|| {
            ErrorReport::usage(
                "LineageError",
                &format!("no stream, table, topic, connector or query named {name} on {url}"),
            )
        })?;
        (around, format!("Lineage of {name} on {url}"))
    };
    // The layout is CPU work on a graph of any size: off the async workers, and pictured only
    // up to MAX_PICTURED nodes (the text lists everything).
    let bundle = tokio::task::spawn_blocking(move || {
        if lineage.nodes.len() > MAX_PICTURED {
            MimeBundle::plain(format!(
                "{}  ({} objects: too many to draw; %lineage NAME draws one object's neighbourhood)\n",
                edge_list(&lineage, &title),
                lineage.nodes.len()
            ))
        } else {
            render_lineage(&lineage, &title)
        }
    })
    .await
    .map_err(|_| ErrorReport::usage("LineageError", "drawing the lineage failed"))?;
    Ok(vec![bundle])
}

async fn read_topology(scope: &StatementScope) -> Result<Lineage, ErrorReport> {
    let mut lineage = Lineage::default();
    for (extended, list) in [("SHOW STREAMS EXTENDED;", "SHOW STREAMS;"), ("SHOW TABLES EXTENDED;", "SHOW TABLES;")] {
        for source in described_sources(scope, extended, list).await? {
            add_source(&mut lineage, &source);
        }
    }
    for entity in ksql(scope, "SHOW QUERIES;").await? {
        let Entity::Queries(list) = entity else { continue };
        for query in &list.value.queries {
            let q = lineage.node(NodeKind::Query, &query.id());
            for sink in &query.sinks {
                if let Some(s) = source_node(&lineage, sink) {
                    lineage.edge(q, s, "writes");
                }
            }
        }
    }
    add_connectors(scope, &mut lineage).await;
    Ok(lineage)
}

/// The sources' descriptions from `SHOW … EXTENDED`, or, where a server lacks it, from a
/// `DESCRIBE … EXTENDED` of each listed source (at most [`MAX_DESCRIBED`]).
async fn described_sources(
    scope: &StatementScope,
    extended: &str,
    list: &str,
) -> Result<Vec<ksql_wire::entity::SourceDescription>, ErrorReport> {
    let descriptions = |entities: Vec<Entity>| -> Vec<ksql_wire::entity::SourceDescription> {
        entities
            .into_iter()
            .flat_map(|e| match e {
                Entity::SourceDescriptions(list) => list.value.source_descriptions,
                Entity::SourceDescription(one) => vec![one.value.source_description],
                _ => Vec::new(),
            })
            .collect()
    };
    if let Ok(entities) = ksql(scope, extended).await {
        return Ok(descriptions(entities));
    }
    let mut names = Vec::new();
    for entity in ksql(scope, list).await? {
        for key in ["streams", "tables"] {
            for item in entity.raw_json().get(key).and_then(serde_json::Value::as_array).into_iter().flatten() {
                if let Some(name) = item.get("name").and_then(serde_json::Value::as_str) {
                    names.push(name.to_string());
                }
            }
        }
    }
    let mut found = Vec::new();
    for name in names.into_iter().take(MAX_DESCRIBED) {
        let statement = describe_extended(&sql_name(&name), &scope.connection.client.capabilities());
        if let Ok(entities) = ksql(scope, &statement).await {
            found.extend(descriptions(entities));
        }
    }
    Ok(found)
}

async fn ksql(scope: &StatementScope, statement: &str) -> Result<Vec<Entity>, ErrorReport> {
    scope
        .connection
        .client
        .ksql(statement, &request_context(scope))
        .await
        .map_err(|e| report_ksql_error(&e, Some(statement)))
}

fn source_node(lineage: &Lineage, name: &str) -> Option<usize> {
    lineage.nodes.iter().position(|n| matches!(n.kind, NodeKind::Stream | NodeKind::Table) && n.name == name)
}

fn add_source(lineage: &mut Lineage, source: &ksql_wire::entity::SourceDescription) {
    let kind = if source.source_type.as_deref() == Some("TABLE") { NodeKind::Table } else { NodeKind::Stream };
    let s = lineage.node(kind, &source.name);
    let value_format = source.value_format.clone().or_else(|| source.format.clone());
    let formats = match (&source.key_format, value_format) {
        (Some(k), Some(v)) => format!("{k} key · {v} value"),
        (None, Some(v)) => format!("{v} value"),
        _ => String::new(),
    };
    let topic = source.topic.clone().unwrap_or_default();
    let mut details = Vec::new();
    if !formats.is_empty() {
        details.push(formats);
    }
    if !topic.is_empty() {
        details.push(format!("topic {topic}"));
    }
    lineage.nodes[s].details = details;
    for query in &source.write_queries {
        let q = lineage.node(NodeKind::Query, &query.id());
        lineage.edge(q, s, "writes");
    }
    // A topic no query writes comes from outside (a producer, a connector): show it.
    if source.write_queries.is_empty() && !topic.is_empty() {
        let t = lineage.node(NodeKind::Topic, &topic);
        lineage.edge(t, s, "feeds");
    }
    for query in &source.read_queries {
        let q = lineage.node(NodeKind::Query, &query.id());
        lineage.edge(s, q, "feeds");
    }
}

/// Connectors and the topics they write; a server without Connect just has none.
async fn add_connectors(scope: &StatementScope, lineage: &mut Lineage) {
    let Ok(entities) = ksql(scope, "SHOW CONNECTORS;").await else { return };
    let connectors: Vec<(String, bool)> = entities
        .iter()
        .flat_map(|e| match e {
            Entity::ConnectorList(list) => list
                .value
                .connectors
                .iter()
                .map(|c| (c.name.clone(), c.connector_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("SINK"))))
                .collect(),
            _ => Vec::new(),
        })
        .take(MAX_CONNECTORS)
        .collect();
    for (name, sink) in connectors {
        let c = lineage.node(NodeKind::Connector, &name);
        let statement = format!("DESCRIBE CONNECTOR {};", sql_name(&name));
        let Ok(entities) = ksql(scope, &statement).await else { continue };
        for entity in entities {
            if let Entity::ConnectorDescription(d) = entity {
                lineage.nodes[c].details = d.value.connector_class.iter().map(|class| short_class(class)).collect();
                for topic in &d.value.topics {
                    let t = lineage.node(NodeKind::Topic, topic);
                    // A source connector writes its topics; a sink connector reads them.
                    if sink {
                        lineage.edge(t, c, "feeds");
                    } else {
                        lineage.edge(c, t, "writes");
                    }
                }
            }
        }
    }
}

/// `io.confluent.kafka.connect.datagen.DatagenConnector` → `DatagenConnector`.
fn short_class(class: &str) -> String {
    class.rsplit('.').next().unwrap_or(class).to_string()
}

/// Highlights what this notebook created on this server (its `%cleanup` record).
fn mark_mine(kernel: &KsqlKernel, scope: &StatementScope, lineage: &mut Lineage) {
    let url = scope.connection.client.url().to_string();
    let state = kernel.state();
    let Some(created) = state.created.get(&url) else { return };
    for node in &mut lineage.nodes {
        let kind = match node.kind {
            NodeKind::Stream => ObjectKind::Stream,
            NodeKind::Table => ObjectKind::Table,
            NodeKind::Connector => ObjectKind::Connector,
            NodeKind::Query => ObjectKind::Query,
            NodeKind::Topic => continue,
        };
        node.mine = created.iter().any(|c| c.kind == kind && c.name == node.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_link_their_topics_and_queries() {
        let described: ksql_wire::entity::SourceDescription = serde_json::from_value(serde_json::json!({
            "name": "PV", "type": "STREAM", "topic": "pageviews", "keyFormat": "KAFKA", "valueFormat": "JSON",
            "readQueries": [{"id": "CTAS_V_1", "sinks": ["V"]}], "writeQueries": [], "fields": []
        }))
        .unwrap();
        let written: ksql_wire::entity::SourceDescription = serde_json::from_value(serde_json::json!({
            "name": "V", "type": "TABLE", "topic": "V", "valueFormat": "JSON",
            "readQueries": [], "writeQueries": [{"id": {"id": "CTAS_V_1"}}]
        }))
        .unwrap();
        let mut l = Lineage::default();
        add_source(&mut l, &described);
        add_source(&mut l, &written);
        let names: Vec<String> = l.nodes.iter().map(|n| format!("{} {}", n.kind.word(), n.name)).collect();
        assert_eq!(names, ["STREAM PV", "TOPIC pageviews", "QUERY CTAS_V_1", "TABLE V"]);
        assert_eq!(l.edges, [(1, 0, "feeds"), (0, 2, "feeds"), (2, 3, "writes")]);
        assert_eq!(l.nodes[0].details, ["KAFKA key · JSON value", "topic pageviews"]);
        assert_eq!(short_class("io.confluent.kafka.connect.datagen.DatagenConnector"), "DatagenConnector");
    }
}
