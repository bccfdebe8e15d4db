//! Sending through Meta's Graph API: message bodies for text, reply
//! buttons, lists and templates; mark-as-read with a typing indicator;
//! media download; and the classification of Graph errors by their code.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use baton_channel::{BoxFuture, Channel, ChannelKind, Delivery, Outbound, SendError, Sent};
use serde_json::{Value, json};

/// Graph error codes worth retrying: throttling, temporary service
/// trouble, rate limits (per app, per number, per pair), "try later".
pub const RETRYABLE_CODES: &[i64] = &[
    1, 2, 4, 80007, 130429, 131000, 131016, 131056, 131057, 133004,
];
/// The access token expired or was revoked.
pub const TOKEN_EXPIRED: i64 = 190;
/// The customer's 24-hour window is closed: only templates may be sent.
pub const OUTSIDE_WINDOW: i64 = 131047;

/// WhatsApp's limits on interactive messages.
const MAX_BUTTONS: usize = 3;
const MAX_ROWS: usize = 10;
const MAX_TEXT: usize = 4096;
const MAX_INTERACTIVE_BODY: usize = 1024;
const MAX_BUTTON_TITLE: usize = 20;
const MAX_ROW_TITLE: usize = 24;

#[derive(Clone)]
pub struct WhatsappChannel {
    client: reqwest::Client,
    api_base: String,
    token: Arc<String>,
    /// Phone number ids this gateway serves; the first is the default.
    numbers: Arc<Vec<String>>,
    /// Each number's `/messages` endpoint, parsed once (URL parsing showed
    /// up at a few percent of the gateway's CPU when done per send).
    message_urls: Arc<Vec<Option<reqwest::Url>>>,
    /// When Meta last said the token is expired (unix ms; 0 = never, or a
    /// later request succeeded).
    token_bad_at: Arc<AtomicU64>,
    /// See [`Channel::confirmation_wait`].
    confirmation_wait: Duration,
    /// Where media download URLs may point (see [`Self::with_media_hosts`]).
    media_hosts: Arc<Vec<String>>,
}

/// Meta's media CDN, where the media lookup's download URLs point.
pub const DEFAULT_MEDIA_HOSTS: &[&str] = &["lookaside.fbsbx.com"];

/// Percent-encodes everything but unreserved characters, so the value
/// stays one path segment (`/`, `?` and `#` cannot escape it).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The Graph API body for one outbound message.
pub fn message_body(out: &Outbound) -> Value {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": out.to.handle,
    });
    if let Some(m) = &out.media {
        let kind = m.kind.as_str();
        let mut obj = match (&m.id, &m.link) {
            (Some(id), _) => json!({"id": id}),
            (None, Some(link)) => json!({"link": link}),
            (None, None) => json!({}),
        };
        // Audio and stickers take no caption.
        if matches!(kind, "image" | "video" | "document") && !out.text.trim().is_empty() {
            obj["caption"] = json!(clip(&out.text, MAX_INTERACTIVE_BODY));
        }
        if let Some(f) = m.filename.as_ref().filter(|_| kind == "document") {
            obj["filename"] = json!(f);
        }
        body["type"] = json!(kind);
        body[kind] = obj;
    } else if let Some(t) = &out.template {
        body["type"] = json!("template");
        body["template"] = json!({"name": t.name, "language": {"code": t.language}});
    } else if !out.quick_replies.is_empty() && out.quick_replies.len() <= MAX_BUTTONS {
        let buttons: Vec<Value> = out
            .quick_replies
            .iter()
            .map(|q| json!({"type": "reply", "reply": {"id": q.id, "title": clip(&q.title, MAX_BUTTON_TITLE)}}))
            .collect();
        body["type"] = json!("interactive");
        body["interactive"] = json!({
            "type": "button",
            "body": {"text": clip(&out.text, MAX_INTERACTIVE_BODY)},
            "action": {"buttons": buttons},
        });
    } else if !out.quick_replies.is_empty() {
        let rows: Vec<Value> = out
            .quick_replies
            .iter()
            .take(MAX_ROWS)
            .map(|q| json!({"id": q.id, "title": clip(&q.title, MAX_ROW_TITLE)}))
            .collect();
        body["type"] = json!("interactive");
        body["interactive"] = json!({
            "type": "list",
            "body": {"text": clip(&out.text, MAX_INTERACTIVE_BODY)},
            "action": {"button": "Options", "sections": [{"title": "Options", "rows": rows}]},
        });
    } else {
        body["type"] = json!("text");
        body["text"] = json!({
            "body": clip(&out.text, MAX_TEXT),
            "preview_url": out.text.contains("http://") || out.text.contains("https://"),
        });
    }
    if let Some(quoted) = &out.reply_to {
        body["context"] = json!({"message_id": quoted});
    }
    // Meta echoes this back in the message's status webhooks: it names the
    // send even when the answer carrying the wamid was lost.
    body["biz_opaque_callback_data"] = json!(out.idempotency_key);
    body
}

