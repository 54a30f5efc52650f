//! Generated column names, numbered apart from the sources' columns as ksqlDB numbers them.

/// ksqlDB's generated column names (its ColumnNames alias generators): a name, or with `_1`,
/// `_2`, ... when a source column (`B`, `B_1`) or an earlier generated name already has it.
/// Numbers count per name without its `_n` suffix. Unaliased struct fields (`a->b`) and the
/// synthetic join key (`ROWKEY`) are named this way.
pub(super) struct ColumnAliases {
    /// Per base name, the numbers in use (0: the bare name) and the next one to try.
    names: std::collections::HashMap<String, (Vec<usize>, usize)>,
}

impl ColumnAliases {
    pub(super) fn new<'a>(source_columns: impl Iterator<Item = &'a str>) -> Self {
        let mut names: std::collections::HashMap<String, (Vec<usize>, usize)> = Default::default();
        for c in source_columns {
            let (base, n) = split_number(c);
            names.entry(base.to_string()).or_default().0.push(n);
        }
        ColumnAliases { names }
    }

    /// The next `KSQL_COL_n` for an unaliased expression (numbered from 0, the bare name never
    /// used), skipping the source columns' numbers and the names in `taken`.
    pub(super) fn next_generated(&mut self, taken: &[String]) -> String {
        loop {
            let (used, next) = self.names.entry("KSQL_COL".to_string()).or_default();
            while used.contains(next) {
                *next += 1;
            }
            let name = format!("KSQL_COL_{next}");
            *next += 1;
            if !taken.contains(&name) {
                return name;
            }
        }
    }

    pub(super) fn next(&mut self, field: &str) -> String {
        let (base, _) = split_number(field);
        let (used, next) = self.names.entry(base.to_string()).or_default();
        while used.contains(next) {
            *next += 1;
        }
        let n = *next;
        *next += 1;
        if n == 0 {
            base.to_string()
        } else {
            format!("{base}_{n}")
        }
    }
}

/// `B_12` as (`B`, 12); a name without a numeric suffix as (name, 0).
fn split_number(name: &str) -> (&str, usize) {
    match name.rsplit_once('_') {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => (base, n.parse().unwrap_or(0)),
        _ => (name, 0),
    }
}
