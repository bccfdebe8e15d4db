//! Real conversations through the API channel with the knowledge-base bot
//! and the demo KB: answers, feedback, failures, handovers, divisions,
//! silence when the bot does not own the conversation, and the LLM path.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use baton::conversation::SystemClock;
use baton::store::Store;
use common::llm::{self, FakeLlm};
use common::receiver::Receiver;
use common::{Backend, Setup, TestApp, wait_until};
use serde_json::{Value, json};

async fn start(backend: Backend, rx: &Receiver, extra: &[(&str, &str)]) -> TestApp {
    let mut setup = Setup::new(backend)
        .with_kb_bot()
        .callback(&rx.url("/cb"), "secret");
    for (k, v) in extra {
        setup = setup.arg(k, v);
    }
    setup.start().await
}

/// Sends a customer message and waits until the bot has handled it
/// (routed), returning the conversation afterwards.
async fn say(app: &TestApp, conv_handle: &str, id: &str, text: &str) -> Value {
    let r: Value = app
        .inbound(id, conv_handle, text)
        .await
        .json()
        .await
        .unwrap();
    let conv = r["conversation_id"].as_i64().unwrap();
    app.wait_routed(id).await;
    app.conversation(conv).await
}

fn bot_texts(c: &Value) -> Vec<String> {
    c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["author"] == "bot")
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect()
}

