//! The server's catalog for editor help: streams and tables with their columns, topics,
//! queries, functions and properties, read with SHOW/DESCRIBE and cached per connection.
//!
//! Completion must never wait on the network for long, so the cache answers from what it
//! has and refreshes in the background: a completion waits (up to a small budget) only when
//! the cache is empty or known to be out of date and a refresh is already under way. The
//! executor calls [`CatalogCache::after_statement`] after each statement that may change the
//! catalog; `%refresh` (or a new connection) starts over. Nothing is fetched until editor
//! help is first asked for, so a kernel nobody completes in sends no extra requests.

use ksql_wire::entity::Entity;
use ksql_wire::entity::{FunctionDescriptionList, SourceDescription};
use ksql_wire::schema::SqlType;
use ksqldb_client::{KsqlClient, RequestContext};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// After this long, a completion refreshes the catalog in the background.
const MAX_AGE: Duration = Duration::from_secs(60);
/// After a failed refresh, wait this long before trying again (unless invalidated).
const RETRY_AFTER: Duration = Duration::from_secs(10);
/// One request of a background refresh gives up after this long.
const FETCH_TIMEOUT: Duration = Duration::from_secs(20);
/// At most this many server functions unknown to the built-in table get a DESCRIBE FUNCTION.
const MAX_UDF_DESCRIBES: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Stream,
    Table,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Stream => "stream",
            SourceKind::Table => "table",
        }
    }
}

/// A stream or table from SHOW STREAMS / SHOW TABLES.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceEntry {
    pub name: String,
    pub kind: SourceKind,
    pub topic: Option<String>,
    pub key_format: Option<String>,
    pub value_format: Option<String>,
    pub windowed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnEntry {
    pub name: String,
    pub sql_type: SqlType,
    /// "KEY", "HEADER" or "" for value columns.
    pub role: String,
}

/// A source's DESCRIBE: its columns, and the entity to show on inspection.
#[derive(Debug, Clone)]
pub struct SourceDetail {
    pub columns: Vec<ColumnEntry>,
    pub description: Entity,
}

impl SourceDetail {
    pub fn from_description(sd: &SourceDescription, raw: serde_json::Value) -> SourceDetail {
        let columns = sd
            .fields
            .iter()
            .map(|f| ColumnEntry {
                name: f.name.clone(),
                sql_type: f.sql_type(),
                role: f.field_type.clone().unwrap_or_default(),
            })
            .collect();
        let description =
            Entity::from_json(serde_json::json!({"@type": "sourceDescription", "sourceDescription": raw}));
        SourceDetail { columns, description }
    }

    pub fn column(&self, name: &str) -> Option<&ColumnEntry> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .or_else(|| self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name)))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueryEntry {
    pub id: String,
    pub sql: String,
    pub state: Option<String>,
    pub query_type: Option<String>,
    pub sinks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunctionEntry {
    pub name: String,
    /// SCALAR, AGGREGATE or TABLE.
    pub kind: String,
    pub category: Option<String>,
}

/// DESCRIBE FUNCTION, kept for inspection and completion signatures.
#[derive(Debug, Clone)]
pub struct FunctionDoc {
    pub signatures: Vec<String>,
    pub description: String,
    pub entity: Entity,
}

impl FunctionDoc {
    pub fn from_entity(entity: Entity) -> Option<FunctionDoc> {
        let Entity::DescribeFunction(p) = &entity else { return None };
        let d: &FunctionDescriptionList = p;
        let signatures = d
            .functions
            .iter()
            .map(|f| {
                let args: Vec<String> = f
                    .arguments
                    .iter()
                    .map(|a| {
                        let t = a.arg_type.clone().unwrap_or_default();
                        let t = if a.is_variadic == Some(true) { format!("{t}...") } else { t };
                        if a.name.is_empty() {
                            t
                        } else {
                            format!("{} {t}", a.name)
                        }
                    })
                    .collect();
                format!("{}({}) -> {}", d.name, args.join(", "), f.return_type.clone().unwrap_or_default())
            })
            .collect();
        Some(FunctionDoc { signatures, description: d.description.clone().unwrap_or_default(), entity })
    }
}

/// The lists read by one refresh. Immutable once published (shared as an `Arc`).
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Sorted by name.
    pub sources: Vec<SourceEntry>,
    by_name: HashMap<String, usize>,
    pub topics: Vec<String>,
    pub queries: Vec<QueryEntry>,
    pub functions: Vec<FunctionEntry>,
    pub properties: Vec<(String, Option<String>)>,
    /// Whether a refresh has completed (an empty catalog may be a real, empty server).
    pub loaded: bool,
}

