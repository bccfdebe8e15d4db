//! The small closed vocabularies shared by channels, storage and the API.

/// Declares a string-backed enum with `as_str`, `FromStr`, `Display` and
/// serde in snake_case, so the database, JSON and logs all use one spelling.
/// (Users of the macro depend on `serde` themselves.)
#[macro_export]
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} `{other}` (expected one of: {})",
                        stringify!($name).to_lowercase(),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// The channel a conversation lives on; replies always go back on it.
    ChannelKind {
        Whatsapp = "whatsapp",
        Widget = "widget",
        Email = "email",
        Api = "api",
    }
);

string_enum!(
    /// What a message carries.
    MessageKind {
        Text = "text",
        Image = "image",
        Audio = "audio",
        Video = "video",
        Document = "document",
        Sticker = "sticker",
        Location = "location",
        Contacts = "contacts",
        Interactive = "interactive",
        Reaction = "reaction",
        Order = "order",
        System = "system",
        Unsupported = "unsupported",
    }
);

string_enum!(
    /// How far an outbound message got.
    Delivery {
        Queued = "queued",
        Sent = "sent",
        Delivered = "delivered",
        Read = "read",
        Failed = "failed",
    }
);

impl Delivery {
    /// Progress order: statuses arrive duplicated and out of order, and a
    /// message must never move backwards (a late `sent` after `read`).
    /// `failed` ranks above `sent` but below `delivered`: a provider can
    /// report failure after accepting a message, but never after the
    /// customer's phone confirmed it.
    pub fn rank(self) -> u8 {
        match self {
            Delivery::Queued => 0,
            Delivery::Sent => 1,
            Delivery::Failed => 2,
            Delivery::Delivered => 3,
            Delivery::Read => 4,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_spelling() {
        for k in MessageKind::ALL {
            assert_eq!(k.as_str().parse::<MessageKind>().unwrap(), *k);
        }
        for c in ChannelKind::ALL {
            assert_eq!(c.as_str().parse::<ChannelKind>().unwrap(), *c);
            assert_eq!(
                serde_json::to_string(c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
        }
        let err = "fax".parse::<ChannelKind>().unwrap_err();
        assert!(err.contains("whatsapp, widget, email, api"), "{err}");
    }

    #[test]
    fn delivery_rank_never_goes_back_from_read() {
        assert!(Delivery::Read.rank() > Delivery::Delivered.rank());
        assert!(Delivery::Delivered.rank() > Delivery::Failed.rank());
        assert!(Delivery::Failed.rank() > Delivery::Sent.rank());
        assert!(Delivery::Sent.rank() > Delivery::Queued.rank());
    }
}
