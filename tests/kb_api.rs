//! The knowledge base through the admin API and `baton kb import`.

mod common;

use common::{Backend, Setup, wait_until};
use serde_json::{Value, json};

async fn kb_articles_are_managed_and_searched(backend: Backend) {
    let app = Setup::new(backend).start().await;
    let list: Value = app.get_json("/api/v1/kb/articles").await;
    assert!(
        list["articles"].as_array().unwrap().len() >= 25,
        "demo KB imported at startup"
    );

    let r: Value = app
        .get_json("/api/v1/kb/search?q=berapa%20lama%20pengiriman%20ke%20medan")
        .await;
    assert_eq!(r["answer"]["slug"], "shipping-times-id");
    assert!(r["hits"].as_array().unwrap().len() >= 2);
    let r: Value = app
        .get_json("/api/v1/kb/search?q=do%20you%20repair%20motorbikes")
        .await;
    assert!(r["answer"].is_null(), "a miss: {r}");

    // Create through the API (JSON), then find it.
    let put = app.put("/api/v1/kb/articles/gift-wrap")
        .json(&json!({"title": "Do you gift wrap orders?", "body": "Yes, gift wrapping costs Rp10.000 per order; choose it at checkout.", "lang": "en", "keywords": ["gift wrap", "wrapping", "present"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 201);
    let r: Value = app
        .get_json("/api/v1/kb/search?q=can%20you%20gift%20wrap%20my%20order")
        .await;
    assert_eq!(r["answer"]["slug"], "gift-wrap", "{r}");

    // Replace with Markdown.
    let put = app.put("/api/v1/kb/articles/gift-wrap")
        .header("content-type", "text/markdown")
        .body("---\nlang: en\nkeywords: [gift wrap]\n---\n# Gift wrapping\n\nFree gift wrapping on every order.")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let a: Value = app.get_json("/api/v1/kb/articles/gift-wrap").await;
    assert_eq!(a["title"], "Gift wrapping");

    // Bad input.
    let bad = app
        .put("/api/v1/kb/articles/bad%20slug")
        .json(&json!({"title": "t", "body": "b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let bad = app
        .put("/api/v1/kb/articles/x")
        .header("content-type", "text/markdown")
        .body("no title here")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let empty = app.get("/api/v1/kb/search?q=").send().await.unwrap();
    assert_eq!(empty.status(), 422);

    // Delete.
    let del = app
        .delete("/api/v1/kb/articles/gift-wrap")
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    let del = app
        .delete("/api/v1/kb/articles/gift-wrap")
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 404);
    let r: Value = app
        .get_json("/api/v1/kb/search?q=can%20you%20gift%20wrap%20my%20order")
        .await;
    assert_ne!(r["answer"]["slug"], "gift-wrap");
    app.stop().await;
}

async fn divisions_are_managed(backend: Backend) {
    let app = Setup::new(backend).start().await;
    let r = app
        .post("/api/v1/divisions")
        .json(&json!({"name": "Billing", "prompt": "invoices", "keywords": ["invoice"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let d: Value = r.json().await.unwrap();
    let again = app
        .post("/api/v1/divisions")
        .json(&json!({"name": "Billing"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let id = d["id"].as_i64().unwrap();
    let p: Value = app
        .patch(&format!("/api/v1/divisions/{id}"))
        .json(&json!({"keywords": ["invoice", "tagihan"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p["keywords"], json!(["invoice", "tagihan"]));
    let list: Value = app.get_json("/api/v1/divisions").await;
    assert_eq!(list["divisions"].as_array().unwrap().len(), 1);
    let del = app
        .delete(&format!("/api/v1/divisions/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    let missing = app
        .patch("/api/v1/divisions/999")
        .json(&json!({"name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

async fn kb_writes_are_bounded_and_references_checked(backend: Backend) {
    let app = Setup::new(backend).start().await;
    let put = |slug: &str, body: Value| {
        app.put(&format!("/api/v1/kb/articles/{slug}"))
            .json(&body)
            .send()
    };
    let refused = |r: reqwest::Response, status: u16| async move {
        assert_eq!(r.status().as_u16(), status);
        let body: Value = r.json().await.expect("a JSON error");
        body["error"]["message"].as_str().unwrap().to_string()
    };
    let huge = json!({"title": "Big", "body": "b".repeat(2_900_000)});
    let message = refused(put("big", huge).await.unwrap(), 413).await;
    assert_eq!(message, "an article is at most 262144 bytes");
    let keywords: Vec<String> = (0..100_000).map(|i| format!("k{i}")).collect();
    let many = json!({"title": "Many", "body": "b", "keywords": keywords});
    let r = app
        .put("/api/v1/kb/articles/many")
        .json(&many)
        .send()
        .await
        .unwrap();
    // 100k keywords are over the byte limit already; 101 are over the count.
    assert_eq!(r.status(), 413);
    let keywords: Vec<String> = (0..101).map(|i| format!("k{i}")).collect();
    let message = refused(
        put(
            "many",
            json!({"title": "Many", "body": "b", "keywords": keywords}),
        )
        .await
        .unwrap(),
        422,
    )
    .await;
    assert_eq!(message, "keywords: has more than 100 entries");
    let message = refused(
        put(
            "d",
            json!({"title": "D", "body": "b", "division": "Nowhere"}),
        )
        .await
        .unwrap(),
        422,
    )
    .await;
    assert_eq!(message, "division: there is no division named `Nowhere`");
    let message = refused(
        put(
            "t",
            json!({"title": "T", "body": "b", "translation": "no-such-article"}),
        )
        .await
        .unwrap(),
        422,
    )
    .await;
    assert!(message.starts_with("translation: "), "{message}");
    // Existing references are accepted.
    app.post("/api/v1/divisions")
        .json(&json!({"name": "Billing", "prompt": "invoices and refunds"}))
        .send()
        .await
        .unwrap();
    let ok = put(
        "t",
        json!({"title": "T", "body": "b", "division": "billing", "translation": "gift-wrap-x"}),
    );
    assert_eq!(
        ok.await.unwrap().status(),
        422,
        "the original must exist first"
    );
    let original = put("orig", json!({"title": "Original", "body": "b"}));
    assert_eq!(original.await.unwrap().status(), 201);
    let ok = put(
        "t",
        json!({"title": "T", "body": "b", "division": "Billing", "translation": "orig"}),
    );
    assert_eq!(ok.await.unwrap().status(), 201);
    app.stop().await;
}

on_both_backends!(
    kb_articles_are_managed_and_searched,
    divisions_are_managed,
    kb_writes_are_bounded_and_references_checked
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kb_import_command_reaches_a_running_gateway() {
    let app = Setup::new(Backend::Sqlite).start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("loyalty.md"), "---\nlang: en\nkeywords: [loyalty points, points]\n---\n# Loyalty points\n\nEvery Rp10.000 spent earns one point.").unwrap();
    std::fs::write(dir.path().join("broken.md"), "no heading").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["kb", "import"])
        .arg(dir.path())
        .env("DATABASE_URL", &app.database_url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("imported 1 article(s)"), "{stdout}{stderr}");
    assert!(
        stderr.contains("broken.md") && stderr.contains("title"),
        "{stderr}"
    );
    assert!(
        !out.status.success(),
        "a skipped file makes the command fail"
    );
    wait_until("the gateway reloaded its index", || async {
        let r: Value = app
            .get_json("/api/v1/kb/search?q=how%20do%20loyalty%20points%20work")
            .await;
        r["answer"]["slug"] == "loyalty"
    })
    .await;
    // The demo articles came from another import and are gone now.
    let list: Value = app.get_json("/api/v1/kb/articles").await;
    assert_eq!(list["articles"].as_array().unwrap().len(), 1);
    app.stop().await;
}