impl Catalog {
    pub fn new(
        mut sources: Vec<SourceEntry>,
        topics: Vec<String>,
        queries: Vec<QueryEntry>,
        functions: Vec<FunctionEntry>,
        properties: Vec<(String, Option<String>)>,
    ) -> Catalog {
        sources.sort_by(|a, b| a.name.cmp(&b.name));
        sources.dedup_by(|a, b| a.name == b.name);
        let by_name = sources.iter().enumerate().map(|(i, s)| (s.name.to_uppercase(), i)).collect();
        Catalog { sources, by_name, topics, queries, functions, properties, loaded: true }
    }

    /// A source by name: exact first (quoted mixed-case names), then ignoring case.
    pub fn source(&self, name: &str) -> Option<&SourceEntry> {
        self.sources
            .iter()
            .find(|s| s.name == name)
            .or_else(|| self.by_name.get(&name.to_uppercase()).map(|&i| &self.sources[i]))
    }

    pub fn query(&self, id: &str) -> Option<&QueryEntry> {
        self.queries.iter().find(|q| q.id.eq_ignore_ascii_case(id))
    }
}

/// Everything the catalog knows for one completion or inspection.
#[derive(Clone, Default)]
pub struct CatalogView {
    pub catalog: Arc<Catalog>,
    /// DESCRIBEs known so far, by upper-cased source name.
    pub details: HashMap<String, Arc<SourceDetail>>,
    pub function_docs: HashMap<String, Arc<FunctionDoc>>,
}

impl CatalogView {
    pub fn detail(&self, name: &str) -> Option<&Arc<SourceDetail>> {
        let name = self.catalog.source(name).map_or(name, |s| s.name.as_str());
        self.details.get(&name.to_uppercase())
    }
}

/// The catalog client: the session's connection, else one for the default target.
#[derive(Clone)]
pub struct CatalogClient {
    /// Changes when the connection changes (the cache then starts over).
    pub key: String,
    pub client: Arc<KsqlClient>,
}

#[derive(Default)]
struct CacheState {
    key: Option<String>,
    client: Option<Arc<KsqlClient>>,
    catalog: Arc<Catalog>,
    details: HashMap<String, Arc<SourceDetail>>,
    function_docs: HashMap<String, Arc<FunctionDoc>>,
    /// Sources and functions whose DESCRIBE failed (not asked again until a refresh).
    missing: HashSet<String>,
    /// DESCRIBEs under way.
    describing: HashSet<String>,
    loaded_at: Option<Instant>,
    failed_at: Option<Instant>,
    last_error: Option<String>,
    refreshing: bool,
    /// Bumped by every invalidation; a refresh that started before one is out of date.
    dirty: u64,
    refreshed_dirty: u64,
    /// Bumped by a new connection: results for an older one are dropped.
    epoch: u64,
    /// Whether editor help was asked for on this connection (nothing is fetched before).
    used: bool,
    /// Whether SHOW STREAMS/TABLES EXTENDED works (all DESCRIBEs in two requests).
    extended_lists: Option<bool>,
}

struct Inner {
    state: Mutex<CacheState>,
    /// Bumped whenever something new was stored.
    changed: watch::Sender<u64>,
}

/// The per-connection catalog cache. Cheap to clone.
#[derive(Clone)]
pub struct CatalogCache {
    inner: Arc<Inner>,
}

impl Default for CatalogCache {
    fn default() -> Self {
        let (changed, _) = watch::channel(0);
        CatalogCache { inner: Arc::new(Inner { state: Mutex::new(CacheState::default()), changed }) }
    }
}

fn empty_context() -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    (BTreeMap::new(), BTreeMap::new())
}