/// Reads a Graph error response into a typed outcome.
pub fn classify_error(status: u16, body: &[u8]) -> SendError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let err = parsed.as_ref().map(|v| &v["error"]);
    let code = err.and_then(|e| e["code"].as_i64());
    let message = err
        .and_then(|e| e["message"].as_str())
        .unwrap_or("no error message")
        .to_string();
    let details = err.and_then(|e| e["error_data"]["details"].as_str());
    let reason = match details {
        Some(d) => format!("{message} ({d})"),
        None => message,
    };
    match code {
        Some(c) if RETRYABLE_CODES.contains(&c) => {
            SendError::retryable(format!("Graph error {c}: {reason}"))
        }
        Some(c) => SendError::permanent(Some(c.to_string()), format!("Graph error {c}: {reason}")),
        // No Graph error object: judge by the HTTP status.
        None if status == 429 || status >= 500 => {
            SendError::retryable(format!("Graph API answered HTTP {status}"))
        }
        None => SendError::permanent(
            Some(format!("http_{status}")),
            format!("Graph API answered HTTP {status}"),
        ),
    }
}

impl WhatsappChannel {
    pub fn new(
        client: reqwest::Client,
        api_base: &str,
        token: String,
        numbers: Vec<String>,
    ) -> Self {
        let api_base = api_base.trim_end_matches('/').to_string();
        let message_urls = numbers
            .iter()
            .map(|n| reqwest::Url::parse(&format!("{api_base}/{n}/messages")).ok())
            .collect();
        WhatsappChannel {
            client,
            api_base,
            token: Arc::new(token),
            numbers: Arc::new(numbers),
            message_urls: Arc::new(message_urls),
            token_bad_at: Arc::new(AtomicU64::new(0)),
            confirmation_wait: Duration::from_secs(30),
            media_hosts: Arc::new(DEFAULT_MEDIA_HOSTS.iter().map(|h| h.to_string()).collect()),
        }
    }

    /// How long a send whose answer was lost waits for Meta's status
    /// webhook (which echoes our key) before it is sent again.
    pub fn with_confirmation_wait(mut self, wait: Duration) -> Self {
        self.confirmation_wait = wait;
        self
    }

    /// False once Meta said the access token is expired (code 190); the
    /// gateway's readiness reports it.
    pub fn token_ok(&self) -> bool {
        self.token_bad_at.load(Ordering::Relaxed) == 0
    }

    /// The number a message leaves from: the one the conversation came in
    /// on, if we serve it, else our first.
    pub fn number_for(&self, account: Option<&str>) -> Option<&str> {
        account
            .and_then(|a| self.numbers.iter().find(|n| *n == a))
            .or_else(|| self.numbers.first())
            .map(String::as_str)
    }

