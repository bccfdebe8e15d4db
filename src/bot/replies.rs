//! The bot's own sentences, in each language it speaks.

use baton_channel::QuickReply;

/// The languages the bot's own sentences exist in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Id,
}

impl Lang {
    pub fn from_code(code: Option<&str>) -> Option<Lang> {
        match code {
            Some("en") => Some(Lang::En),
            Some("id") => Some(Lang::Id),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Id => "id",
        }
    }
}

pub enum Line {
    Greeting,
    Welcome,
    Ack,
    Glad,
    AskFeedback,
    Sorry,
    Rephrase,
    NoAnswer,
    TextOnly,
}

pub fn line(line: Line, lang: Lang) -> &'static str {
    use Lang::*;
    use Line::*;
    match (line, lang) {
        (Greeting, En) => "Hi! 👋 How can I help you today?",
        (Greeting, Id) => "Halo! 👋 Ada yang bisa kami bantu?",
        (Welcome, En) => "You're welcome! Anything else I can help with?",
        (Welcome, Id) => "Sama-sama! Ada lagi yang bisa kami bantu?",
        (Ack, En) => "👍 Anything else I can help with?",
        (Ack, Id) => "👍 Ada lagi yang bisa kami bantu?",
        (Glad, En) => "Great, glad that helped! Anything else?",
        (Glad, Id) => "Syukurlah kalau membantu! Ada lagi yang bisa kami bantu?",
        (AskFeedback, En) => "Did this answer your question?",
        (AskFeedback, Id) => "Apakah jawaban ini membantu?",
        (Sorry, En) => {
            "Sorry that didn't help. Could you tell me a bit more, in other words? You can also type \"agent\" to talk to a person."
        }
        (Sorry, Id) => {
            "Maaf kalau belum membantu. Bisa dijelaskan lagi dengan kata lain? Ketik \"admin\" jika ingin dibantu langsung oleh tim kami."
        }
        (Rephrase, En) => {
            "It looks like my answer didn't help. Could you rephrase your question? Or type \"agent\" to talk to a person."
        }
        (Rephrase, Id) => {
            "Sepertinya jawaban kami belum membantu. Bisa tulis pertanyaannya dengan kata lain? Atau ketik \"admin\" untuk dibantu tim kami."
        }
        (NoAnswer, En) => {
            "Sorry, I don't have an answer to that yet. Could you rephrase it? You can also type \"agent\" to talk to a person."
        }
        (NoAnswer, Id) => {
            "Maaf, kami belum punya jawaban untuk itu. Bisa ditulis dengan kata lain? Ketik \"admin\" untuk dibantu langsung oleh tim kami."
        }
        (TextOnly, En) => {
            "I can only read text for now. Could you write your question in a message?"
        }
        (TextOnly, Id) => {
            "Saat ini kami hanya bisa membaca pesan teks. Boleh tuliskan pertanyaannya?"
        }
    }
}

/// Identifiers of the feedback buttons; channels send them back as the
/// reply's payload.
pub const YES_ID: &str = "kb_yes";
pub const NO_ID: &str = "kb_no";

pub fn feedback_buttons(lang: Lang) -> Vec<QuickReply> {
    let (yes, no) = match lang {
        Lang::En => ("Yes", "No"),
        Lang::Id => ("Ya", "Tidak"),
    };
    vec![
        QuickReply {
            id: YES_ID.into(),
            title: yes.into(),
        },
        QuickReply {
            id: NO_ID.into(),
            title: no.into(),
        },
    ]
}

/// Longest text that can carry quick-reply buttons in one message
/// (WhatsApp's interactive body limit; a comfortable bubble elsewhere).
pub const MAX_WITH_BUTTONS_CHARS: usize = 1024;

/// Longest answer text sent in one message (WhatsApp's text limit).
pub const MAX_ANSWER_CHARS: usize = 4096;

/// Shortens an answer to the limit at a paragraph or sentence boundary.
pub fn fit(text: &str) -> String {
    if text.chars().count() <= MAX_ANSWER_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX_ANSWER_CHARS - 1).collect();
    let end = cut
        .rfind("\n\n")
        .or_else(|| cut.rfind(". ").map(|i| i + 1))
        .unwrap_or(cut.len());
    format!("{}…", cut[..end].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_answers_are_cut_at_a_boundary() {
        let para = "word ".repeat(300);
        let text = format!("{para}\n\n{para}\n\n{para}\n\n{para}");
        let out = fit(&text);
        assert!(out.chars().count() <= MAX_ANSWER_CHARS);
        assert!(out.ends_with('…'));
        assert_eq!(fit("short"), "short");
    }
}
