//! The columns a query reads: every name its expressions mention (SELECT, WHERE, GROUP BY,
//! PARTITION BY, HAVING, each join's ON), or every column at all when it selects a `*`.
//! The decoders of its inputs may then leave the others unread (`Decoder::leave_unread`).
//! A name counts whatever it reads (a lambda's parameter, a column of another source): more
//! names only leave fewer columns unread.

use crate::sql::ast::{Query, SelectItem};

/// The names `q` mentions, or None when a `*` reads every column.
pub fn columns_read(q: &Query) -> Option<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    };
    for item in &q.select {
        match item {
            SelectItem::Star | SelectItem::QualifiedStar(_) => return None,
            SelectItem::StructStar(e) | SelectItem::Expr { expr: e, .. } => e.for_each_column(&mut add),
        }
    }
    let joins = q.joins.iter().map(|j| &j.on);
    let clauses = q.where_.iter().chain(&q.group_by).chain(&q.partition_by).chain(&q.having).chain(joins);
    clauses.for_each(|e| e.for_each_column(&mut add));
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::ast::Statement;
    use crate::sql::parser::parse_statement;

    fn read(sql: &str) -> Option<Vec<String>> {
        let Ok(Statement::Query(q)) = parse_statement(sql) else { panic!("not a query: {sql}") };
        columns_read(&q)
    }

    #[test]
    fn every_clause_names_what_it_reads_and_a_star_reads_everything() {
        let sql = "SELECT A, S->F AS G, UCASE(B) FROM T JOIN U ON T.K = U.J WHERE C > 1 AND D IS NULL \
                   GROUP BY E, A HAVING COUNT(H) > 2 EMIT CHANGES;";
        let want = ["A", "S", "B", "K", "J", "C", "D", "E", "H"];
        let mut got = read(sql).unwrap();
        got.sort();
        let mut want: Vec<String> = want.iter().map(|n| n.to_string()).collect();
        want.sort();
        assert_eq!(got, want);
        assert_eq!(read("SELECT A FROM T PARTITION BY P EMIT CHANGES;").unwrap(), vec!["A", "P"]);
        assert_eq!(read("SELECT X->* FROM T EMIT CHANGES;").unwrap(), vec!["X"]);
        assert_eq!(read("SELECT A, * FROM T EMIT CHANGES;"), None);
        assert_eq!(read("SELECT T.* FROM T EMIT CHANGES;"), None);
    }
}