/// Statements after which the catalog may have changed.
pub fn changes_catalog(sql: &str) -> bool {
    let words = super::splitter::leading_keywords(sql, 2);
    match words.first().map(String::as_str) {
        Some("CREATE" | "DROP" | "ALTER" | "TERMINATE" | "PAUSE" | "RESUME") => true,
        // INSERT INTO ... SELECT starts a query; INSERT ... VALUES changes nothing listed.
        Some("INSERT") => sql.to_uppercase().contains("SELECT"),
        _ => false,
    }
}

impl CatalogCache {
    fn lock(&self) -> MutexGuard<'_, CacheState> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn notify(&self) {
        self.inner.changed.send_modify(|v| *v += 1);
    }

    /// Marks the catalog out of date; refreshes at once (in the background) when editor
    /// help was used on this connection, else at the next completion.
    pub fn invalidate(&self) {
        let start = {
            let mut s = self.lock();
            s.dirty += 1;
            s.failed_at = None;
            s.missing.clear();
            s.used && !s.refreshing && s.client.is_some()
        };
        if start {
            self.start_refresh();
        }
    }

    /// Called by the executor after a statement succeeded: invalidates when it may have
    /// changed the catalog.
    pub fn after_statement(&self, sql: &str) {
        if changes_catalog(sql) {
            self.invalidate();
        }
    }

    /// Forgets everything and reloads (for `%refresh`).
    pub fn reset(&self) {
        {
            let mut s = self.lock();
            s.epoch += 1;
            s.catalog = Arc::new(Catalog::default());
            s.details.clear();
            s.function_docs.clear();
            s.missing.clear();
            s.loaded_at = None;
            s.failed_at = None;
            s.refreshing = false;
            s.extended_lists = None;
            s.used = true;
        }
        self.notify();
        if self.lock().client.is_some() {
            self.start_refresh();
        }
    }

    /// A short description of the cache, for `%refresh` and `%session`.
    pub fn status(&self) -> String {
        let s = self.lock();
        let c = &s.catalog;
        let mut text = if c.loaded {
            let streams = c.sources.iter().filter(|x| x.kind == SourceKind::Stream).count();
            format!(
                "{streams} streams, {} tables, {} topics, {} queries, {} functions ({} described)",
                c.sources.len() - streams,
                c.topics.len(),
                c.queries.len(),
                c.functions.len(),
                s.details.len()
            )
        } else {
            "not loaded yet".to_string()
        };
        if s.refreshing {
            text.push_str("; refreshing");
        }
        if let Some(e) = &s.last_error {
            text.push_str(&format!("; last refresh failed: {e}"));
        }
        text
    }

    /// The client in use when it has this key (so that one is not built per request).
    pub fn client_for(&self, key: &str) -> Option<Arc<KsqlClient>> {
        let s = self.lock();
        if s.key.as_deref() == Some(key) {
            s.client.clone()
        } else {
            None
        }
    }

    /// Uses `client` from now on (a new key starts a new, empty cache).
    fn select(&self, client: &CatalogClient) {
        let mut s = self.lock();
        if s.key.as_deref() != Some(client.key.as_str()) {
            let used = s.used;
            *s = CacheState { epoch: s.epoch + 1, ..CacheState::default() };
            s.used = used;
            s.key = Some(client.key.clone());
            s.client = Some(client.client.clone());
        }
    }

    /// The catalog for one completion: answers at once from the cache, except that it waits
    /// up to `budget` when the cache is empty or out of date and a refresh is under way.
    pub async fn view(&self, client: Option<CatalogClient>, budget: Duration) -> CatalogView {
        let deadline = Instant::now() + budget;
        let mut waiting = self.inner.changed.subscribe();
        if let Some(client) = &client {
            self.select(client);
            let start = {
                let mut s = self.lock();
                s.used = true;
                let stale = s.dirty != s.refreshed_dirty || s.loaded_at.is_none_or(|t| t.elapsed() > MAX_AGE);
                let may_retry = s.failed_at.is_none_or(|t| t.elapsed() > RETRY_AFTER);
                stale && !s.refreshing && may_retry
            };
            if start {
                self.start_refresh();
            }
            loop {
                let wait = {
                    let s = self.lock();
                    s.refreshing && (s.loaded_at.is_none() || s.dirty != s.refreshed_dirty)
                };
                let left = deadline.saturating_duration_since(Instant::now());
                if !wait || left.is_zero() {
                    break;
                }
                if tokio::time::timeout(left, waiting.changed()).await.is_err() {
                    break;
                }
            }
        }
        self.snapshot()
    }

    fn snapshot(&self) -> CatalogView {
        let s = self.lock();
        CatalogView { catalog: s.catalog.clone(), details: s.details.clone(), function_docs: s.function_docs.clone() }
    }

    /// Makes sure the DESCRIBEs of `names` are known (fetching missing ones, in the
    /// background), waiting up to `budget`. Needed on servers without SHOW ... EXTENDED.
    pub async fn ensure_details(&self, names: &[String], budget: Duration) -> CatalogView {
        let deadline = Instant::now() + budget;
        let mut waiting = self.inner.changed.subscribe();
        let (client, wanted, epoch) = {
            let mut s = self.lock();
            let Some(client) = s.client.clone() else { return self.snapshot_locked(&s) };
            let mut wanted = Vec::new();
            for name in names {
                let real = s.catalog.source(name).map(|x| x.name.clone());
                // Unknown to a loaded catalog: no such source.
                let Some(real) = real.or_else(|| (!s.catalog.loaded).then(|| name.clone())) else { continue };
                let upper = real.to_uppercase();
                if s.details.contains_key(&upper) || s.missing.contains(&upper) {
                    continue;
                }
                if s.describing.insert(upper.clone()) {
                    wanted.push(real);
                }
            }
            (client, wanted, s.epoch)
        };
        for name in wanted {
            let cache = self.clone();
            let client = client.clone();
            tokio::spawn(async move {
                let result = describe_source(&client, &name).await;
                let mut s = cache.lock();
                let upper = name.to_uppercase();
                s.describing.remove(&upper);
                if s.epoch != epoch {
                    return;
                }
                match result {
                    Some(detail) => {
                        s.details.insert(upper, Arc::new(detail));
                    }
                    None => {
                        s.missing.insert(upper);
                    }
                }
                drop(s);
                cache.notify();
            });
        }
        loop {
            let pending = {
                let s = self.lock();
                names.iter().any(|n| {
                    let u = s.catalog.source(n).map_or(n.to_uppercase(), |x| x.name.to_uppercase());
                    s.describing.contains(&u)
                })
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if !pending || left.is_zero() {
                break;
            }
            if tokio::time::timeout(left, waiting.changed()).await.is_err() {
                break;
            }
        }
        self.snapshot()
    }

    fn snapshot_locked(&self, s: &CacheState) -> CatalogView {
        CatalogView { catalog: s.catalog.clone(), details: s.details.clone(), function_docs: s.function_docs.clone() }
    }

    /// DESCRIBE FUNCTION from the server (cached), waiting up to `budget`.
    pub async fn function_doc(&self, name: &str, budget: Duration) -> Option<Arc<FunctionDoc>> {
        let upper = name.to_uppercase();
        let (client, epoch) = {
            let s = self.lock();
            if let Some(doc) = s.function_docs.get(&upper) {
                return Some(doc.clone());
            }
            if s.missing.contains(&format!("FUNCTION {upper}")) {
                return None;
            }
            (s.client.clone()?, s.epoch)
        };
        let cache = self.clone();
        let task = tokio::spawn(async move {
            let doc = describe_function(&client, &upper).await.map(Arc::new);
            let mut s = cache.lock();
            if s.epoch == epoch {
                match &doc {
                    Some(d) => {
                        s.function_docs.insert(upper.clone(), d.clone());
                    }
                    None => {
                        s.missing.insert(format!("FUNCTION {upper}"));
                    }
                }
            }
            doc
        });
        tokio::time::timeout(budget, task).await.ok()?.ok()?
    }

    /// A source's DESCRIBE (cached), waiting up to `budget`.
    pub async fn source_detail(&self, name: &str, budget: Duration) -> Option<Arc<SourceDetail>> {
        let view = self.ensure_details(&[name.to_string()], budget).await;
        view.detail(name).cloned()
    }

    fn start_refresh(&self) {
        let (client, epoch, dirty, extended) = {
            let mut s = self.lock();
            let Some(client) = s.client.clone() else { return };
            if s.refreshing {
                return;
            }
            s.refreshing = true;
            (client, s.epoch, s.dirty, s.extended_lists)
        };
        let cache = self.clone();
        tokio::spawn(async move {
            let result = fetch(&client, extended).await;
            let again = {
                let mut s = cache.lock();
                if s.epoch != epoch {
                    // A newer connection or a reset: its own refresh takes over.
                    s.refreshing = false;
                    false
                } else {
                    s.refreshing = false;
                    match result {
                        Ok(fetched) => {
                            s.catalog = Arc::new(fetched.catalog);
                            s.extended_lists = Some(fetched.details.is_some());
                            if let Some(details) = fetched.details {
                                s.details = details;
                            } else {
                                s.details.clear();
                            }
                            s.missing.clear();
                            s.loaded_at = Some(Instant::now());
                            s.failed_at = None;
                            s.last_error = None;
                            s.refreshed_dirty = dirty;
                        }
                        Err(e) => {
                            s.failed_at = Some(Instant::now());
                            s.last_error = Some(e);
                        }
                    }
                    s.dirty != s.refreshed_dirty && s.failed_at.is_none()
                }
            };
            cache.notify();
            if again {
                cache.start_refresh();
            } else {
                cache.describe_udfs(&client, epoch).await;
            }
        });
    }

    /// DESCRIBE FUNCTION for the server's functions the built-in table does not know
    /// (user-defined functions), so completion shows their signatures.
    async fn describe_udfs(&self, client: &KsqlClient, epoch: u64) {
        let todo: Vec<String> = {
            let s = self.lock();
            s.catalog
                .functions
                .iter()
                .filter(|f| ksql_syntax::functions::find(&f.name).is_none())
                .filter(|f| !s.function_docs.contains_key(&f.name.to_uppercase()))
                .take(MAX_UDF_DESCRIBES)
                .map(|f| f.name.to_uppercase())
                .collect()
        };
        for name in todo {
            let doc = describe_function(client, &name).await;
            let mut s = self.lock();
            if s.epoch != epoch {
                return;
            }
            if let Some(doc) = doc {
                s.function_docs.insert(name, Arc::new(doc));
            }
        }
        self.notify();
    }
}

