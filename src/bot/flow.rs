//! One bot turn, in priority order: a request for a person, a division's
//! trigger, feedback on the last answer, small talk, then the knowledge
//! base. Failures (a KB miss, "that didn't help", the same question again)
//! are counted on the conversation; enough of them hand over.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use baton_channel::BoxFuture;
use serde_json::json;

use super::intent::{Analyzed, HumanRequestDetector, SmallTalk};
use super::kb::Kb;
use super::llm::{Llm, LlmAnswer};
use super::replies::{
    Lang, Line, MAX_WITH_BUTTONS_CHARS, NO_ID, YES_ID, feedback_buttons, fit, line,
};
use super::text::{guess_lang, tokens};
use super::{BotConfig, summary};
use super::{BotTurn, HandoverRequest, OutboundDraft};
use crate::conversation::{Author, Message, MessageKind};
use crate::handover::{Division, DivisionMatcher};
use crate::router::{Bot, BotContext};
use crate::store::Store;

type DivisionCache = Option<(Instant, Arc<Vec<Division>>, Arc<DivisionMatcher>)>;

pub struct KbBot {
    kb: Arc<Kb>,
    store: Store,
    human: HumanRequestDetector,
    llm: Option<Llm>,
    config: BotConfig,
    divisions: Mutex<DivisionCache>,
}

/// What the customer's message turned out to be.
enum Outcome {
    Reply(Vec<OutboundDraft>, Option<i64>),
    Handover(&'static str, Option<String>, i64),
}

impl KbBot {
    pub fn new(
        kb: Arc<Kb>,
        store: Store,
        human: HumanRequestDetector,
        llm: Option<Llm>,
        config: BotConfig,
    ) -> KbBot {
        KbBot {
            kb,
            store,
            human,
            llm,
            config,
            divisions: Mutex::new(None),
        }
    }

