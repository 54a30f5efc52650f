//! The magics the kernel knows: name, arguments, what each does. The source of `%help`
//! (magics.rs) and of magic completion (editor.rs), kept apart from both so neither imports
//! the other.

/// Name, arguments, what it does: the source of `%help` and of magic completion.
pub const MAGICS: &[(&str, &str, &str)] = &[
    (
        "connect",
        "URL|PROFILE|sandbox [options]",
        "Connect to a ksqlDB server (or a profile of the config file, or the embedded sandbox) and test the \
         connection.",
    ),
    ("session", "", "Show the server, its version, authentication (secrets masked), properties and variables."),
    ("rows", "[N]", "Show or set the most rows shown for a query result or a SHOW list (default 1000)."),
    (
        "output",
        "[SIZE]",
        "Show or set the size limit of one output, e.g. 8MB (default 4MB): longer values and tables are cut, with a \
         note.",
    ),
    (
        "push",
        "[--mode auto|tail|table|changelog] [--rows N] [--interval MS] [--timeout S] [--idle S] [--background] \
         [--newest-first]",
        "Options for the push queries (EMIT CHANGES) that follow in this cell: the live view, its size, update \
         interval, when it stops, and whether it runs in the background.",
    ),
    (
        "chart",
        "line|bar|area|point x=COLUMN y=COLUMN [color=COLUMN] [title=\"TEXT\"]",
        "Draw the query results of the statements that follow in this cell as a Vega-Lite chart (push queries: \
         updated in place).",
    ),
    (
        "cleanup",
        "[--yes] [--delete-topics]",
        "Show (with --yes: run) the plan that removes what this notebook created on the server: TERMINATE its \
         queries, DROP its streams, tables, types and connectors, newest first; nothing else is touched.",
    ),
    (
        "expect",
        "[--csv] [--ordered] [--subset] [--within S]",
        "Check the next query's rows against the expected rows written under this line (a Markdown table, or CSV \
         lines): a mismatch is an error with a diff.",
    ),
    (
        "export",
        "[FILE.sql] [--migrations DIR] [--with-inserts] [--force]",
        "Show (or write to a file, or as ksql-migrations files) the persistent statements this session ran, in \
         order, under their SET/DEFINE context: deployable SQL for RUN SCRIPT or the ksqlDB CLI.",
    ),
    (
        "lineage",
        "[NAME]",
        "Draw the server's topology (connectors, topics, streams, tables, persistent queries; this notebook's \
         objects highlighted) as a static picture with a text list of its edges; NAME keeps that object's upstream \
         and downstream.",
    ),
    (
        "save",
        "FILE.csv|FILE.jsonl [--force]",
        "Write the last query result (a pull query's rows, or the rows a live view held when it ended) to a CSV or \
         JSON Lines file: NULL apart from empty text, numbers exact, times ISO-8601 UTC.",
    ),
    (
        "queries",
        "[--show N]",
        "List the push queries running in this kernel (foreground and background); --show N shows query N's live \
         view in this cell (after a page reload the old output no longer updates).",
    ),
    (
        "stop",
        "[N|all]",
        "Stop background push query N (from %queries), or all of them; their final state is shown in this cell.",
    ),
    (
        "refresh",
        "",
        "Reload the server's catalog (streams, tables, columns, topics, queries, functions) that completion and \
         Shift+Tab help use.",
    ),
    ("doc", "NAME", "Show the documentation of a function or keyword in the pager (what Shift+Tab shows)."),
    ("clear", "", "Clear the outputs shown so far by this cell."),
    ("echo", "TEXT", "Print TEXT (for notes in a notebook)."),
    ("help", "", "List the magics and the session statements."),
];