struct Fetched {
    catalog: Catalog,
    /// With SHOW STREAMS/TABLES EXTENDED: every source's DESCRIBE.
    details: Option<HashMap<String, Arc<SourceDetail>>>,
}

async fn ksql(client: &KsqlClient, sql: &str) -> Result<Vec<Entity>, String> {
    let (properties, variables) = empty_context();
    let ctx = RequestContext { properties: &properties, session_variables: &variables };
    match tokio::time::timeout(FETCH_TIMEOUT, client.ksql(sql, &ctx)).await {
        Ok(Ok(entities)) => Ok(entities),
        Ok(Err(e)) => Err(e.to_string().lines().next().unwrap_or("").to_string()),
        Err(_) => Err(format!("{sql} timed out")),
    }
}

/// Reads the whole catalog: SHOW STREAMS/TABLES EXTENDED (every DESCRIBE in two requests;
/// plain SHOW STREAMS/TABLES on servers without it), TOPICS, QUERIES, FUNCTIONS, PROPERTIES.
async fn fetch(client: &KsqlClient, extended: Option<bool>) -> Result<Fetched, String> {
    let lists = async {
        if extended != Some(false) {
            let (s, t) = tokio::join!(ksql(client, "SHOW STREAMS EXTENDED;"), ksql(client, "SHOW TABLES EXTENDED;"));
            if let (Ok(s), Ok(t)) = (&s, &t) {
                let mut details = HashMap::new();
                let mut sources = Vec::new();
                for entity in s.iter().chain(t.iter()) {
                    read_descriptions(entity, &mut sources, &mut details);
                }
                return Ok((sources, Some(details)));
            }
        }
        let (s, t) = tokio::join!(ksql(client, "SHOW STREAMS;"), ksql(client, "SHOW TABLES;"));
        let mut sources = Vec::new();
        for entity in s?.iter().chain(t?.iter()) {
            match entity {
                Entity::Streams(p) => sources.extend(p.streams.iter().map(|x| source_entry(x, SourceKind::Stream))),
                Entity::Tables(p) => sources.extend(p.tables.iter().map(|x| source_entry(x, SourceKind::Table))),
                _ => {}
            }
        }
        Ok::<_, String>((sources, None))
    };
    let (lists, topics, queries, functions, properties) = tokio::join!(
        lists,
        ksql(client, "SHOW TOPICS;"),
        ksql(client, "SHOW QUERIES;"),
        ksql(client, "SHOW FUNCTIONS;"),
        ksql(client, "SHOW PROPERTIES;"),
    );
    let (sources, details) = lists?;
    let mut topic_names = Vec::new();
    for e in topics.unwrap_or_default() {
        if let Entity::KafkaTopics(p) | Entity::KafkaTopicsExtended(p) = e {
            topic_names.extend(p.topics.iter().map(|t| t.name.clone()));
        }
    }
    topic_names.sort();
    let mut query_list = Vec::new();
    for e in queries.unwrap_or_default() {
        if let Entity::Queries(p) = e {
            query_list.extend(p.queries.iter().map(|q| QueryEntry {
                id: q.id(),
                sql: q.text().unwrap_or("").to_string(),
                state: q.state.clone(),
                query_type: q.query_type.clone(),
                sinks: q.sinks.clone(),
            }));
        }
    }
    let mut function_list = Vec::new();
    for e in functions.unwrap_or_default() {
        if let Entity::FunctionNames(p) = e {
            function_list.extend(p.functions.iter().map(|f| FunctionEntry {
                name: f.name.to_uppercase(),
                kind: f.function_type.clone().unwrap_or_default(),
                category: f.category.clone(),
            }));
        }
    }
    let mut property_list = Vec::new();
    for e in properties.unwrap_or_default() {
        if let Entity::Properties(p) = e {
            property_list.extend(p.properties.iter().map(|x| (x.name.clone(), x.value_text())));
        }
    }
    Ok(Fetched { catalog: Catalog::new(sources, topic_names, query_list, function_list, property_list), details })
}

