//! The shape of a Datagen quickstart: record fields and how each value is drawn.
//!
//! Datagen describes its quickstarts as Avro schemas whose `arg.properties` tell its random
//! generator what to draw (`iteration`, `range`, `options`, `regex`, `length`). These types
//! say the same things in Rust, so the sandbox can both generate records and write the Avro
//! schema it registers for a topic.

/// A quickstart: the record it generates and the field its Kafka key comes from.
#[derive(Debug)]
pub struct Quickstart {
    /// The `quickstart` config value (lower case).
    pub name: &'static str,
    /// The Avro record's full name (namespace.name), as the connector registers it.
    pub record_name: &'static str,
    /// The field whose value becomes the record's key (the connector's `schema.keyfield`).
    pub key_field: &'static str,
    pub fields: &'static [Field],
    /// Set when the quickstart draws whole records from a catalog (Datagen's record-level
    /// `options`) instead of drawing each field; its fields are then [`Kind::FromCatalog`].
    pub catalog: Option<Catalog>,
}

/// A list of whole records a quickstart picks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catalog {
    /// A short list, written out as JSON objects.
    Fixed(&'static [&'static str]),
    /// A long list made once, from a fixed seed, in the shape of the connector's own
    /// (see `catalogs`): its ids are what other quickstarts refer to.
    Generated(GeneratedCatalog),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeneratedCatalog {
    ShoeProducts,
    ShoeCustomers,
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
}

/// The Avro primitive a number is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Num {
    Int,
    Long,
    Float,
    Double,
}

/// The Avro type of a field whose value comes from a catalog record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prim {
    Int,
    Long,
    Double,
    String,
}

/// How a value is drawn; the Avro type follows from it.
#[derive(Debug)]
pub enum Kind {
    /// `iteration`: start, start+step, ... ; with `restart`, wraps back to `start` on reaching it.
    Iteration { num: Num, start: i64, step: i64, restart: Option<i64> },
    /// `iteration` of a string: the counter's value written as text.
    StrIteration { start: i64, step: i64 },
    /// `range` of an int or long: uniform in `min..max` (max exclusive, as Datagen's generator).
    IntRange { num: Num, min: i64, max: i64 },
    /// `range` of a float or double: uniform in `min..max`.
    FloatRange { num: Num, min: f64, max: f64 },
    /// `options` of an int or long.
    IntOptions { num: Num, options: &'static [i64] },
    /// `options` of a float or double.
    FloatOptions { num: Num, options: &'static [f64] },
    /// `options` of a string.
    StrOptions(&'static [&'static str]),
    /// `regex` of a string.
    Regex(&'static str),
    /// A string of random letters and digits, length in `min..=max`.
    RandomString { min: usize, max: usize },
    /// A random boolean, or `options` of a boolean when the slice is not empty.
    Boolean(&'static [bool]),
    /// A long with `logicalType: timestamp-millis`, drawn as the inner kind.
    TimestampMillis(&'static Kind),
    /// An int with `logicalType: date` (days since 1970-01-01), drawn as the inner kind.
    Date(&'static Kind),
    /// Bytes with `logicalType: decimal`, drawn uniformly in `min..max` and rounded to `scale`.
    Decimal { precision: u8, scale: u8, min: f64, max: f64 },
    /// The field of the same name in the catalog record drawn for this record.
    FromCatalog(Prim),
    /// The `id` of a random record of a generated catalog (how orders point at products).
    CatalogId(GeneratedCatalog),
    /// A nested record: its Avro name and fields.
    Record { name: &'static str, fields: &'static [Field] },
    /// An array whose length is uniform in `min..=max`.
    Array { items: &'static Kind, min: usize, max: usize },
    /// A `["null", T]` union: null with probability `null_percent` %.
    Nullable { inner: &'static Kind, null_percent: u8 },
}
