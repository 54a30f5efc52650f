//! The ksqlDB quickstart (rider locations near Mountain View) that the engine and the REST
//! end-to-end tests both run, so its statements and data are written once.

/// The quickstart's stream, its latest-location table and the table of riders near Mountain View.
pub const STATEMENTS: [&str; 3] = [
    "CREATE STREAM riderLocations (profileId VARCHAR, latitude DOUBLE, longitude DOUBLE) WITH \
     (kafka_topic='locations', value_format='json', partitions=1);",
    "CREATE TABLE currentLocation AS SELECT profileId, LATEST_BY_OFFSET(latitude) AS la, \
     LATEST_BY_OFFSET(longitude) AS lo FROM riderlocations GROUP BY profileId EMIT CHANGES;",
    "CREATE TABLE ridersNearMountainView AS SELECT ROUND(GEO_DISTANCE(la, lo, 37.4133, -122.1162), -1) AS \
     distanceInMiles, COLLECT_LIST(profileId) AS riders, COUNT(*) AS count FROM currentLocation GROUP BY \
     ROUND(GEO_DISTANCE(la, lo, 37.4133, -122.1162), -1);",
];

/// The push query for riders within 5 miles: 4ab5cbad, 8b6eae59 and 4a7c7b41 of [`INSERTS`].
pub const NEAR_PUSH_QUERY: &str =
    "SELECT * FROM riderLocations WHERE GEO_DISTANCE(latitude, longitude, 37.4133, -122.1162) <= 5 EMIT CHANGES;";

/// One INSERT per rider location, in the quickstart's order.
pub fn inserts() -> Vec<String> {
    [
        ("c2309eec", 37.7877, -122.4205),
        ("18f4ea86", 37.3903, -122.0643),
        ("4ab5cbad", 37.3952, -122.0813),
        ("8b6eae59", 37.3944, -122.0813),
        ("4a7c7b41", 37.4049, -122.0822),
        ("4ddad000", 37.7857, -122.4011),
    ]
    .iter()
    .map(|(id, la, lo)| {
        format!("INSERT INTO riderLocations (profileId, latitude, longitude) VALUES ('{id}', {la}, {lo});")
    })
    .collect()
}