    /// Forgets cached divisions (after the admin API changed them).
    pub fn invalidate_divisions(&self) {
        *self.divisions.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    async fn divisions(&self) -> (Arc<Vec<Division>>, Arc<DivisionMatcher>) {
        if let Some((at, list, matcher)) =
            &*self.divisions.lock().unwrap_or_else(|p| p.into_inner())
        {
            if at.elapsed() < self.config.divisions_ttl {
                return (list.clone(), matcher.clone());
            }
        }
        let list = match self.store.divisions().await {
            Ok(l) => Arc::new(l),
            Err(e) => {
                tracing::warn!(error = %e, "reading divisions failed; routing without them");
                Arc::new(Vec::new())
            }
        };
        let matcher = Arc::new(DivisionMatcher::new(&list));
        *self.divisions.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), list.clone(), matcher.clone()));
        (list, matcher)
    }

    async fn turn(&self, ctx: &BotContext) -> BotTurn {
        let text = ctx.message.text.as_deref().unwrap_or("").trim().to_string();
        let lang = conversation_lang(&text, &ctx.history);
        let failures = ctx.conversation.failure_count;
        let previous_bot = ctx
            .history
            .iter()
            .rev()
            .filter(|m| m.id != ctx.message.id)
            .find(|m| m.author == Author::Bot);
        let outcome = self.decide(ctx, &text, lang, failures, previous_bot).await;
        match outcome {
            Outcome::Reply(replies, failure_count) => BotTurn {
                replies,
                failure_count,
                handover: None,
            },
            Outcome::Handover(reason, division, failure_count) => {
                let division = match division {
                    Some(d) => Some(d),
                    None => self.division_for(ctx, &text).await,
                };
                let summary = self.summary(ctx, reason).await;
                BotTurn {
                    replies: Vec::new(),
                    failure_count: Some(failure_count),
                    handover: Some(HandoverRequest {
                        reason: reason.to_string(),
                        division,
                        summary: Some(summary),
                    }),
                }
            }
        }
    }

    async fn decide(
        &self,
        ctx: &BotContext,
        text: &str,
        lang: Lang,
        failures: i64,
        previous_bot: Option<&Message>,
    ) -> Outcome {
        let say = |l: Line| vec![draft(line(l, lang), None)];
        // A button reply carries its id; a typed reply is read as text.
        let button = ctx
            .message
            .meta
            .as_ref()
            .and_then(|m| m.get("button_id"))
            .and_then(|v| v.as_str());
        match ctx.message.kind {
            // A first contact from a "message us" entry point: say hello.
            MessageKind::System if meta_flag(&ctx.message, "request_welcome") => {
                return Outcome::Reply(say(Line::Greeting), None);
            }
            // Reactions and system notices (number changes…) need no answer.
            MessageKind::Reaction | MessageKind::System => return Outcome::Reply(Vec::new(), None),
            _ => {}
        }
        if text.is_empty() && button.is_none() {
            return Outcome::Reply(say(Line::TextOnly), None);
        }
        // Normalised once for every intent check below.
        let analyzed = Analyzed::new(text);
        if analyzed.is_human_request(&self.human) {
            return Outcome::Handover("human_requested", None, failures);
        }
        if let Some(division) = self.triggered_division(text).await {
            return Outcome::Handover("division_prompt", Some(division), failures);
        }
        // Feedback is expected after an answer's "did this help?" and after
        // the bot's own apology ("could you rephrase?").
        let asked_feedback = previous_bot
            .is_some_and(|m| meta_flag(m, "ask_feedback") || meta_flag(m, "after_failure"));
        let verdict = match button {
            Some(YES_ID) => Some(true),
            Some(NO_ID) => Some(false),
            _ if asked_feedback => analyzed.feedback(),
            _ => analyzed
                .feedback()
                .filter(|_| analyzed.small_talk().is_none()),
        };
        match verdict {
            Some(true) if asked_feedback || button.is_some() => {
                return Outcome::Reply(say(Line::Glad), Some(0));
            }
            Some(false)
                if asked_feedback
                    || button.is_some()
                    || previous_bot.is_some_and(|m| meta_has(m, "article")) =>
            {
                return self.failure(
                    failures + 1,
                    vec![apology(Line::Sorry, lang)],
                    "failed_to_resolve",
                );
            }
            _ => {}
        }
        match analyzed.small_talk() {
            Some(SmallTalk::Greeting) => return Outcome::Reply(say(Line::Greeting), None),
            Some(SmallTalk::Thanks) => return Outcome::Reply(say(Line::Welcome), Some(0)),
            Some(SmallTalk::Ack | SmallTalk::Yes | SmallTalk::No) => {
                return Outcome::Reply(say(Line::Ack), None);
            }
            None => {}
        }
        self.answer(ctx, text, lang, failures, previous_bot).await
    }

    /// Counts a failure; hands over when the budget is spent.
    fn failure(&self, count: i64, reply: Vec<OutboundDraft>, reason: &'static str) -> Outcome {
        if count >= self.config.max_failures {
            Outcome::Handover(reason, None, count)
        } else {
            Outcome::Reply(reply, Some(count))
        }
    }

    async fn answer(
        &self,
        ctx: &BotContext,
        text: &str,
        lang: Lang,
        failures: i64,
        previous_bot: Option<&Message>,
    ) -> Outcome {
        let result = self.kb.search(text);
        let mut answer: Option<(String, String, String)> = result.answer.as_ref().and_then(|hit| {
            self.kb
                .article(&hit.slug)
                .map(|a| (a.slug, a.title, a.body))
        });
        if let Some(llm) = &self.llm {
            // The model writes the answer from the top articles, or says
            // they do not cover it (a miss). On failure: the lexical answer.
            let articles: Vec<_> = result
                .hits
                .iter()
                .take(3)
                .filter_map(|h| self.kb.article(&h.slug))
                .collect();
            if !articles.is_empty() {
                match llm.answer(text, Some(lang.code()), &articles).await {
                    Ok(LlmAnswer::Answer(written)) => {
                        let top = &articles[0];
                        answer = Some((top.slug.clone(), top.title.clone(), written));
                    }
                    Ok(LlmAnswer::NoAnswer) => answer = None,
                    Err(e) => {
                        tracing::warn!(error = %e, "LLM answer failed; using the knowledge base directly")
                    }
                }
            }
        }
        let Some((slug, title, body)) = answer else {
            let count = failures + 1;
            if self.config.handover_on_kb_miss {
                return Outcome::Handover("lack_of_information", None, count);
            }
            return self.failure(
                count,
                vec![apology(Line::NoAnswer, lang)],
                "failed_to_resolve",
            );
        };
        if self.repeated(ctx, text, &slug, previous_bot) {
            return self.failure(
                failures + 1,
                vec![apology(Line::Rephrase, lang)],
                "failed_to_resolve",
            );
        }
        let body = fit(&body);
        let ask = line(Line::AskFeedback, lang);
        let reply_to = ctx.message.channel_message_id.clone();
        // One message when the answer fits above its Yes/No buttons: the
        // customer sees the question under the answer it is about, and a
        // second bubble would wait out WhatsApp's per-customer pacing.
        let together = format!("{body}\n\n{ask}");
        if together.chars().count() <= MAX_WITH_BUTTONS_CHARS {
            let mut one = draft(
                &together,
                Some(json!({"article": slug, "article_title": title, "ask_feedback": true})),
            );
            one.quick_replies = feedback_buttons(lang);
            one.reply_to = reply_to;
            return Outcome::Reply(vec![one], None);
        }
        let mut question = draft(ask, Some(json!({"ask_feedback": true, "article": slug})));
        question.quick_replies = feedback_buttons(lang);
        let mut first = draft(
            &body,
            Some(json!({"article": slug, "article_title": title})),
        );
        first.reply_to = reply_to;
        Outcome::Reply(vec![first, question], None)
    }

    /// The same question again: the same words as the customer's previous
    /// message, or the same article right after it was just given.
    fn repeated(
        &self,
        ctx: &BotContext,
        text: &str,
        slug: &str,
        previous_bot: Option<&Message>,
    ) -> bool {
        let previous_customer = ctx
            .history
            .iter()
            .rev()
            .filter(|m| m.id != ctx.message.id && m.author == Author::Customer)
            .find_map(|m| m.text.as_deref());
        let same_words = previous_customer.is_some_and(|p| {
            let (a, b) = (tokens(p), tokens(text));
            !a.is_empty() && a == b
        });
        let same_article = previous_bot
            .and_then(|m| {
                m.meta
                    .as_ref()?
                    .get("article")?
                    .as_str()
                    .map(str::to_string)
            })
            .is_some_and(|s| s == slug);
        same_words || same_article
    }

    async fn triggered_division(&self, text: &str) -> Option<String> {
        let (list, matcher) = self.divisions().await;
        if matcher.is_empty() {
            return None;
        }
        if let Some(llm) = &self.llm {
            match llm.route(text, &list).await {
                Ok(choice) => return choice,
                Err(e) => {
                    tracing::warn!(error = %e, "LLM routing failed; matching divisions by keywords")
                }
            }
        }
        matcher.trigger(text).map(|s| s.name)
    }

    /// The division for a handover that no trigger chose: the best match
    /// over the conversation, else the default, else the first division.
    async fn division_for(&self, ctx: &BotContext, text: &str) -> Option<String> {
        let (list, matcher) = self.divisions().await;
        let texts: Vec<&str> = ctx
            .history
            .iter()
            .filter(|m| m.author == Author::Customer)
            .filter_map(|m| m.text.as_deref())
            .collect();
        let hint = self
            .kb
            .search(text)
            .hits
            .first()
            .and_then(|h| self.kb.article(&h.slug))
            .and_then(|a| a.division);
        matcher
            .best(&texts, hint.as_deref())
            .or_else(|| {
                let default = self.config.default_division.as_ref()?;
                list.iter()
                    .find(|d| d.name.eq_ignore_ascii_case(default))
                    .map(|d| d.name.clone())
            })
            .or_else(|| list.first().map(|d| d.name.clone()))
    }

    async fn summary(&self, ctx: &BotContext, reason: &str) -> String {
        if let Some(llm) = &self.llm {
            let transcript: String = ctx
                .history
                .iter()
                .filter_map(|m| m.text.as_deref().map(|t| format!("{}: {t}\n", m.author)))
                .collect();
            match llm.summarize(&transcript, reason).await {
                Ok(s) => return s,
                Err(e) => {
                    tracing::warn!(error = %e, "LLM summary failed; using the extractive one")
                }
            }
        }
        summary::extractive(&ctx.history, reason)
    }
}

