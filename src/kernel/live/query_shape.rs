//! What a push query's text says about its result, for choosing the live view: the GROUP BY
//! key names, the SELECT items with their aliases, the source after FROM. Read from the one
//! lexer's tokens at the top level of the statement (outside parentheses), so strings,
//! comments and quoted names never confuse it.

use ksql_syntax::lexer::{lex_sql, significant, Token, TokenKind};

/// The statement's code tokens with their parenthesis depth.
struct Shape {
    tokens: Vec<(Token, usize)>,
}

impl Shape {
    fn read(sql: &str) -> Self {
        let mut depth = 0usize;
        let tokens = significant(&lex_sql(sql))
            .map(|t| {
                if t.is_sym(")") {
                    depth = depth.saturating_sub(1);
                }
                let at = depth;
                if t.is_sym("(") {
                    depth += 1;
                }
                (t.clone(), at)
            })
            .collect();
        Shape { tokens }
    }

    /// Index of the first top-level occurrence of `words` in a row, from `from` on.
    fn find(&self, words: &[&str], from: usize) -> Option<usize> {
        (from..self.tokens.len()).find(|&i| {
            words.iter().enumerate().all(|(k, w)| self.tokens.get(i + k).is_some_and(|(t, d)| *d == 0 && t.is_word(w)))
        })
    }

    /// The tokens `from..to` split at top-level commas.
    fn items(&self, from: usize, to: usize) -> Vec<&[(Token, usize)]> {
        let slice = &self.tokens[from..to.max(from)];
        slice.split(|(t, d)| *d == 0 && t.is_sym(",")).filter(|item| !item.is_empty()).collect()
    }
}

/// The written text of an item's tokens, from the source.
fn text_of(sql: &str, item: &[(Token, usize)]) -> String {
    match (item.first(), item.last()) {
        (Some((first, _)), Some((last, _))) => sql[first.bytes.start..last.bytes.end].to_string(),
        _ => String::new(),
    }
}

/// Same expression token by token (words compared without case): `round(x,1)` is
/// `ROUND(x, 1)`.
fn same_expression(a: &[(Token, usize)], b: &[(Token, usize)]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|((x, _), (y, _))| {
            x.kind == y.kind
                && if x.kind == TokenKind::Word { x.text.eq_ignore_ascii_case(&y.text) } else { x.text == y.text }
        })
}

/// A select item split into its expression and its `AS` alias.
fn split_alias(item: &[(Token, usize)]) -> (&[(Token, usize)], Option<String>) {
    match item {
        [expr @ .., (as_word, 0), (alias, _)] if !expr.is_empty() && as_word.is_word("AS") => {
            (expr, alias.name().map(|_| alias.text.clone()))
        }
        _ => (item, None),
    }
}

/// A plain column, maybe qualified (`id`, `s.id`, `` `Id` ``): its last name as written.
fn column_name(expr: &[(Token, usize)]) -> Option<String> {
    let is_name = |t: &Token| matches!(t.kind, TokenKind::Word | TokenKind::Quoted);
    let dotted = expr.iter().enumerate().all(|(i, (t, _))| if i % 2 == 0 { is_name(t) } else { t.is_sym(".") });
    (dotted && expr.len() % 2 == 1).then(|| expr[expr.len() - 1].0.text.clone())
}

/// `(expression, alias)` for each item of the top-level SELECT list (what the view reads,
/// as text for tests).
#[cfg(test)]
pub(crate) fn select_items(sql: &str) -> Vec<(String, Option<String>)> {
    let shape = Shape::read(sql);
    select_list(&shape)
        .into_iter()
        .map(|item| {
            let (expr, alias) = split_alias(item);
            (text_of(sql, expr), alias)
        })
        .collect()
}

fn select_list(shape: &Shape) -> Vec<&[(Token, usize)]> {
    let Some(select) = shape.find(&["SELECT"], 0) else { return vec![] };
    let Some(from) = shape.find(&["FROM"], select) else { return vec![] };
    shape.items(select + 1, from)
}

