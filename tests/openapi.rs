//! The OpenAPI document at `GET /api/v1/openapi.json` lists every route the
//! router serves, and nothing it does not.
//!
//! Two independent checks, so neither a forgotten annotation nor a stale
//! one can pass:
//! - the source: every `.route("PATH", get(..).post(..))` under `src/` (with
//!   the prefix its module is nested under in `src/http/mod.rs`) is in the
//!   document with the same methods, and every documented operation is
//!   one of them;
//! - the running app: every documented operation is answered by a handler,
//!   not by the router's "no such endpoint" 404 or its 405.
//!
//! A new route therefore needs a `#[utoipa::path]` on its handler and its
//! name in its module's `Doc` (and a new module's `Doc` in
//! `http::openapi::document`).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{Backend, Setup};
use regex::Regex;
use serde_json::Value;

type Operation = (String, String); // (METHOD, path)

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text between the parenthesis at `open` and its match.
fn balanced(text: &str, open: usize) -> &str {
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses after byte {open}");
}

/// Prefix each module's routes are served under, read from the router in
/// `src/http/mod.rs`: modules merged into the router that is `.nest`ed get
/// its prefix, the others none.
fn prefixes(mod_rs: &str) -> BTreeMap<String, String> {
    let nest = Regex::new(r#"\.nest\(\s*"([^"]+)",\s*(\w+)\s*\)"#).expect("regex");
    let caps = nest
        .captures(mod_rs)
        .expect("src/http/mod.rs nests the API router");
    let (prefix, var) = (caps[1].to_string(), caps[2].to_string());
    let decl = Regex::new(&format!(r"let {var} = ([^;]+);")).expect("regex");
    let api = decl
        .captures(mod_rs)
        .expect("the nested router's declaration")[1]
        .to_string();
    let merged = Regex::new(r"(\w+)::routes\(\)").expect("regex");
    merged
        .captures_iter(&api)
        .map(|c| (c[1].to_string(), prefix.clone()))
        .collect()
}

/// Every route registered in `src/`, as (METHOD, full path).
fn served_routes() -> BTreeSet<Operation> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let prefixes =
        prefixes(&std::fs::read_to_string(src.join("http/mod.rs")).expect("read mod.rs"));
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let route = Regex::new(r#"\.route\(\s*""#).expect("regex");
    let unsupported =
        Regex::new(r"\.(route_service|nest_service|fallback_service)\(").expect("regex");
    let path_lit = Regex::new(r#"^\s*"([^"]+)"\s*,"#).expect("regex");
    let method =
        Regex::new(r"\b(get|post|put|delete|patch|head|options|trace|any)\s*\(").expect("regex");
    let mut out = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        assert!(
            !unsupported.is_match(&text),
            "{}: a service route cannot be checked against the OpenAPI document; \
             extend tests/openapi.rs",
            file.display()
        );
        let module = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let prefix = prefixes.get(&module).cloned().unwrap_or_default();
        for m in route.find_iter(&text) {
            let args = balanced(&text, m.start() + ".route".len());
            let path = &path_lit.captures(args).expect("a path literal")[1];
            let handlers = &args[args.find(',').expect("a method router") + 1..];
            let mut n = 0;
            for c in method.captures_iter(handlers) {
                let verb = c[1].to_uppercase();
                assert_ne!(
                    verb,
                    "ANY",
                    "{}: `any(..)` on {path}: document each method",
                    file.display()
                );
                out.insert((verb, format!("{prefix}{path}")));
                n += 1;
            }
            assert!(n > 0, "{}: no method found for {path}", file.display());
        }
    }
    out
}

fn documented(doc: &Value) -> BTreeSet<Operation> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().expect("path item") {
            if [
                "get", "post", "put", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_lists_every_served_route() {
    let app = Setup::new(Backend::Sqlite).start().await;
    // Public: no token.
    let r = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let doc: Value = r.json().await.expect("json");
    assert!(
        doc["openapi"].as_str().unwrap_or("").starts_with("3."),
        "{}",
        doc["openapi"]
    );

    let served = served_routes();
    let listed = documented(&doc);
    assert!(
        served.len() > 30,
        "the source scan found routes: {served:?}"
    );
    let missing: Vec<_> = served.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "served but not in the OpenAPI document: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "in the OpenAPI document but not served: {stale:?}"
    );

    // Every documented operation reaches a handler, and every `/api/v1` one
    // documents the error shape.
    for (method, path) in &listed {
        let url = app.url(
            &path
                .replace("{id}", "999999")
                .replace('{', "x")
                .replace('}', ""),
        );
        let r = app
            .client
            .request(method.parse().expect("method"), &url)
            .bearer_auth(common::ADMIN)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let text = if path == "/api/v1/events" {
            String::new() // an endless stream: its status says enough
        } else {
            r.text().await.unwrap_or_default()
        };
        assert_ne!(status, 405, "{method} {path}: {text}");
        assert!(
            !(status == 404 && text.contains("no such endpoint")),
            "{method} {path} is not routed: {text}"
        );
        if path.starts_with("/api/v1/") && path != "/api/v1/openapi.json" {
            let responses = &doc["paths"][path][method.to_lowercase()]["responses"];
            let refs_error = responses.as_object().expect("responses").values().any(|r| {
                r["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .is_some_and(|s| s.ends_with("/ErrorBody"))
            });
            assert!(
                refs_error,
                "{method} {path} documents no error: {responses}"
            );
        }
    }
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["ErrorBody"].is_object(), "{schemas}");
    // The main request bodies are typed, e.g. starting a conversation.
    let start = &doc["paths"]["/api/v1/conversations"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["$ref"];
    assert_eq!(start, "#/components/schemas/StartBody", "{doc}");
    let required = schemas["StartBody"]["required"]
        .as_array()
        .expect("required");
    for field in ["channel", "handle", "text"] {
        assert!(required.contains(&Value::from(field)), "{required:?}");
    }
    assert!(
        doc["components"]["securitySchemes"]["bearer"].is_object(),
        "{doc}"
    );
    app.stop().await;
}

#[test]
fn the_source_scan_sees_nested_and_chained_routes() {
    let served = served_routes();
    for op in [
        ("GET", "/healthz"),
        ("POST", "/webhooks/whatsapp"),
        ("GET", "/webhooks/whatsapp"),
        ("DELETE", "/api/v1/kb/articles/{slug}"),
        ("POST", "/api/v1/conversations"),
    ] {
        assert!(
            served.contains(&(op.0.to_string(), op.1.to_string())),
            "{op:?} in {served:?}"
        );
    }
}