fn source_entry(s: &ksql_wire::entity::SourceInfo, kind: SourceKind) -> SourceEntry {
    SourceEntry {
        name: s.name.clone(),
        kind: match s.source_type.as_deref() {
            Some(t) if t.eq_ignore_ascii_case("TABLE") => SourceKind::Table,
            Some(t) if t.eq_ignore_ascii_case("STREAM") => SourceKind::Stream,
            _ => kind,
        },
        topic: s.topic.clone(),
        key_format: s.key_format.clone(),
        value_format: s.value_format().map(str::to_string),
        windowed: s.is_windowed.unwrap_or(false),
    }
}

fn description_entry(sd: &SourceDescription) -> SourceEntry {
    SourceEntry {
        name: sd.name.clone(),
        kind: if sd.source_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("TABLE")) {
            SourceKind::Table
        } else {
            SourceKind::Stream
        },
        topic: sd.topic.clone(),
        key_format: sd.key_format.clone(),
        value_format: sd.value_format().map(str::to_string),
        windowed: sd.window_type.is_some(),
    }
}

fn read_descriptions(
    entity: &Entity,
    sources: &mut Vec<SourceEntry>,
    details: &mut HashMap<String, Arc<SourceDetail>>,
) {
    match entity {
        Entity::SourceDescriptions(p) => {
            let raws = p.raw.get("sourceDescriptions").and_then(|v| v.as_array());
            for (i, sd) in p.source_descriptions.iter().enumerate() {
                let raw = raws.and_then(|r| r.get(i)).cloned().unwrap_or_default();
                sources.push(description_entry(sd));
                details.insert(sd.name.to_uppercase(), Arc::new(SourceDetail::from_description(sd, raw)));
            }
        }
        Entity::SourceDescription(p) => {
            let sd = &p.source_description;
            let raw = p.raw.get("sourceDescription").cloned().unwrap_or_default();
            sources.push(description_entry(sd));
            details.insert(sd.name.to_uppercase(), Arc::new(SourceDetail::from_description(sd, raw)));
        }
        Entity::Streams(p) => sources.extend(p.streams.iter().map(|x| source_entry(x, SourceKind::Stream))),
        Entity::Tables(p) => sources.extend(p.tables.iter().map(|x| source_entry(x, SourceKind::Table))),
        _ => {}
    }
}

