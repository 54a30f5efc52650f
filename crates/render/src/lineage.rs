//! `%lineage`: the topology of a ksqlDB application as a static SVG picture (laid out by
//! layout-rs, a Graphviz-style layered layout) with a `text/plain` twin that lists the edges.
//! Connectors write topics, topics feed streams and tables, those feed persistent queries,
//! and queries write streams and tables.

use std::collections::{BTreeSet, HashMap};

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::style::StyleAttr;
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::MimeBundle;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    Connector,
    Topic,
    Stream,
    Table,
    Query,
}

impl NodeKind {
    pub fn word(self) -> &'static str {
        match self {
            NodeKind::Connector => "CONNECTOR",
            NodeKind::Topic => "TOPIC",
            NodeKind::Stream => "STREAM",
            NodeKind::Table => "TABLE",
            NodeKind::Query => "QUERY",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    pub name: String,
    /// Lines under the name: formats, topic.
    pub details: Vec<String>,
    /// Created by this notebook (highlighted).
    pub mine: bool,
}

/// Nodes, and edges from one to another (by index), each with a verb ("writes", "reads").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lineage {
    pub nodes: Vec<Node>,
    pub edges: Vec<(usize, usize, &'static str)>,
}

impl Lineage {
    /// The node of that kind and name, added when new.
    pub fn node(&mut self, kind: NodeKind, name: &str) -> usize {
        if let Some(i) = self.nodes.iter().position(|n| n.kind == kind && n.name == name) {
            return i;
        }
        self.nodes.push(Node { kind, name: name.to_string(), details: Vec::new(), mine: false });
        self.nodes.len() - 1
    }

    pub fn edge(&mut self, from: usize, to: usize, verb: &'static str) {
        if from != to && !self.edges.iter().any(|&(f, t, _)| f == from && t == to) {
            self.edges.push((from, to, verb));
        }
    }

    /// Only what `name` (a stream, table, connector, topic or query id; case-insensitive)
    /// reads from, directly or not, and what reads from it; None when no node has the name.
    pub fn around(&self, name: &str) -> Option<Lineage> {
        let wanted = name.trim_matches('`');
        let start: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].name == wanted)
            .chain((0..self.nodes.len()).filter(|&i| self.nodes[i].name.eq_ignore_ascii_case(wanted)))
            .take(1)
            .collect();
        let start = *start.first()?;
        let mut keep = BTreeSet::from([start]);
        for forward in [true, false] {
            let mut frontier = vec![start];
            while let Some(n) = frontier.pop() {
                for &(f, t, _) in &self.edges {
                    let next = if forward && f == n {
                        t
                    } else if !forward && t == n {
                        f
                    } else {
                        continue;
                    };
                    if keep.insert(next) {
                        frontier.push(next);
                    }
                }
            }
        }
        let renumber: HashMap<usize, usize> = keep.iter().enumerate().map(|(new, &old)| (old, new)).collect();
        Some(Lineage {
            nodes: keep.iter().map(|&i| self.nodes[i].clone()).collect(),
            edges: self
                .edges
                .iter()
                .filter_map(|&(f, t, v)| Some((*renumber.get(&f)?, *renumber.get(&t)?, v)))
                .collect(),
        })
    }
}

/// The picture and its text twin; `title` heads both.
pub fn render_lineage(lineage: &Lineage, title: &str) -> MimeBundle {
    let text = edge_list(lineage, title);
    let mut bundle = MimeBundle::plain(text);
    if let Some(svg) = picture(lineage) {
        bundle = bundle.with("image/svg+xml", serde_json::Value::String(svg));
    }
    bundle
}

fn label(node: &Node) -> String {
    // Control characters would make the XML invalid (line breaks separate the label's lines).
    let printable = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>();
    let mut lines = vec![format!("{} {}", node.kind.word(), printable(&node.name))];
    lines.extend(node.details.iter().map(|d| printable(d)));
    if node.mine {
        lines.push("(made by this notebook)".to_string());
    }
    lines.join("\n")
}

/// Every edge as a line (`TOPIC pageviews → STREAM PAGEVIEWS`), then the nodes no edge touches.
pub fn edge_list(lineage: &Lineage, title: &str) -> String {
    let name = |i: usize| {
        let n = &lineage.nodes[i];
        format!("{} {}{}", n.kind.word(), n.name, if n.mine { " *" } else { "" })
    };
    let mut out = format!("{title}\n");
    if lineage.nodes.is_empty() {
        out.push_str("(nothing on the server yet)\n");
        return out;
    }
    for &(f, t, verb) in &lineage.edges {
        out.push_str(&format!("  {} --{verb}--> {}\n", name(f), name(t)));
    }
    let linked: BTreeSet<usize> = lineage.edges.iter().flat_map(|&(f, t, _)| [f, t]).collect();
    for i in (0..lineage.nodes.len()).filter(|i| !linked.contains(i)) {
        out.push_str(&format!("  {} (no links)\n", name(i)));
    }
    if lineage.nodes.iter().any(|n| n.mine) {
        out.push_str("  * made by this notebook\n");
    }
    out
}

/// The laid-out SVG, or None for an empty graph or when the layout fails (the text stays).
fn picture(lineage: &Lineage) -> Option<String> {
    if lineage.nodes.is_empty() {
        return None;
    }
    // layout-rs asserts on inputs it cannot lay out; a picture is not worth a panic.
    std::panic::catch_unwind(|| draw(lineage)).ok()
}

