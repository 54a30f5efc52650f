//! The product and customer lists the `shoes` quickstarts pick from.
//!
//! The connector ships 643 shoe products and 301 customers as fixed records, and
//! `shoe_orders` points at their ids. Those lists are its data, not facts about its schema, so
//! the sandbox makes lists of the same size and shape (UUID ids, brand, two model words and a
//! number, prices ending in 95 or 97, ratings 0.0 to 5.0; US customers with e-mail, phone and
//! address) from a fixed seed. Every connector sees the same lists, so `shoe_orders` joins
//! `shoes` and `shoe_customers` as it does on a real cluster.

use std::sync::OnceLock;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde_json::{json, Value as J};

use super::schema::GeneratedCatalog;

/// As many records as the connector's own lists hold.
const SHOE_PRODUCTS: usize = 643;
const SHOE_CUSTOMERS: usize = 301;

/// The fixed seed of the lists: they never change between runs or versions.
const CATALOG_SEED: u64 = 0x5E0E_5EED;

/// The records of a generated catalog, made once.
pub fn records(catalog: GeneratedCatalog) -> &'static [J] {
    static PRODUCTS: OnceLock<Vec<J>> = OnceLock::new();
    static CUSTOMERS: OnceLock<Vec<J>> = OnceLock::new();
    match catalog {
        GeneratedCatalog::ShoeProducts => PRODUCTS.get_or_init(shoe_products),
        GeneratedCatalog::ShoeCustomers => CUSTOMERS.get_or_init(shoe_customers),
    }
}

/// A version-4 UUID in its usual text form.
fn uuid(rng: &mut Pcg64Mcg) -> String {
    let mut b: [u8; 16] = rng.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn pick<'a>(rng: &mut Pcg64Mcg, options: &[&'a str]) -> &'a str {
    options[rng.random_range(0..options.len())]
}

fn shoe_products() -> Vec<J> {
    // The model words are the connector's; the brands are made up here.
    const MODELS: &[&str] = &["Impreza", "Max", "Perf", "Pro", "Sidekick", "Spectra5", "TrailRunner"];
    const BRANDS: &[&str] = &[
        "Abbott-Ruiz",
        "Baxter and Sons",
        "Calder Group",
        "Dunmore LLC",
        "Ellison-Park",
        "Fairweather Inc",
        "Garrick, Holt and Vance",
        "Hollis-Moreno",
        "Ingram Group",
        "Jardine and Pike",
        "Kessler-Lund",
        "Lockhart Inc",
        "Marlowe, Nash and Ortega",
        "Norcross LLC",
        "Osgood-Reyes",
        "Pemberton Group",
        "Quimby and Sons",
        "Radcliffe-Stone",
        "Sorensen, Tate and Usher",
        "Whitfield Inc",
    ];
    let mut rng = Pcg64Mcg::seed_from_u64(CATALOG_SEED);
    (0..SHOE_PRODUCTS)
        .map(|_| {
            let first = pick(&mut rng, MODELS);
            let second = loop {
                let m = pick(&mut rng, MODELS);
                if m != first {
                    break m;
                }
            };
            let cents = if rng.random_bool(0.7) { 95 } else { 97 };
            let sale_price = rng.random_range(15..230) * 100 + cents;
            // About half the products have no rating yet (0.0), as in the connector's list.
            let rating = if rng.random_bool(0.45) { 0.0 } else { f64::from(rng.random_range(10..=50)) / 10.0 };
            json!({
                "id": uuid(&mut rng),
                "brand": pick(&mut rng, BRANDS),
                "name": format!("{first} {second} {}", rng.random_range(100..1000)),
                "sale_price": sale_price,
                "rating": rating,
            })
        })
        .collect()
}

fn shoe_customers() -> Vec<J> {
    const FIRST: &[&str] = &[
        "Ada", "Bela", "Cyrus", "Dalia", "Emil", "Farah", "Gideon", "Hana", "Ivo", "Jun", "Kaia", "Lior", "Mara",
        "Nico", "Oona", "Pavel", "Quinn", "Rosa", "Soren", "Tala", "Uma", "Viktor", "Wren", "Xavi", "Yara", "Zeno",
    ];
    const LAST: &[&str] = &[
        "Abernathy",
        "Brightwater",
        "Castellano",
        "Delacroix",
        "Eastwick",
        "Fairbanks",
        "Galloway",
        "Hargreave",
        "Ishikawa",
        "Jablonski",
        "Kowalczyk",
        "Lindqvist",
        "Montague",
        "Nakamura",
        "Oyelaran",
        "Pellegrini",
        "Quist",
        "Rasmussen",
        "Szabo",
        "Thornbury",
        "Underhill",
        "Valentin",
        "Whitlock",
        "Yilmaz",
        "Zamora",
    ];
    const DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "mail.example", "shop.example"];
    const STREETS: &[&str] =
        &["Oak", "Maple", "Cedar", "Hillside", "Lakeview", "Sunset", "Ridge", "Willow", "Park", "Mill"];
    const STREET_KINDS: &[&str] = &["Street", "Avenue", "Court", "Lane", "Point", "Hill", "Drive", "Way"];
    const STATES: &[&str] = &[
        "Alabama",
        "Alaska",
        "Arizona",
        "Arkansas",
        "California",
        "Colorado",
        "Connecticut",
        "Delaware",
        "Florida",
        "Georgia",
        "Hawaii",
        "Idaho",
        "Illinois",
        "Indiana",
        "Iowa",
        "Kansas",
        "Kentucky",
        "Louisiana",
        "Maine",
        "Maryland",
        "Massachusetts",
        "Michigan",
        "Minnesota",
        "Mississippi",
        "Missouri",
        "Montana",
        "Nebraska",
        "Nevada",
        "New Hampshire",
        "New Jersey",
        "New Mexico",
        "New York",
        "North Carolina",
        "North Dakota",
        "Ohio",
        "Oklahoma",
        "Oregon",
        "Pennsylvania",
        "Rhode Island",
        "South Carolina",
        "South Dakota",
        "Tennessee",
        "Texas",
        "Utah",
        "Vermont",
        "Virginia",
        "Washington",
        "West Virginia",
        "Wisconsin",
        "Wyoming",
    ];
    let mut rng = Pcg64Mcg::seed_from_u64(CATALOG_SEED.wrapping_add(1));
    (0..SHOE_CUSTOMERS)
        .map(|i| {
            let first = pick(&mut rng, FIRST);
            let last = pick(&mut rng, LAST);
            let email = format!(
                "{}{}{i}@{}",
                first[..1].to_ascii_lowercase(),
                last.to_ascii_lowercase(),
                pick(&mut rng, DOMAINS)
            );
            let phone = format!(
                "{}-{}-{:04}",
                rng.random_range(201..990),
                rng.random_range(200..1000),
                rng.random_range(0..10000)
            );
            let street =
                format!("{} {} {}", rng.random_range(1..10000), pick(&mut rng, STREETS), pick(&mut rng, STREET_KINDS));
            json!({
                "id": uuid(&mut rng),
                "first_name": first,
                "last_name": last,
                "email": email,
                "phone": phone,
                "street_address": street,
                "state": pick(&mut rng, STATES),
                "zip_code": rng.random_range(1001..99951).to_string(),
                "country": "United States",
                "country_code": "US",
            })
        })
        .collect()
}
