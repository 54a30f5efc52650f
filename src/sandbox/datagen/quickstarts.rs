//! Datagen's quickstarts, restated from the connector's public schema files (field names,
//! Avro types, keys and the `arg.properties` each value is drawn with).
//!
//! Written by hand from the schemas rather than read from them at run time: the connector's
//! files are not ours to ship, and a Rust table is checked by the compiler. Two differences,
//! both on purpose: the long product and customer lists of `shoes` and `shoe_customers` are
//! made by `catalogs` in the same shape instead of copied, and Java's `\d` is written `[0-9]`
//! (the regex crate's `\d` would also draw non-ASCII digits).

use super::schema::{Catalog, Field, GeneratedCatalog, Kind, Num, Prim, Quickstart};

/// Every quickstart the sandbox knows, in the order SHOW-style listings name them.
pub static QUICKSTARTS: &[Quickstart] = &[
    Quickstart {
        name: "orders",
        record_name: "ksql.orders",
        key_field: "orderid",
        fields: &[
            Field { name: "ordertime", kind: Kind::IntRange { num: Num::Long, min: 1487715775521, max: 1519273364600 } },
            Field { name: "orderid", kind: Kind::Iteration { num: Num::Int, start: 0, step: 1, restart: None } },
            Field { name: "itemid", kind: Kind::Regex("Item_[1-9][0-9]{0,2}") },
            Field { name: "orderunits", kind: Kind::FloatRange { num: Num::Double, min: 0.1, max: 10.0 } },
            Field { name: "address", kind: Kind::Record { name: "address", fields: &[Field { name: "city", kind: Kind::Regex("City_[1-9]{0,2}") }, Field { name: "state", kind: Kind::Regex("State_[1-9]{0,2}") }, Field { name: "zipcode", kind: Kind::IntRange { num: Num::Long, min: 10000, max: 99999 } }] } },
        ],
        catalog: None,
    },
    Quickstart {
        name: "users",
        record_name: "ksql.users",
        key_field: "userid",
        fields: &[
            Field { name: "registertime", kind: Kind::IntRange { num: Num::Long, min: 1487715775521, max: 1519273364600 } },
            Field { name: "userid", kind: Kind::Regex("User_[1-9]") },
            Field { name: "regionid", kind: Kind::Regex("Region_[1-9]") },
            Field { name: "gender", kind: Kind::StrOptions(&["MALE", "FEMALE", "OTHER"]) },
        ],
        catalog: None,
    },
    Quickstart {
        name: "pageviews",
        record_name: "ksql.pageviews",
        key_field: "viewtime",
        fields: &[
            Field { name: "viewtime", kind: Kind::Iteration { num: Num::Long, start: 1, step: 10, restart: None } },
            Field { name: "userid", kind: Kind::Regex("User_[1-9]") },
            Field { name: "pageid", kind: Kind::Regex("Page_[1-9][0-9]") },
        ],
        catalog: None,
    },
    Quickstart {
        name: "ratings",
        record_name: "ksql.ratings",
        key_field: "rating_id",
        fields: &[
            Field { name: "rating_id", kind: Kind::Iteration { num: Num::Long, start: 1, step: 1, restart: None } },
            Field { name: "user_id", kind: Kind::IntRange { num: Num::Int, min: -1, max: 20 } },
            Field { name: "stars", kind: Kind::IntRange { num: Num::Int, min: 1, max: 5 } },
            Field { name: "route_id", kind: Kind::IntRange { num: Num::Int, min: 1, max: 9999 } },
            Field { name: "rating_time", kind: Kind::Iteration { num: Num::Long, start: 1, step: 12, restart: None } },
            Field { name: "channel", kind: Kind::StrOptions(&["web", "iOS", "ios", "iOS-test", "android"]) },
            Field { name: "message", kind: Kind::StrOptions(&["worst. flight. ever. #neveragain", "Surprisingly good, maybe you are getting your mojo back at long last!", "Exceeded all my expectations. Thank you !", "meh", "(expletive deleted)", "is this as good as it gets? really ?", "airport refurb looks great, will fly outta here more!", "why is it so difficult to keep the bathrooms clean ?", "thank you for the most friendly, helpful experience today at your new lounge", "more peanuts please", "your team here rocks!"]) },
        ],
        catalog: None,
    },
    Quickstart {
        name: "clickstream",
        record_name: "clickstream.events",
        key_field: "ip",
        fields: &[
            Field { name: "ip", kind: Kind::StrOptions(&["111.152.45.45", "111.203.236.146", "111.168.57.122", "111.249.79.93", "111.168.57.122", "111.90.225.227", "111.173.165.103", "111.145.8.144", "111.245.174.248", "111.245.174.111", "222.152.45.45", "222.203.236.146", "222.168.57.122", "222.249.79.93", "222.168.57.122", "222.90.225.227", "222.173.165.103", "222.145.8.144", "222.245.174.248", "222.245.174.222", "122.152.45.245", "122.203.236.246", "122.168.57.222", "122.249.79.233", "122.168.57.222", "122.90.225.227", "122.173.165.203", "122.145.8.244", "122.245.174.248", "122.245.174.122", "233.152.245.45", "233.203.236.146", "233.168.257.122", "233.249.279.93", "233.168.257.122", "233.90.225.227", "233.173.215.103", "233.145.28.144", "233.245.174.248", "233.245.174.233"]) },
            Field { name: "userid", kind: Kind::IntRange { num: Num::Int, min: -1, max: 40 } },
            Field { name: "remote_user", kind: Kind::StrOptions(&["-"]) },
            Field { name: "time", kind: Kind::StrIteration { start: 1, step: 10 } },
            Field { name: "_time", kind: Kind::Iteration { num: Num::Long, start: 1, step: 10, restart: None } },
            Field { name: "request", kind: Kind::StrOptions(&["GET /index.html HTTP/1.1", "GET /site/user_status.html HTTP/1.1", "GET /site/login.html HTTP/1.1", "GET /site/user_status.html HTTP/1.1", "GET /images/track.png HTTP/1.1", "GET /images/logo-small.png HTTP/1.1"]) },
            Field { name: "status", kind: Kind::StrOptions(&["200", "302", "404", "405", "406", "407"]) },
            Field { name: "bytes", kind: Kind::StrOptions(&["278", "1289", "2048", "4096", "4006", "4196", "14096"]) },
            Field { name: "referrer", kind: Kind::StrOptions(&["-"]) },
            Field { name: "agent", kind: Kind::StrOptions(&["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/59.0.3071.115 Safari/537.36"]) },
        ],
        catalog: None,
    },
    Quickstart {
        name: "clickstream_codes",
        record_name: "clickstream.codes",
        key_field: "code",
        fields: &[
            Field { name: "code", kind: Kind::FromCatalog(Prim::Int) },
            Field { name: "definition", kind: Kind::FromCatalog(Prim::String) },
        ],
        catalog: Some(Catalog::Fixed(&[
            r#"{"code": 200, "definition": "Successful"}"#,
            r#"{"code": 302, "definition": "Redirect"}"#,
            r#"{"code": 404, "definition": "Page not found"}"#,
            r#"{"code": 405, "definition": "Method not allowed"}"#,
            r#"{"code": 406, "definition": "Not acceptable"}"#,
            r#"{"code": 407, "definition": "Proxy authentication required"}"#,
        ])),
    },
    Quickstart {
        name: "stock_trades",
        record_name: "ksql.StockTrade",
        key_field: "symbol",
        fields: &[
            Field { name: "side", kind: Kind::StrOptions(&["BUY", "SELL"]) },
            Field { name: "quantity", kind: Kind::IntRange { num: Num::Int, min: 1, max: 5000 } },
            Field { name: "symbol", kind: Kind::StrOptions(&["ZBZX", "ZJZZT", "ZTEST", "ZVV", "ZVZZT", "ZWZZT", "ZXZZT"]) },
            Field { name: "price", kind: Kind::IntRange { num: Num::Int, min: 5, max: 1000 } },
            Field { name: "account", kind: Kind::StrOptions(&["ABC123", "LMN456", "XYZ789"]) },
            Field { name: "userid", kind: Kind::Regex("User_[1-9]") },
        ],
        catalog: None,
    },
    Quickstart {
        name: "transactions",
        record_name: "datagen.example.transactions",
        key_field: "transaction_id",
        fields: &[
            Field { name: "transaction_id", kind: Kind::Iteration { num: Num::Long, start: 1, step: 1, restart: None } },
            Field { name: "card_id", kind: Kind::IntRange { num: Num::Long, min: 1, max: 24 } },
            Field { name: "user_id", kind: Kind::Regex("User_[1-9]{0,1}") },
            Field { name: "purchase_id", kind: Kind::Iteration { num: Num::Long, start: 0, step: 1, restart: None } },
            Field { name: "store_id", kind: Kind::IntRange { num: Num::Int, min: 1, max: 7 } },
        ],
        catalog: None,
    },
    Quickstart {
        name: "purchases",
        record_name: "datagen.example.purchase",
        key_field: "id",
        fields: &[
            Field { name: "id", kind: Kind::Iteration { num: Num::Long, start: 0, step: 1, restart: None } },
            Field { name: "item_type", kind: Kind::StrOptions(&["boots", "shirt", "knife", "saucepan", "table", "chair", "clock", "frame", "guitar", "thermometer", "scarf", "doormat", "vase", "clippers", "game", "towels"]) },
            Field { name: "quantity", kind: Kind::IntRange { num: Num::Long, min: 1, max: 10 } },
            Field { name: "price_per_unit", kind: Kind::Decimal { precision: 4, scale: 2, min: 10.0, max: 50.0 } },
        ],
        catalog: None,
    },
    Quickstart {
        name: "inventory",
        record_name: "ksql.inventory",
        key_field: "id",
        fields: &[
            Field { name: "id", kind: Kind::Iteration { num: Num::Long, start: 0, step: 1, restart: None } },
            Field { name: "quantity", kind: Kind::Iteration { num: Num::Long, start: 0, step: 1, restart: None } },
            Field { name: "productid", kind: Kind::Iteration { num: Num::Long, start: 0, step: 1, restart: None } },
        ],
        catalog: None,
    },
    Quickstart {
        name: "stores",
        record_name: "datagen.example.stores",
        key_field: "store_id",
        fields: &[
            Field { name: "store_id", kind: Kind::FromCatalog(Prim::Int) },
            Field { name: "city", kind: Kind::FromCatalog(Prim::String) },
            Field { name: "state", kind: Kind::FromCatalog(Prim::String) },
        ],
        catalog: Some(Catalog::Fixed(&[
            r#"{"store_id": 1, "city": "Raleigh", "state": "NC"}"#,
            r#"{"store_id": 2, "city": "Chicago", "state": "IL"}"#,
            r#"{"store_id": 3, "city": "Sacramento", "state": "CA"}"#,
            r#"{"store_id": 4, "city": "Austin", "state": "TX"}"#,
            r#"{"store_id": 5, "city": "Boston", "state": "MA"}"#,
            r#"{"store_id": 6, "city": "Atlanta", "state": "GA"}"#,
            r#"{"store_id": 7, "city": "Lexington", "state": "SC"}"#,
        ])),
    },
    Quickstart {
        name: "shoes",
        record_name: "shoes.shoe_product",
        key_field: "id",
        fields: &[
            Field { name: "id", kind: Kind::FromCatalog(Prim::String) },
            Field { name: "brand", kind: Kind::FromCatalog(Prim::String) },
            Field { name: "name", kind: Kind::FromCatalog(Prim::String) },
            Field { name: "sale_price", kind: Kind::FromCatalog(Prim::Int) },
            Field { name: "rating", kind: Kind::FromCatalog(Prim::Double) },
        ],
        catalog: Some(Catalog::Generated(GeneratedCatalog::ShoeProducts)),
    },
    Quickstart {
        name: "shoe_customers",
        record_name: "shoes.shoe_customers",
        key_field: "id",
        fields: &[
            Field { name: "id", kind: Kind::FromCatalog(Prim::String) },
            Field { name: "first_name", kind: Kind::FromCatalog(Prim::String) },
            Field { name: "last_name", kind: Kind::FromCatalog(Prim::String) },
            Field { name: "email", kind: Kind::FromCatalog(Prim::String) },
            Field { name: "phone", kind: Kind::FromCatalog(Prim::String) },
            Field { name: "street_address", kind: Kind::FromCatalog(Prim::String) },
            Field { name: "state", kind: Kind::FromCatalog(Prim::String) },
            Field { name: "zip_code", kind: Kind::FromCatalog(Prim::String) },
            Field { name: "country", kind: Kind::FromCatalog(Prim::String) },
            Field { name: "country_code", kind: Kind::FromCatalog(Prim::String) },
        ],
        catalog: Some(Catalog::Generated(GeneratedCatalog::ShoeCustomers)),
    },
    Quickstart {
        name: "shoe_orders",
        record_name: "shoes.shoe_orders",
        key_field: "order_id",
        fields: &[
            Field { name: "order_id", kind: Kind::Iteration { num: Num::Int, start: 1000, step: 1, restart: None } },
            Field { name: "product_id", kind: Kind::CatalogId(GeneratedCatalog::ShoeProducts) },
            Field { name: "customer_id", kind: Kind::CatalogId(GeneratedCatalog::ShoeCustomers) },
            Field { name: "ts", kind: Kind::TimestampMillis(&Kind::Iteration { num: Num::Long, start: 1609459200000, step: 100000, restart: None }) },
        ],
        catalog: None,
    },
    Quickstart {
        name: "campaign_finance",
        record_name: "datagen.campaign_finance",
        key_field: "candidate_id",
        fields: &[
            Field { name: "time", kind: Kind::IntRange { num: Num::Long, min: 1587715775521, max: 1619273364600 } },
            Field { name: "candidate_id", kind: Kind::Regex("[A-Z][1-9]{8,8}") },
            Field { name: "party_affiliation", kind: Kind::StrOptions(&["REP", "DEM", "IND"]) },
            Field { name: "contribution", kind: Kind::IntRange { num: Num::Int, min: 20, max: 3500 } },
        ],
        catalog: None,
    },
    Quickstart {
        name: "fleet_mgmt_sensors",
        record_name: "fleet_mgmt.fleet_mgmt_sensors",
        key_field: "vehicle_id",
        fields: &[
            Field { name: "vehicle_id", kind: Kind::IntRange { num: Num::Int, min: 1000, max: 9999 } },
            Field { name: "engine_temperature", kind: Kind::IntRange { num: Num::Int, min: 150, max: 250 } },
            Field { name: "average_rpm", kind: Kind::IntRange { num: Num::Int, min: 1800, max: 5000 } },
        ],
        catalog: None,
    },
    Quickstart {
        name: "gaming_games",
        record_name: "gaming.gaming_games",
        key_field: "id",
        fields: &[
            Field { name: "id", kind: Kind::IntRange { num: Num::Int, min: 1000, max: 5000 } },
            Field { name: "room_name", kind: Kind::StrOptions(&["Arcade -- Rookie", "Arcade -- Skilled", "Arcade -- Expert", "Survival -- Rookie", "Survival -- Skilled", "Survival -- Expert", "Classic -- Rookie", "Classic -- Skilled", "Classic -- Expert"]) },
            Field { name: "created_date", kind: Kind::TimestampMillis(&Kind::Iteration { num: Num::Long, start: 1609459200000, step: 100000, restart: None }) },
        ],
        catalog: None,
    },
    Quickstart {
        name: "gaming_player_activity",
        record_name: "gaming.gaming_player_activity",
        key_field: "player_id",
        fields: &[
            Field { name: "player_id", kind: Kind::IntRange { num: Num::Int, min: 1001, max: 1101 } },
            Field { name: "game_room_id", kind: Kind::IntRange { num: Num::Int, min: 1000, max: 5000 } },
            Field { name: "points", kind: Kind::IntRange { num: Num::Int, min: 10, max: 500 } },
            Field { name: "coordinates", kind: Kind::Regex("\\[[0-9][0-9],[0-9][0-9]\\]") },
        ],
        catalog: None,
    },
    Quickstart {
        name: "payroll_bonus",
        record_name: "payroll.payroll_bonus",
        key_field: "employee_id",
        fields: &[
            Field { name: "employee_id", kind: Kind::IntRange { num: Num::Int, min: 1000, max: 1100 } },
            Field { name: "bonus", kind: Kind::IntRange { num: Num::Int, min: 10, max: 50 } },
            Field { name: "ts", kind: Kind::TimestampMillis(&Kind::IntRange { num: Num::Long, min: 1609459200000, max: 1640995199000 }) },
        ],
        catalog: None,
    },
    Quickstart {
        name: "payroll_employee_location",
        record_name: "payroll.payroll_employee_location",
        key_field: "employee_id",
        fields: &[
            Field { name: "employee_id", kind: Kind::IntRange { num: Num::Int, min: 1000, max: 1100 } },
            Field { name: "lab", kind: Kind::Regex("lab-[0-9]") },
            Field { name: "department_id", kind: Kind::IntRange { num: Num::Int, min: 1, max: 10 } },
            Field { name: "arrival_date", kind: Kind::Date(&Kind::IntRange { num: Num::Int, min: 18000, max: 19000 }) },
        ],
        catalog: None,
    },
    Quickstart {
        name: "pizza_orders_cancelled",
        record_name: "pizza_orders.pizza_orders_cancelled",
        key_field: "store_id",
        fields: &[
            Field { name: "store_id", kind: Kind::IntRange { num: Num::Int, min: 1, max: 10 } },
            Field { name: "store_order_id", kind: Kind::Iteration { num: Num::Int, start: 1001, step: 2, restart: None } },
            Field { name: "date", kind: Kind::Date(&Kind::IntRange { num: Num::Int, min: 18000, max: 19000 }) },
            Field { name: "status", kind: Kind::StrOptions(&["cancelled"]) },
        ],
        catalog: None,
    },
    Quickstart {
        name: "pizza_orders_completed",
        record_name: "pizza_orders.pizza_orders_completed",
        key_field: "store_id",
        fields: &[
            Field { name: "store_id", kind: Kind::IntRange { num: Num::Int, min: 1, max: 10 } },
            Field { name: "store_order_id", kind: Kind::Iteration { num: Num::Int, start: 1000, step: 2, restart: None } },
            Field { name: "date", kind: Kind::Date(&Kind::IntRange { num: Num::Int, min: 18000, max: 19000 }) },
            Field { name: "status", kind: Kind::StrOptions(&["completed"]) },
            Field { name: "rack_time_secs", kind: Kind::IntRange { num: Num::Int, min: 130, max: 230 } },
            Field { name: "order_delivery_time_secs", kind: Kind::IntRange { num: Num::Int, min: 1100, max: 2000 } },
        ],
        catalog: None,
    },
];

/// The quickstart a `quickstart` config names (case-insensitive, as the connector's config).
pub fn find(name: &str) -> Option<&'static Quickstart> {
    QUICKSTARTS.iter().find(|q| q.name.eq_ignore_ascii_case(name.trim()))
}