/// Quotes a name for a statement when it is not a plain upper-case identifier.
pub fn sql_name(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

async fn describe_source(client: &KsqlClient, name: &str) -> Option<SourceDetail> {
    let entities = ksql(client, &format!("DESCRIBE {};", sql_name(name))).await.ok()?;
    let mut sources = Vec::new();
    let mut details = HashMap::new();
    for e in &entities {
        read_descriptions(e, &mut sources, &mut details);
    }
    details.into_values().next().map(|d| (*d).clone())
}

async fn describe_function(client: &KsqlClient, name: &str) -> Option<FunctionDoc> {
    let entities = ksql(client, &format!("DESCRIBE FUNCTION {name};")).await.ok()?;
    entities.into_iter().find_map(FunctionDoc::from_entity)
}

/// The type of `path` below a column type (`[]` an array element or map value), if any.
pub fn field_type<'a>(mut t: &'a SqlType, path: &[String]) -> Option<&'a SqlType> {
    for step in path {
        t = match (t, step.as_str()) {
            (SqlType::Array(e), "[]") => e,
            (SqlType::Map(_, v), "[]") => v,
            (SqlType::Struct(fields), name) => {
                &fields
                    .iter()
                    .find(|(n, _)| n == name)
                    .or_else(|| fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))?
                    .1
            }
            _ => return None,
        };
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_changing_statements() {
        for sql in [
            "CREATE STREAM s (a INT) WITH (KAFKA_TOPIC='s');",
            "drop table t;",
            "TERMINATE CSAS_1;",
            "ALTER STREAM s ADD COLUMN b INT;",
            "INSERT INTO s SELECT * FROM t;",
        ] {
            assert!(changes_catalog(sql), "{sql}");
        }
        for sql in [
            "SHOW STREAMS;",
            "DESCRIBE s;",
            "SET 'a'='b';",
            "SELECT * FROM s;",
            "EXPLAIN q;",
            "INSERT INTO s VALUES (1);",
        ] {
            assert!(!changes_catalog(sql), "{sql}");
        }
    }

    #[test]
    fn reads_source_descriptions() {
        let raw = serde_json::json!({"@type": "source_descriptions", "sourceDescriptions": [{
        "name": "ORDERS", "type": "TABLE", "topic": "orders", "keyFormat": "KAFKA", "valueFormat": "AVRO",
        "fields": [
            {"name": "ID", "schema": {"type": "STRING"}, "type": "KEY"},
            {"name": "ADDR", "schema": {"type": "STRUCT", "fields": [
                {"name": "CITY", "schema": {"type": "STRING"}},
                {"name": "GEO", "schema": {"type": "STRUCT", "fields": [{"name": "LAT", "schema": {"type": "DOUBLE"}}]}}
            ]}}
        ]}]});
        let entity = Entity::from_json(raw);
        let mut sources = Vec::new();
        let mut details = HashMap::new();
        read_descriptions(&entity, &mut sources, &mut details);
        assert_eq!(sources[0].kind, SourceKind::Table);
        assert_eq!(sources[0].value_format.as_deref(), Some("AVRO"));
        let d = &details["ORDERS"];
        assert_eq!(d.columns[0].role, "KEY");
        let addr = d.column("addr").unwrap();
        let geo = field_type(&addr.sql_type, &["GEO".into()]).unwrap();
        assert!(matches!(geo, SqlType::Struct(f) if f[0].0 == "LAT"));
        assert!(matches!(d.description, Entity::SourceDescription(_)));
    }

    #[test]
    fn quoting_names() {
        assert_eq!(sql_name("RIDERS"), "RIDERS");
        assert_eq!(sql_name("my-stream"), "`my-stream`");
        assert_eq!(sql_name("Mixed"), "`Mixed`");
        assert_eq!(sql_name("1X"), "`1X`");
    }

    #[test]
    fn function_doc_signatures() {
        let e = Entity::from_json(
            serde_json::json!({"@type": "describe_function", "name": "MY_UDF", "description": "Does.",
            "functions": [{"arguments": [{"name": "a", "type": "INT"},
                                         {"name": "rest", "type": "STRING", "isVariadic": true}],
                           "returnType": "BIGINT"}]}),
        );
        let doc = FunctionDoc::from_entity(e).unwrap();
        assert_eq!(doc.signatures, vec!["MY_UDF(a INT, rest STRING...) -> BIGINT"]);
        assert_eq!(doc.description, "Does.");
    }
}