    async fn post(&self, number: &str, body: &Value) -> Result<Value, SendError> {
        let url = match self.numbers.iter().position(|n| n == number) {
            Some(i) => self.message_urls[i].clone(),
            None => None,
        };
        let url = match url {
            Some(url) => url,
            None => reqwest::Url::parse(&format!("{}/{number}/messages", self.api_base))
                .map_err(|e| SendError::permanent(None, format!("bad Graph API URL: {e}")))?,
        };
        let started = now_ms();
        let resp = self
            .client
            .post(url)
            .bearer_auth(self.token.as_str())
            .json(body)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    SendError::maybe_sent("Graph API timed out")
                } else if e.is_connect() {
                    // Nothing was written: Meta cannot have it.
                    SendError::retryable(format!("Graph API request failed: {e}"))
                } else {
                    SendError::maybe_sent(format!("Graph API request failed: {e}"))
                }
            })?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(baton_channel::parse_retry_after);
        let bytes = match resp.bytes().await {
            Ok(bytes) => bytes,
            // A 2xx status means Meta took the message; only the answer
            // carrying its id was lost. The Cloud API has no idempotency
            // key, so sending again would reach the customer twice: it
            // counts as sent, without an id (its status webhooks, which echo
            // our key, supply it later).
            Err(_) if (200..300).contains(&status) => Default::default(),
            Err(e) => {
                return Err(SendError::retryable(format!(
                    "reading the Graph API answer failed: {e}"
                )));
            }
        };
        if (200..300).contains(&status) {
            // Only a request that started after the last 190 proves the token
            // works again (an older one may finish later).
            let bad = self.token_bad_at.load(Ordering::Relaxed);
            if bad != 0 && started > bad {
                let _ = self.token_bad_at.compare_exchange(
                    bad,
                    0,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
            }
            return Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null));
        }
        let mut err = classify_error(status, &bytes);
        // Meta may say how long to back off (429, throttling codes); waiting
        // less only earns another refusal.
        if let SendError::Retryable {
            retry_after: wait @ None,
            ..
        } = &mut err
        {
            *wait = retry_after;
        }
        if matches!(&err, SendError::Permanent { code: Some(c), .. } if c == "190") {
            self.token_bad_at.store(now_ms().max(1), Ordering::Relaxed);
        }
        Err(err)
    }

    /// Marks a customer message read and shows "typing…" until our reply
    /// (or 25 s). Best effort: failures are only logged by the caller.
    pub async fn mark_read_typing(
        &self,
        account: Option<&str>,
        wamid: &str,
    ) -> Result<(), SendError> {
        let number = self
            .number_for(account)
            .ok_or_else(|| SendError::permanent(None, "no WhatsApp number configured"))?;
        let body = json!({
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": wamid,
            "typing_indicator": {"type": "text"},
        });
        self.post(number, &body).await.map(|_| ())
    }

    /// Hosts (besides the Graph API base's own) that media download URLs
    /// may point at; the access token is sent to no other. An entry also
    /// covers its subdomains.
    pub fn with_media_hosts(mut self, hosts: Vec<String>) -> Self {
        self.media_hosts = Arc::new(hosts);
        self
    }

    fn media_host_allowed(&self, url: &reqwest::Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let base = reqwest::Url::parse(&self.api_base).ok();
        // The token travels encrypted: https, or whatever the Graph base
        // itself uses (a local stand-in in tests).
        let scheme_ok =
            url.scheme() == "https" || base.as_ref().is_some_and(|b| b.scheme() == url.scheme());
        if !scheme_ok {
            return false;
        }
        let base_host = base.and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        base_host.as_deref() == Some(host.as_str())
            || self.media_hosts.iter().any(|h| {
                let h = h.to_ascii_lowercase();
                host == h
                    || host
                        .strip_suffix(h.as_str())
                        .is_some_and(|sub| sub.ends_with('.'))
            })
    }

    /// Meta's two-step media download: the media id's short-lived URL, then
    /// the bytes from it; both requests carry the access token. The id is
    /// one path segment however it is spelled, and a download URL on a host
    /// outside the allowed ones is refused: the token goes to Meta only.
    pub async fn download_media(
        &self,
        media_id: &str,
    ) -> Result<(String, reqwest::Response), SendError> {
        if matches!(media_id, "" | "." | "..") {
            return Err(SendError::permanent(None, "invalid media id"));
        }
        let meta_url =
            reqwest::Url::parse(&format!("{}/{}", self.api_base, encode_segment(media_id)))
                .map_err(|e| SendError::permanent(None, format!("bad media lookup URL: {e}")))?;
        let info = self
            .client
            .get(meta_url)
            .bearer_auth(self.token.as_str())
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .map_err(|e| SendError::retryable(format!("media lookup failed: {e}")))?;
        let status = info.status().as_u16();
        let bytes = info
            .bytes()
            .await
            .map_err(|e| SendError::retryable(format!("media lookup failed: {e}")))?;
        if !(200..300).contains(&status) {
            return Err(classify_error(status, &bytes));
        }
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| SendError::permanent(None, format!("unreadable media lookup: {e}")))?;
        let url = v["url"]
            .as_str()
            .and_then(|u| reqwest::Url::parse(u).ok())
            .ok_or_else(|| SendError::permanent(None, "media lookup without a valid url"))?;
        if !self.media_host_allowed(&url) {
            return Err(SendError::permanent(
                None,
                format!(
                    "media download URL on host {} refused: not a Meta media host (WHATSAPP_MEDIA_HOSTS)",
                    url.host_str().unwrap_or("?")
                ),
            ));
        }
        let mime = v["mime_type"]
            .as_str()
            .unwrap_or("application/octet-stream")
            .to_string();
        let file = self
            .client
            .get(url)
            .bearer_auth(self.token.as_str())
            .send()
            .await
            .map_err(|e| SendError::retryable(format!("media download failed: {e}")))?;
        if !file.status().is_success() {
            return Err(SendError::permanent(
                Some(format!("http_{}", file.status().as_u16())),
                "media download refused",
            ));
        }
        Ok((mime, file))
    }
}

