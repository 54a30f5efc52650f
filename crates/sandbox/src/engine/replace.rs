//! What CREATE OR REPLACE may change in a stream or table, by ksqlDB's rule (its
//! `DataSource.canUpgradeTo`): the same topic, formats and timestamp column, identical key
//! columns, and every existing value column kept where it was; new columns go at the end.

use crate::catalog::{ColKind, Column, Source};

/// None when `new` may replace `old`; else ksqlDB's reason, `Cannot upgrade data source: ...`.
pub(super) fn upgrade_error(old: &Source, new: &Source) -> Option<String> {
    let name = format!("`{}`", old.name);
    let mut issues = Vec::new();
    let mut property = |what: &str, was: String, now: String| {
        if was != now {
            issues.push(format!("DataSource '{name}' has {what} = {was} which is not upgradeable to {now}"));
        }
    };
    property("topic", topic_text(old), topic_text(new));
    property("timestampColumn", format!("{:?}", old.timestamp_column), format!("{:?}", new.timestamp_column));
    if let Some(reason) = schema_change(&old.columns, &new.columns) {
        issues.push(format!(
            "DataSource '{name}' has schema = {} which is not upgradeable to {}. ({reason})",
            schema_text(&old.columns),
            schema_text(&new.columns)
        ));
    }
    (!issues.is_empty()).then(|| format!("Cannot upgrade data source: {}", issues.join("\n\tAND ")))
}

fn topic_text(s: &Source) -> String {
    format!("{} (key {}, value {})", s.topic, s.key_format.name(), s.value_format.name())
}

/// Keys must be identical; every other old column must stay at its place.
fn schema_change(old: &[Column], new: &[Column]) -> Option<String> {
    let keys = |cols: &[Column]| cols.iter().filter(|c| c.kind == ColKind::Key).cloned().collect::<Vec<_>>();
    let (old_keys, new_keys) = (keys(old), keys(new));
    let moved = |was: &[Column], now: &[Column]| -> Vec<String> {
        was.iter().enumerate().filter(|(i, c)| now.get(*i) != Some(*c)).map(|(_, c)| column_text(c)).collect()
    };
    let changed_keys = moved(&old_keys, &new_keys);
    if !changed_keys.is_empty() || old_keys.len() != new_keys.len() {
        let listed = if changed_keys.is_empty() { moved(&new_keys, &old_keys) } else { changed_keys };
        return Some(format!(
            "Key columns must be identical. The following key columns are changed, missing or reordered: [{}]",
            listed.join(", ")
        ));
    }
    let changed = moved(old, new);
    (!changed.is_empty())
        .then(|| format!("The following columns are changed, missing or reordered: [{}]", changed.join(", ")))
}

fn column_text(c: &Column) -> String {
    let key = if c.kind == ColKind::Key { " KEY" } else { "" };
    format!("`{}` {}{key}", c.name, c.ty)
}

fn schema_text(cols: &[Column]) -> String {
    cols.iter().map(column_text).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::{Engine, Session};

    fn run(e: &mut Engine, sql: &str) -> Result<(), String> {
        e.execute(sql, &mut Session::default()).map(|_| ()).map_err(|err| err.message)
    }

    #[test]
    fn replace_may_add_columns_at_the_end_only() {
        let mut e = Engine::new();
        let create = |cols: &str, topic: &str| {
            format!(
                "CREATE OR REPLACE STREAM S ({cols}) WITH (kafka_topic='{topic}', value_format='json', partitions=1);"
            )
        };
        run(&mut e, &create("K INT KEY, A STRING", "s")).unwrap();
        run(&mut e, &create("K INT KEY, A STRING, B INT", "s")).unwrap();
        assert_eq!(e.catalog.get("S").unwrap().columns.len(), 3);
        let err = run(&mut e, &create("K INT KEY, B INT, A STRING", "s")).unwrap_err();
        assert_eq!(
            err,
            "Cannot upgrade data source: DataSource '`S`' has schema = `K` INTEGER KEY, `A` STRING, `B` INTEGER which \
             is not upgradeable to `K` INTEGER KEY, `B` INTEGER, `A` STRING. (The following columns are changed, \
             missing or reordered: [`A` STRING, `B` INTEGER])"
        );
        let err = run(&mut e, &create("K STRING KEY, A STRING, B INT", "s")).unwrap_err();
        assert!(err.contains("Key columns must be identical. The following key columns are changed"), "{err}");
        let err = run(&mut e, &create("K INT KEY, A STRING, B INT", "other")).unwrap_err();
        assert!(err.starts_with("Cannot upgrade data source: DataSource '`S`' has topic = s (key KAFKA"), "{err}");
        assert_eq!(e.catalog.get("S").unwrap().columns.len(), 3, "a refused replace changes nothing");
        assert!(e.topics.get("other").is_none(), "nor creates its topic");
    }
}
