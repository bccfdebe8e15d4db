//! An OpenAI-compatible chat-completions client (hosted APIs, llama.cpp,
//! vLLM, Ollama…) and the three questions the bot asks it. Every call is
//! bounded by a timeout; any failure returns an error and the bot falls
//! back to its non-LLM path, so the customer always gets a reply.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::article::Article;
use crate::handover::Division;

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the LLM did not answer in time")]
    Timeout,
    #[error("the LLM answered HTTP {0}")]
    Status(u16),
    #[error("the LLM request failed: {0}")]
    Request(String),
    #[error("the LLM answer could not be read: {0}")]
    Malformed(String),
}

pub struct Llm {
    client: reqwest::Client,
    url: String,
    api_key: Option<secrecy::SecretString>,
    model: String,
    timeout: Duration,
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
}

/// What the model says the answer is.
#[derive(Debug, Clone, PartialEq)]
pub enum LlmAnswer {
    Answer(String),
    /// The articles do not cover the question: a KB miss.
    NoAnswer,
}

const NO_ANSWER: &str = "NO_ANSWER";

impl Llm {
    pub fn new(
        client: reqwest::Client,
        base_url: &str,
        api_key: Option<secrecy::SecretString>,
        model: String,
        timeout: Duration,
    ) -> Llm {
        Llm {
            client,
            url: format!("{}/chat/completions", base_url.trim_end_matches('/')),
            api_key,
            model,
            timeout,
        }
    }

    /// One chat completion at temperature 0.
    pub async fn complete(
        &self,
        system: &str,
        user: &str,
        max_tokens: u32,
    ) -> Result<String, LlmError> {
        use secrecy::ExposeSecret;
        let body = json!({
            "model": self.model,
            "temperature": 0,
            "max_tokens": max_tokens,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
        });
        let mut req = self
            .client
            .post(&self.url)
            .json(&body)
            .timeout(self.timeout);
        if let Some(key) = &self.api_key {
            req = req.bearer_auth(key.expose_secret());
        }
        let resp = tokio::time::timeout(self.timeout, req.send())
            .await
            .map_err(|_| LlmError::Timeout)?
            .map_err(|e| {
                if e.is_timeout() {
                    LlmError::Timeout
                } else {
                    LlmError::Request(crate::config::redact_url(&e.to_string()))
                }
            })?;
        if !resp.status().is_success() {
            return Err(LlmError::Status(resp.status().as_u16()));
        }
        let parsed: Completion = tokio::time::timeout(self.timeout, resp.json())
            .await
            .map_err(|_| LlmError::Timeout)?
            .map_err(|e| LlmError::Malformed(e.to_string()))?;
        parsed
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .ok_or_else(|| LlmError::Malformed("no content in the first choice".into()))
    }

    /// Answers only from `articles`; says so when they do not cover it.
    pub async fn answer(
        &self,
        question: &str,
        lang: Option<&str>,
        articles: &[Article],
    ) -> Result<LlmAnswer, LlmError> {
        let system = format!(
            "You are the customer-support assistant of a shop. Answer the customer's message using ONLY \
             the knowledge-base articles provided. If they do not contain the answer, reply with exactly \
             {NO_ANSWER} and nothing else. Never invent facts, prices, dates or policies. Answer briefly \
             (at most 120 words), in plain text suitable for a chat app, in the customer's language{}.",
            match lang {
                Some("id") => " (Indonesian)",
                Some("en") => " (English)",
                _ => "",
            }
        );
        let mut user = String::from("Knowledge-base articles:\n");
        for a in articles {
            user.push_str(&format!("\n### {}\n{}\n", a.title, a.body));
        }
        user.push_str(&format!("\nCustomer message:\n{question}"));
        let text = self.complete(&system, &user, 400).await?;
        if text.contains(NO_ANSWER) {
            Ok(LlmAnswer::NoAnswer)
        } else {
            Ok(LlmAnswer::Answer(text))
        }
    }

    /// Which division's handover rule this message meets, if any.
    pub async fn route(
        &self,
        message: &str,
        divisions: &[Division],
    ) -> Result<Option<String>, LlmError> {
        if divisions.is_empty() {
            return Ok(None);
        }
        let system = "You route customer-support conversations. Each division has a rule saying when a \
             conversation must be handed to it. Decide whether the customer's message meets one of the rules. \
             Reply with JSON only: {\"division\": \"<exact division name>\"} or {\"division\": null}.";
        let mut user = String::from("Divisions:\n");
        for d in divisions {
            user.push_str(&format!(
                "- {}: {} (keywords: {})\n",
                d.name,
                d.prompt,
                d.keywords.join(", ")
            ));
        }
        user.push_str(&format!("\nCustomer message:\n{message}"));
        let text = self.complete(system, &user, 60).await?;
        let json_part = text
            .find('{')
            .and_then(|s| text.rfind('}').map(|e| &text[s..=e]))
            .ok_or_else(|| LlmError::Malformed(format!("not JSON: {text}")))?;
        let v: serde_json::Value =
            serde_json::from_str(json_part).map_err(|e| LlmError::Malformed(e.to_string()))?;
        Ok(v["division"].as_str().and_then(|name| {
            divisions
                .iter()
                .find(|d| d.name.eq_ignore_ascii_case(name.trim()))
                .map(|d| d.name.clone())
        }))
    }

    /// A short summary of the conversation for the agent taking over.
    pub async fn summarize(&self, transcript: &str, reason: &str) -> Result<String, LlmError> {
        let system = "Summarize this customer-support conversation for the human agent who takes it over, \
             in at most three sentences: what the customer wants, what the bot answered, and why it is handed over.";
        let user = format!("Handover reason: {reason}\n\nConversation:\n{transcript}");
        self.complete(system, &user, 200).await
    }
}
