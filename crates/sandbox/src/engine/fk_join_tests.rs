//! Foreign-key table-table joins, end to end through the engine: results keyed by the left
//! table's primary key, re-joined when the right row changes, and ksqlDB's refusals.

use super::*;

fn run(e: &mut Engine, s: &mut Session, sql: &str) {
    e.execute(sql, s).unwrap_or_else(|err| panic!("{sql}: {err}"));
}

fn pull(e: &mut Engine, sql: &str) -> Vec<Vec<Value>> {
    match e.query(sql, &mut Session::default()) {
        Ok(QueryResult::Pull { rows, .. }) => rows,
        Ok(_) => panic!("{sql}: not a pull query"),
        Err(err) => panic!("{sql}: {err}"),
    }
}

fn text(v: &str) -> Value {
    Value::String(v.to_string())
}

const TABLES: [&str; 2] = [
    "CREATE TABLE CUSTOMERS (ID INT PRIMARY KEY, NAME STRING) WITH (kafka_topic='customers', value_format='json', \
     partitions=1);",
    "CREATE TABLE ORDERS (ORDER_ID INT PRIMARY KEY, CUSTOMER_ID INT, AMOUNT INT) WITH (kafka_topic='orders', \
     value_format='json', partitions=1);",
];

fn setup(join: &str) -> (Engine, Session) {
    let (mut e, mut s) = (Engine::new(), Session::default());
    for t in TABLES {
        run(&mut e, &mut s, t);
    }
    run(
        &mut e,
        &mut s,
        &format!(
            "CREATE TABLE ENRICHED AS SELECT O.ORDER_ID, O.AMOUNT, C.NAME FROM ORDERS O {join} CUSTOMERS C \
             ON O.CUSTOMER_ID = C.ID;"
        ),
    );
    (e, s)
}

#[test]
fn an_inner_foreign_key_join_follows_both_tables() {
    let (mut e, mut s) = setup("JOIN");
    run(&mut e, &mut s, "INSERT INTO CUSTOMERS (ID, NAME) VALUES (1, 'Ada');");
    run(&mut e, &mut s, "INSERT INTO ORDERS (ORDER_ID, CUSTOMER_ID, AMOUNT) VALUES (10, 1, 5);");
    run(&mut e, &mut s, "INSERT INTO ORDERS (ORDER_ID, CUSTOMER_ID, AMOUNT) VALUES (11, 1, 7);");
    // No customer 2 yet: an inner join has no row for order 12.
    run(&mut e, &mut s, "INSERT INTO ORDERS (ORDER_ID, CUSTOMER_ID, AMOUNT) VALUES (12, 2, 9);");
    let rows = pull(&mut e, "SELECT ORDER_ID, AMOUNT, NAME FROM ENRICHED;");
    assert_eq!(
        rows,
        vec![vec![Value::Int(10), Value::Int(5), text("Ada")], vec![Value::Int(11), Value::Int(7), text("Ada")]]
    );
    // A change of the customer re-joins every order that refers to it.
    run(&mut e, &mut s, "INSERT INTO CUSTOMERS (ID, NAME) VALUES (1, 'Ada L.');");
    run(&mut e, &mut s, "INSERT INTO CUSTOMERS (ID, NAME) VALUES (2, 'Bob');");
    let rows = pull(&mut e, "SELECT ORDER_ID, NAME FROM ENRICHED;");
    assert_eq!(
        rows,
        vec![
            vec![Value::Int(10), text("Ada L.")],
            vec![Value::Int(11), text("Ada L.")],
            vec![Value::Int(12), text("Bob")]
        ]
    );
    // An order moved to another customer follows it.
    run(&mut e, &mut s, "INSERT INTO ORDERS (ORDER_ID, CUSTOMER_ID, AMOUNT) VALUES (10, 2, 5);");
    assert_eq!(pull(&mut e, "SELECT NAME FROM ENRICHED WHERE ORDER_ID = 10;"), vec![vec![text("Bob")]]);
    // The result is keyed by the left table's primary key.
    let sink = e.catalog.get("ENRICHED").unwrap();
    assert_eq!(sink.key_columns(), vec![("ORDER_ID".to_string(), SqlType::Integer)]);
}

#[test]
fn a_left_foreign_key_join_keeps_orders_without_a_customer() {
    let (mut e, mut s) = setup("LEFT JOIN");
    run(&mut e, &mut s, "INSERT INTO ORDERS (ORDER_ID, CUSTOMER_ID, AMOUNT) VALUES (10, 1, 5);");
    assert_eq!(pull(&mut e, "SELECT ORDER_ID, NAME FROM ENRICHED;"), vec![vec![Value::Int(10), Value::Null]]);
    run(&mut e, &mut s, "INSERT INTO CUSTOMERS (ID, NAME) VALUES (1, 'Ada');");
    assert_eq!(pull(&mut e, "SELECT ORDER_ID, NAME FROM ENRICHED;"), vec![vec![Value::Int(10), text("Ada")]]);
}

#[test]
fn foreign_key_joins_refuse_what_ksqldb_refuses() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    for t in TABLES {
        run(&mut e, &mut s, t);
    }
    let refused = |e: &mut Engine, s: &mut Session, sql: &str| e.execute(sql, s).unwrap_err().to_string();
    let right = refused(
        &mut e,
        &mut s,
        "CREATE TABLE X AS SELECT O.ORDER_ID, C.NAME FROM ORDERS O RIGHT JOIN CUSTOMERS C ON O.CUSTOMER_ID = C.ID;",
    );
    assert!(right.contains("RIGHT OUTER JOIN on a foreign key is not supported"), "{right}");
    let missing_key = refused(
        &mut e,
        &mut s,
        "CREATE TABLE X AS SELECT C.NAME FROM ORDERS O JOIN CUSTOMERS C ON O.CUSTOMER_ID = C.ID;",
    );
    assert!(
        missing_key.contains(
            "the projection must include all primary key columns from the left input table (`O`). \
                              Missing column: `ORDER_ID`."
        ),
        "{missing_key}"
    );
}