fn draw(lineage: &Lineage) -> String {
    // Top to bottom: a pipeline is deeper than wide, and a notebook is narrower than tall.
    let mut graph = VisualGraph::new(Orientation::TopToBottom);
    let handles: Vec<_> = lineage
        .nodes
        .iter()
        .map(|node| {
            let (fill, line) = colours(node);
            let look = StyleAttr::new(Color::new(line), if node.mine { 3 } else { 1 }, Some(Color::new(fill)), 6, 13);
            let shape = ShapeKind::new_box(&label(node));
            let size = get_shape_size(Orientation::TopToBottom, &shape, 13, false);
            graph.add_node(Element::create(shape, look, Orientation::TopToBottom, size))
        })
        .collect();
    // The arrows' direction says it all (the text twin names the verbs); labels on edges
    // would cross the lines.
    for &(from, to, _) in &lineage.edges {
        graph.add_edge(Arrow::simple(""), handles[from], handles[to]);
    }
    let mut svg = SVGWriter::new();
    graph.do_it(false, false, false, &mut svg);
    // The writer sizes the picture to its edges' control points, which can reach far past
    // the nodes: size it to the nodes instead (edges run between them).
    let (mut width, mut height) = (0f64, 0f64);
    for &h in &handles {
        let (_, bottom_right) = graph.pos(h).bbox(true);
        width = width.max(bottom_right.x);
        height = height.max(bottom_right.y);
    }
    fit(&svg.finalize(), width + 10.0, height + 10.0)
}

/// `svg` with its size and view box set to `width` × `height`.
fn fit(svg: &str, width: f64, height: f64) -> String {
    static SIZE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let size = SIZE.get_or_init(|| {
        regex::Regex::new(r#"<svg width="[0-9.]+" height="[0-9.]+" viewBox="0 0 [0-9.]+ [0-9.]+""#).unwrap()
    });
    let (w, h) = (width.ceil(), height.ceil());
    size.replace(svg, format!(r#"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}""#).as_str()).into_owned()
}

/// Fill and outline colours (RGBA) by kind; this notebook's objects get a strong outline.
fn colours(node: &Node) -> (u32, u32) {
    let fill = match node.kind {
        NodeKind::Connector => 0xf3e5f5ff,
        NodeKind::Topic => 0xeeeeeeff,
        NodeKind::Stream => 0xe3f2fdff,
        NodeKind::Table => 0xe8f5e9ff,
        NodeKind::Query => 0xfff8e1ff,
    };
    let line = if node.mine { 0xd84315ff } else { 0x616161ff };
    (fill, line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline() -> Lineage {
        let mut l = Lineage::default();
        let gen = l.node(NodeKind::Connector, "GEN");
        let topic = l.node(NodeKind::Topic, "pageviews");
        let pv = l.node(NodeKind::Stream, "PAGEVIEWS");
        let q = l.node(NodeKind::Query, "CTAS_VIEWS_1");
        let views = l.node(NodeKind::Table, "VIEWS");
        let other = l.node(NodeKind::Stream, "OTHER <b>&");
        l.nodes[pv].details.push("JSON · topic pageviews".into());
        l.nodes[views].mine = true;
        l.edge(gen, topic, "writes");
        l.edge(topic, pv, "reads");
        l.edge(pv, q, "reads");
        l.edge(q, views, "writes");
        l.edge(q, views, "writes");
        let _ = other;
        l
    }

    #[test]
    fn the_text_lists_every_edge_and_lonely_node() {
        let text = edge_list(&pipeline(), "Lineage");
        assert!(text.contains("CONNECTOR GEN --writes--> TOPIC pageviews"), "{text}");
        assert!(text.contains("QUERY CTAS_VIEWS_1 --writes--> TABLE VIEWS *"), "{text}");
        assert_eq!(text.matches("-->").count(), 4, "duplicate edges are kept once: {text}");
        assert!(text.contains("STREAM OTHER <b>& (no links)"));
    }

    #[test]
    fn the_picture_names_every_node_escaped_and_holds_no_script() {
        let bundle = render_lineage(&pipeline(), "Lineage");
        let svg = bundle.data["image/svg+xml"].as_str().unwrap();
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        for name in ["GEN", "pageviews", "PAGEVIEWS", "CTAS_VIEWS_1", "VIEWS", "made by this notebook"] {
            assert!(svg.contains(name), "{name}");
        }
        assert!(svg.contains("OTHER &lt;b&gt;&amp;") && !svg.contains("<b>&"));
        // Only references inside the picture (edge labels follow their paths: href="#arrow1").
        assert!(!svg.to_ascii_lowercase().contains("<script") && !svg.contains("href=\"h"));
    }

    #[test]
    fn around_keeps_upstream_and_downstream_only() {
        let l = pipeline();
        let near = l.around("pageviews").unwrap();
        let names: BTreeSet<&str> = near.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, BTreeSet::from(["GEN", "pageviews", "PAGEVIEWS", "CTAS_VIEWS_1", "VIEWS"]));
        assert_eq!(near.edges.len(), 4);
        let only = l.around("other <b>&").unwrap();
        assert_eq!(only.nodes.len(), 1);
        assert!(l.around("nope").is_none());
        assert!(render_lineage(&Lineage::default(), "x").data.get("image/svg+xml").is_none());
    }
}
