//! Support-domain synonyms, English and Indonesian: words customers use
//! for the same thing ("parcel"/"paket"/"package", "broke"/"rusak"). The
//! index maps every member of a group to one term, for articles and
//! questions alike, so an answer is found whichever word either side used.
//! Groups are deliberately generic (any shop's support vocabulary), not
//! tuned to one knowledge base. Each group joins translations and near
//! synonyms of one narrow notion; words that are frequent in every kind of
//! article (order/pesanan, item/barang, money/uang) are left out, because
//! merging them makes a common term even more common and blurs the ranking.
//! "charge" is not with "fee": it stems like "charging" (batteries).

use std::collections::HashMap;
use std::sync::LazyLock;

use super::text::tokens;

const GROUPS: &[&[&str]] = &[
    &[
        "hours",
        "hour",
        "hrs",
        "jam",
        "opening",
        "operasional",
        "operating",
        "schedule",
        "jadwal",
    ],
    &[
        "broken",
        "broke",
        "rusak",
        "damaged",
        "defective",
        "cacat",
        "pecah",
        "faulty",
        "retak",
        "mati",
    ],
    &["repair", "fix", "perbaiki", "benerin", "servis"],
    &[
        "return",
        "retur",
        "balikin",
        "kembalikan",
        "exchange",
        "tukar",
    ],
    &["refund", "refunds", "reimburse"],
    &["cancel", "batal", "batalkan", "batalin", "cancellation"],
    &["courier", "kurir", "ekspedisi", "expedition"],
    &["track", "lacak", "resi", "awb", "tracking"],
    &[
        "stock",
        "stok",
        "restock",
        "available",
        "habis",
        "ready",
        "sold",
    ],
    &["account", "akun"],
    &["password", "sandi", "pw", "pin"],
    &["voucher", "promo", "coupon", "kupon", "diskon", "discount"],
    &["warranty", "garansi", "guarantee"],
    &["address", "alamat", "location", "lokasi"],
    &["showroom", "toko", "store", "shop", "outlet", "offline"],
    &["email", "surel", "mail"],
    &["phone", "hp", "nomor", "telepon"],
    &["free", "gratis"],
    &["wrong", "salah", "keliru"],
    &["size", "ukuran"],
    &["late", "telat", "terlambat", "lambat", "delay", "delayed"],
    &["package", "parcel", "paket"],
    &["fee", "biaya", "cost"],
    &["price", "harga", "pricing"],
    &[
        "reply", "balas", "respond", "response", "respon", "answer", "jawab",
    ],
    &["question", "pertanyaan", "tanya", "ask"],
    &["help", "bantu", "bantuan", "assist", "assistance"],
    &["open", "buka"],
    &["close", "closed", "tutup"],
    &["buy", "beli", "purchase"],
    &["cash", "tunai"],
    &["card", "kartu"],
    &["night", "malam", "midnight"],
    &["morning", "pagi"],
    &["photo", "foto", "picture", "pic"],
    &["invoice", "faktur", "receipt", "nota", "struk"],
    &["weight", "berat"],
    &["minimum", "minimal"],
    &["colour", "color", "warna"],
    &["change", "ubah", "edit"],
];

static CANON: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for group in GROUPS {
        let stems: Vec<String> = group.iter().flat_map(|w| tokens(w)).collect();
        let Some(head) = stems.first().cloned() else {
            continue;
        };
        for s in stems {
            map.entry(s).or_insert_with(|| head.clone());
        }
    }
    map
});

/// The group representative of a normalized token (itself when none).
pub fn canonical(token: String) -> String {
    match CANON.get(&token) {
        Some(head) => head.clone(),
        None => token,
    }
}

/// `tokens` followed by synonym mapping.
pub fn terms(text: &str) -> Vec<String> {
    tokens(text).into_iter().map(canonical).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_meet_across_languages() {
        assert_eq!(terms("rusak"), terms("broken"));
        assert_eq!(terms("working hrs"), terms("working hours"));
        assert_eq!(terms("kurir"), terms("courier"));
        assert_eq!(terms("paketnya"), terms("parcel"));
        assert_eq!(terms("biaya"), terms("fee"));
        assert_ne!(terms("charge"), terms("fee"));
    }
}