async fn answers_then_yes_resets_failures(backend: Backend) {
    let rx = Receiver::start().await;
    let app = start(backend, &rx, &[("handover-on-kb-miss", "false")]).await;
    let c = say(
        &app,
        "+62811",
        "a1",
        "what's the weather like in paris today",
    )
    .await;
    assert_eq!(c["failure_count"], 1, "a KB miss counts");
    assert_eq!(c["status"], "bot");
    let c = say(
        &app,
        "+62811",
        "a2",
        "how long does delivery take to surabaya?",
    )
    .await;
    let texts = bot_texts(&c);
    let kb = app.get_json("/api/v1/kb/articles/shipping-times").await;
    assert_eq!(
        texts.last().unwrap(),
        &format!(
            "{}\n\nDid this answer your question?",
            kb["body"].as_str().unwrap()
        ),
        "answers with the article and asks about it in the same message"
    );
    let question = c["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(question["author"], "bot");
    let c = say(&app, "+62811", "a3", "yes").await;
    assert_eq!(c["failure_count"], 0, "a yes resets the count");
    // The callback got the quick replies with the question.
    wait_until("replies delivered", || async { rx.accepted().len() >= 3 }).await;
    let with_buttons = rx
        .accepted()
        .iter()
        .find(|r| {
            r.json()["data"]["text"]
                .as_str()
                .is_some_and(|t| t.ends_with("Did this answer your question?"))
        })
        .cloned()
        .unwrap();
    let titles: Vec<String> = with_buttons.json()["data"]["quick_replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(titles, ["Yes", "No"]);
    app.stop().await;
}

async fn two_failures_hand_over(backend: Backend) {
    let rx = Receiver::start().await;
    let app = start(backend, &rx, &[("handover-on-kb-miss", "false")]).await;
    let c = say(&app, "+62812", "f1", "berapa lama pengiriman ke medan?").await;
    assert_eq!(c["status"], "bot");
    assert!(
        bot_texts(&c)
            .last()
            .unwrap()
            .ends_with("\n\nApakah jawaban ini membantu?"),
        "answers in Indonesian"
    );
    let c = say(&app, "+62812", "f2", "bukan itu, ga membantu").await;
    assert_eq!(c["failure_count"], 1);
    assert_eq!(c["status"], "bot");
    let c = say(&app, "+62812", "f3", "masih ga membantu").await;
    assert_eq!(c["status"], "pending", "{c}");
    assert_eq!(c["failure_count"], 2);
    let h = &c["handovers"][0];
    assert_eq!(h["reason"], "failed_to_resolve");
    assert!(
        h["summary"].as_str().unwrap().contains("Customer asked"),
        "{h}"
    );
    app.stop().await;
}

async fn kb_miss_hands_over_at_once(backend: Backend) {
    let rx = Receiver::start().await;
    let app = start(backend, &rx, &[]).await;
    let c = say(
        &app,
        "+62813",
        "m1",
        "can I pay with bitcoin from my cold wallet",
    )
    .await;
    assert_eq!(c["status"], "pending");
    assert_eq!(c["handovers"][0]["reason"], "lack_of_information");
    assert!(
        bot_texts(&c).is_empty(),
        "the bot itself says nothing; the handover message is the engine's"
    );
    app.stop().await;
}

async fn human_requests_hand_over_in_both_languages(backend: Backend) {
    let rx = Receiver::start().await;
    let app = start(backend, &rx, &[]).await;
    for (handle, text) in [
        ("+62814", "can I talk to a real person please"),
        ("+62815", "mau ngomong sama admin dong kak"),
    ] {
        let c = say(&app, handle, handle, text).await;
        assert_eq!(c["status"], "pending", "{text}");
        assert_eq!(c["handovers"][0]["reason"], "human_requested", "{text}");
    }
    app.stop().await;
}

async fn complaint_goes_to_its_division(backend: Backend) {
    let rx = Receiver::start().await;
    let app = start(backend, &rx, &[]).await;
    for (name, prompt) in [
        (
            "Sales",
            "Hand over when the customer wants a bulk or wholesale quote",
        ),
        ("Complaints", "Alihkan ke agent jika user memiliki keluhan"),
    ] {
        let r = app
            .post("/api/v1/divisions")
            .json(&json!({"name": name, "prompt": prompt}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let c = say(
        &app,
        "+62816",
        "c1",
        "saya mau komplain, paket saya datang dalam keadaan rusak",
    )
    .await;
    assert_eq!(c["status"], "pending");
    assert_eq!(c["division"], "Complaints");
    assert_eq!(c["handovers"][0]["reason"], "division_prompt");
    // Other handovers go to the best match, else the first division.
    let c = say(&app, "+62817", "c2", "talk to a human").await;
    assert_eq!(c["division"], "Sales");
    app.stop().await;
}

async fn bot_is_silent_unless_it_owns_the_conversation(backend: Backend) {
    let rx = Receiver::start().await;
    let app = start(backend, &rx, &[]).await;
    let c = say(&app, "+62818", "s1", "agent please").await;
    assert_eq!(c["status"], "pending");
    let id = c["id"].as_i64().unwrap();
    let c = say(&app, "+62818", "s2", "how long does shipping take?").await;
    assert!(bot_texts(&c).is_empty(), "silent while pending");
    let store = Store::open(&app.database_url, 1, Arc::new(SystemClock))
        .await
        .unwrap();
    app.takeover(id).await;
    let c = say(&app, "+62818", "s3", "how long does shipping take?").await;
    assert!(bot_texts(&c).is_empty(), "silent while open");
    // Back to the bot but paused for an hour: still silent.
    let until = store.now() + 3_600_000;
    store
        .db()
        .execute(
            "UPDATE conversations SET status = 'bot', paused_until = $2 WHERE id = $1",
            baton::params![id, until],
        )
        .await
        .unwrap();
    let c = say(&app, "+62818", "s4", "how long does shipping take?").await;
    assert!(bot_texts(&c).is_empty(), "silent while paused");
    // Pause over: it answers again.
    store
        .db()
        .execute(
            "UPDATE conversations SET paused_until = $2 WHERE id = $1",
            baton::params![id, store.now() - 1],
        )
        .await
        .unwrap();
    let c = say(&app, "+62818", "s5", "how long does shipping take?").await;
    assert!(!bot_texts(&c).is_empty(), "answers once unpaused");
    store.close().await;
    app.stop().await;
}

async fn llm_answers_and_falls_back(backend: Backend) {
    let rx = Receiver::start().await;
    let fake = FakeLlm::start().await;
    let app = start(
        backend,
        &rx,
        &[
            ("llm-base-url", &fake.base_url()),
            ("llm-timeout", "1s"),
            ("llm-api-key", "sk-test"),
        ],
    )
    .await;
    // (a) The model writes the answer from the articles.
    let c = say(
        &app,
        "+62819",
        "l1",
        "how long does delivery take to surabaya?",
    )
    .await;
    assert_eq!(
        bot_texts(&c)[0],
        "LLM says: shipping takes 2-3 days.\n\nDid this answer your question?"
    );
    let answer_req = fake
        .requests
        .lock()
        .unwrap()
        .iter()
        .find(|b| {
            b["messages"][0]["content"]
                .as_str()
                .unwrap()
                .contains("NO_ANSWER")
        })
        .cloned()
        .unwrap();
    assert!(
        answer_req["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("Knowledge-base articles")
    );
    // The model failing: the plain KB answer, within the timeout.
    for mode in [llm::ERROR_500, llm::SLOW, llm::RATE_LIMITED] {
        fake.mode.store(mode, Ordering::SeqCst);
        let handle = format!("+6282{mode}");
        let c = say(
            &app,
            &handle,
            &format!("l-fail-{mode}"),
            "how long does delivery take to surabaya?",
        )
        .await;
        let texts = bot_texts(&c);
        assert!(
            texts
                .last()
                .unwrap()
                .ends_with("Did this answer your question?"),
            "mode {mode}: {texts:?}"
        );
        assert_ne!(texts[0], "LLM says: shipping takes 2-3 days.");
    }
    // (b) NO_ANSWER is a KB miss; (c) the summary is the model's.
    fake.mode.store(llm::NO_ANSWER, Ordering::SeqCst);
    let c = say(
        &app,
        "+62830",
        "l2",
        "how long does delivery take to surabaya?",
    )
    .await;
    assert_eq!(c["status"], "pending");
    assert_eq!(c["handovers"][0]["reason"], "lack_of_information");
    assert_eq!(
        c["handovers"][0]["summary"],
        "LLM summary: the customer wants help."
    );
    // (d) Division routing by the model.
    app.post("/api/v1/divisions")
        .json(&json!({"name": "Billing", "prompt": "double charges and invoices"}))
        .send()
        .await
        .unwrap();
    *fake.route_to.lock().unwrap() = Some("Billing".into());
    fake.mode.store(llm::OK, Ordering::SeqCst);
    let c = say(&app, "+62831", "l3", "you took my money twice").await;
    assert_eq!(c["status"], "pending");
    assert_eq!(c["division"], "Billing");
    assert_eq!(c["handovers"][0]["reason"], "division_prompt");
    // Every call to the model carried LLM_API_KEY as a bearer token.
    let auth = fake.authorizations.lock().unwrap().clone();
    assert!(!auth.is_empty());
    assert!(auth.iter().all(|a| a == "Bearer sk-test"), "{auth:?}");
    app.stop().await;
}

on_both_backends!(
    answers_then_yes_resets_failures,
    two_failures_hand_over,
    kb_miss_hands_over_at_once,
    human_requests_hand_over_in_both_languages,
    complaint_goes_to_its_division,
    bot_is_silent_unless_it_owns_the_conversation,
    llm_answers_and_falls_back,
);