impl Bot for KbBot {
    fn respond<'a>(&'a self, ctx: &'a BotContext) -> BoxFuture<'a, BotTurn> {
        Box::pin(self.turn(ctx))
    }
}

fn draft(text: &str, meta: Option<serde_json::Value>) -> OutboundDraft {
    OutboundDraft {
        text: text.to_string(),
        quick_replies: Vec::new(),
        reply_to: None,
        meta,
    }
}

/// A line after a failure; the customer's next "no" is feedback on it.
fn apology(l: Line, lang: Lang) -> OutboundDraft {
    draft(line(l, lang), Some(json!({"after_failure": true})))
}

fn meta_has(m: &Message, key: &str) -> bool {
    m.meta.as_ref().is_some_and(|v| v.get(key).is_some())
}

fn meta_flag(m: &Message, key: &str) -> bool {
    m.meta
        .as_ref()
        .and_then(|v| v.get(key))
        .and_then(|v| v.as_bool())
        == Some(true)
}

/// The language to answer in: this message's, else the conversation's
/// latest recognisable one, else English.
fn conversation_lang(text: &str, history: &[Message]) -> Lang {
    Lang::from_code(guess_lang(text))
        .or_else(|| {
            history
                .iter()
                .rev()
                .filter(|m| m.author == Author::Customer && m.kind == MessageKind::Text)
                .find_map(|m| Lang::from_code(guess_lang(m.text.as_deref()?)))
        })
        .unwrap_or(Lang::En)
}