impl Channel for WhatsappChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Whatsapp
    }

    /// Meta reports an accepted message's `sent` status within seconds,
    /// echoing `biz_opaque_callback_data` (our idempotency key).
    fn confirmation_wait(&self) -> Option<Duration> {
        Some(self.confirmation_wait)
    }

    /// Rate limits are per business phone number.
    fn destination(&self, out: &Outbound) -> String {
        self.number_for(out.account.as_deref())
            .unwrap_or_default()
            .to_string()
    }

    fn send<'a>(&'a self, out: &'a Outbound) -> BoxFuture<'a, Result<Sent, SendError>> {
        Box::pin(async move {
            let number = self
                .number_for(out.account.as_deref())
                .ok_or_else(|| SendError::permanent(None, "no WhatsApp number configured"))?;
            let answer = self.post(number, &message_body(out)).await?;
            let wamid = answer["messages"][0]["id"].as_str().map(str::to_string);
            Ok(Sent {
                channel_message_id: wamid,
                delivery: Delivery::Sent,
                detail: Some("200".into()),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_channel::{ContactRef, QuickReply, Template};

    fn out(text: &str, buttons: usize) -> Outbound {
        Outbound {
            message_id: 1,
            conversation_id: 1,
            idempotency_key: "k".into(),
            to: ContactRef {
                handle: "5511987654321".into(),
                name: None,
            },
            account: Some("106540352242922".into()),
            author: "bot".into(),
            text: text.into(),
            reply_to: None,
            quick_replies: (0..buttons)
                .map(|i| QuickReply {
                    id: format!("b{i}"),
                    title: format!("Choice number {i} with a long title"),
                })
                .collect(),
            created_at_ms: 0,
            template: None,
            media: None,
        }
    }

    #[test]
    fn bodies_by_shape() {
        let t = message_body(&out("see https://x.example", 0));
        assert_eq!(t["type"], "text");
        assert_eq!(
            t["to"], "5511987654321",
            "the number is sent exactly as received"
        );
        assert_eq!(t["text"]["preview_url"], true);
        let b = message_body(&out("Did this help?", 2));
        assert_eq!(b["interactive"]["type"], "button");
        let title = b["interactive"]["action"]["buttons"][0]["reply"]["title"]
            .as_str()
            .unwrap();
        assert!(title.chars().count() <= 20);
        let l = message_body(&out("Pick one", 5));
        assert_eq!(l["interactive"]["type"], "list");
        assert_eq!(
            l["interactive"]["action"]["sections"][0]["rows"]
                .as_array()
                .unwrap()
                .len(),
            5
        );
        let mut o = out("x", 0);
        o.reply_to = Some("wamid.Q".into());
        o.template = Some(Template {
            name: "reengage".into(),
            language: "en_US".into(),
        });
        let tpl = message_body(&o);
        assert_eq!(tpl["type"], "template");
        assert_eq!(tpl["template"]["language"]["code"], "en_US");
        assert_eq!(tpl["context"]["message_id"], "wamid.Q");
        let mut doc = out("the invoice", 0);
        doc.media = Some(baton_channel::OutboundMedia {
            kind: baton_channel::MessageKind::Document,
            id: None,
            link: Some("https://files.example/inv.pdf".into()),
            filename: Some("inv.pdf".into()),
        });
        let d = message_body(&doc);
        assert_eq!(d["type"], "document");
        assert_eq!(d["document"]["link"], "https://files.example/inv.pdf");
        assert_eq!(d["document"]["caption"], "the invoice");
        assert_eq!(d["document"]["filename"], "inv.pdf");
        doc.media = Some(baton_channel::OutboundMedia {
            kind: baton_channel::MessageKind::Audio,
            id: Some("123".into()),
            link: None,
            filename: None,
        });
        let a = message_body(&doc);
        assert_eq!(a["audio"], json!({"id": "123"}), "audio takes no caption");
    }

    #[test]
    fn errors_are_classified_by_code_not_status() {
        let e = |code: i64, status: u16| {
            classify_error(status, format!(r#"{{"error":{{"message":"m","type":"OAuthException","code":{code},"error_data":{{"details":"d"}}}}}}"#).as_bytes())
        };
        for code in RETRYABLE_CODES {
            assert!(e(*code, 400).is_retryable(), "{code}");
        }
        for code in [100, 131026, 131047, 190, 131051] {
            assert!(!e(code, 500).is_retryable(), "{code}");
        }
        match e(131047, 400) {
            SendError::Permanent { code, reason } => {
                assert_eq!(code.as_deref(), Some("131047"));
                assert!(reason.contains("(d)"));
            }
            other => panic!("{other:?}"),
        }
        assert!(classify_error(503, b"<html>").is_retryable());
        assert!(!classify_error(404, b"").is_retryable());
    }
}