/// The key column names of a GROUP BY: plain column names, or the alias of a select item
/// whose expression is the grouping expression (ksqlDB names the key after it).
pub(crate) fn group_by_key_names(sql: &str) -> Option<Vec<String>> {
    let shape = Shape::read(sql);
    let start = shape.find(&["GROUP", "BY"], 0)? + 2;
    let end = (start..shape.tokens.len())
        .find(|&i| {
            let (t, d) = &shape.tokens[i];
            *d == 0 && (t.is_sym(";") || ["HAVING", "EMIT", "LIMIT", "WINDOW"].iter().any(|k| t.is_word(k)))
        })
        .unwrap_or(shape.tokens.len());
    let selected: Vec<_> = select_list(&shape).into_iter().map(split_alias).collect();
    let names = shape
        .items(start, end)
        .into_iter()
        .map(|expr| {
            let alias =
                selected.iter().find_map(|(e, alias)| same_expression(e, expr).then(|| alias.clone()).flatten());
            alias.or_else(|| column_name(expr)).unwrap_or_else(|| text_of(sql, expr))
        })
        .collect();
    Some(names)
}

/// True when the result has the rows of its FROM source as they are, without end: no GROUP BY,
/// JOIN or PARTITION BY (whose results have their own keys) and no LIMIT.
pub(crate) fn unbounded_rows_of_source(sql: &str) -> bool {
    let shape = Shape::read(sql);
    let reshaping: [&[&str]; 4] = [&["GROUP", "BY"], &["JOIN"], &["PARTITION", "BY"], &["LIMIT"]];
    shape.find(&["FROM"], 0).is_some() && reshaping.iter().all(|words| shape.find(words, 0).is_none())
}

/// The first source after FROM, as written (a quoted name without its quotes).
pub(crate) fn from_source(sql: &str) -> Option<String> {
    let shape = Shape::read(sql);
    let from = shape.find(&["FROM"], 0)?;
    let (source, _) = shape.tokens.get(from + 1)?;
    source.name().map(|_| source.text.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_by_keys_use_names_and_aliases() {
        assert_eq!(
            group_by_key_names("SELECT profileId, LATEST_BY_OFFSET(la) AS la FROM r GROUP BY profileId EMIT CHANGES;")
                .unwrap(),
            vec!["profileId"]
        );
        assert_eq!(
            group_by_key_names(
                "SELECT ROUND(GEO_DISTANCE(la, lo, 37.4, -122.1), -1) AS distanceInMiles, COUNT(*) AS count FROM c \
                 GROUP BY round(geo_distance(la,lo,37.4,-122.1),-1) EMIT CHANGES;"
            )
            .unwrap(),
            vec!["distanceInMiles"]
        );
        assert_eq!(
            group_by_key_names(
                "SELECT a, b, COUNT(*) FROM s WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY a, s.b HAVING COUNT(*) > 1 \
                 EMIT CHANGES;"
            )
            .unwrap(),
            vec!["a", "b"]
        );
        assert!(group_by_key_names("SELECT * FROM s WHERE x = 'GROUP BY y' EMIT CHANGES;").is_none());
        assert!(group_by_key_names("SELECT * FROM s -- GROUP BY y\nEMIT CHANGES;").is_none());
    }

    #[test]
    fn select_items_and_aliases() {
        let items = select_items("SELECT a, CONCAT(b, ', AS x') AS `Bc`, c AS d /* , e */ FROM s;");
        assert_eq!(
            items,
            [
                ("a".to_string(), None),
                ("CONCAT(b, ', AS x')".to_string(), Some("Bc".to_string())),
                ("c".to_string(), Some("d".to_string()))
            ]
        );
    }

    #[test]
    fn reshaped_or_limited_results_are_recognized() {
        assert!(unbounded_rows_of_source("SELECT * FROM s WHERE x = 'LIMIT 3' /* JOIN */ EMIT CHANGES;"));
        assert!(unbounded_rows_of_source("SELECT a, (SELECT 1) FROM `s` EMIT CHANGES"));
        for sql in [
            "SELECT * FROM s EMIT CHANGES LIMIT 3;",
            "SELECT a, COUNT(*) FROM s GROUP BY a EMIT CHANGES;",
            "SELECT * FROM s JOIN t ON s.a = t.a EMIT CHANGES;",
            "SELECT * FROM s LEFT JOIN t WITHIN 1 HOUR ON s.a = t.a EMIT CHANGES;",
            "SELECT * FROM s PARTITION BY b EMIT CHANGES;",
            "PRINT t;",
        ] {
            assert!(!unbounded_rows_of_source(sql), "{sql}");
        }
    }

    #[test]
    fn from_source_names() {
        assert_eq!(from_source("SELECT * FROM riders r EMIT CHANGES;").as_deref(), Some("riders"));
        assert_eq!(from_source("SELECT * FROM `Riders` EMIT CHANGES;").as_deref(), Some("Riders"));
        assert_eq!(from_source("SELECT 'FROM x' FROM /* c */ y;").as_deref(), Some("y"));
    }
}
